"""Assignments as calendars: one match's, and each person's private feed of their live assignments.

A feed code is `sign("calendar-feed", kind, owner id, generation)` (shared/links.py): it can be shown again at any
time, nobody can make one without the link key, it verifies under every key still listed (rotation), and renewing
the feed (a new generation) revokes every code made before.
"""
from __future__ import annotations

import logging
import struct
from collections.abc import Iterable
from datetime import date
from typing import Any, Callable
from uuid import UUID

from shared import calendar as ical
from shared import links
from shared.config import Config
from shared.directory import Directory, TokenInfo, is_uuid
from shared.errors import Conflict, Forbidden, InvalidLink, NotFound
from shared.occurrences import ABSENT, stand_in_date
from shared.wording import organisation_name
from services.matcher.feeds import Feeds
from services.matcher.lifecycle import CANCELLED, CONFIRMED, ENDED, ORGANISATION, VOLUNTEER

log = logging.getLogger(__name__)

FEED = "calendar-feed"
KINDS = (VOLUNTEER, ORGANISATION)
_PAYLOAD = struct.Struct(">B16sQ")  # owner kind, owner id, generation
FEED_NAMES = {VOLUNTEER: "Frivillig i Drammen: mine oppdrag", ORGANISATION: "Frivillig i Drammen: våre oppdrag"}


def feed_owner(who: TokenInfo) -> tuple[str, str]:
    """The feed a caller's credential opens: its offer's or its organisation's; 403 for staff and services."""
    owner_id = who.offer_id if who.kind == VOLUNTEER else who.organisation_id if who.kind == ORGANISATION else None
    if not is_uuid(owner_id):
        raise Forbidden("A calendar feed belongs to a volunteer or an organisation.")
    return who.kind, owner_id


def feed_code(config: Config, kind: str, owner_id: str, generation: int) -> str:
    """The signed code of one generation of an owner's feed."""
    return links.sign(config, FEED, _PAYLOAD.pack(KINDS.index(kind), UUID(owner_id).bytes, generation))


def read_feed_code(config: Config, feeds: Feeds, code: str) -> tuple[str, str]:
    """The owner a code names, if it was signed here for a feed and is of the owner's current generation."""
    payload = links.verify(config, FEED, code)
    if len(payload) != _PAYLOAD.size:
        raise InvalidLink("No such calendar.")
    kind_index, owner, generation = _PAYLOAD.unpack(payload)
    if kind_index >= len(KINDS):
        raise InvalidLink("No such calendar.")
    kind, owner_id = KINDS[kind_index], str(UUID(bytes=owner))
    if feeds.generation(kind, owner_id) != generation:
        raise NotFound("No such calendar: it was renewed.")
    return kind, owner_id


def feed_links(config: Config, feeds: Feeds, who: TokenInfo, renew: bool = False) -> dict[str, str]:
    """The addresses of the caller's feed, of a new generation when renewing."""
    kind, owner_id = feed_owner(who)
    generation = feeds.renew(kind, owner_id) if renew else feeds.generation(kind, owner_id)
    url = f"{config.public_base_url.rstrip('/')}/calendar/{feed_code(config, kind, owner_id, generation)}.ics"
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


def is_live(match: dict[str, Any], kind: str, today: date) -> bool:
    """Whether a match belongs in a feed: confirmed, and a stand-in only while its date is ahead (and, in the
    volunteer's own feed, not one they said they cannot come to)."""
    if match["status"] != CONFIRMED:
        return False
    day = stand_in_date(match)
    if day is None:
        return True
    said_absent = ((match.get("occurrences") or {}).get(day.isoformat()) or {}).get("status") == ABSENT
    return day >= today and not (kind == VOLUNTEER and said_absent)


class Lookup:
    """The needs, organisations and offers a calendar names, each fetched once per request."""

    def __init__(self, clients: Directory):
        self.clients = clients
        self.found: dict[tuple[str, str], dict[str, Any] | None] = {}

    def _get(self, fetch: Callable[[str], dict[str, Any] | None], kind: str, resource_id: str) -> dict[str, Any]:
        key = (kind, resource_id)
        if key not in self.found:
            self.found[key] = fetch(resource_id)
        return self.found[key] or {}

    def need(self, need_id: str) -> dict[str, Any]:
        return self._get(self.clients.need, "need", need_id)

    def organisation(self, organisation_id: str) -> dict[str, Any]:
        return self._get(self.clients.organisation, "organisation", organisation_id)

    def volunteer_name(self, offer_id: str) -> str | None:
        return (self._get(self.clients.offer, "offer", offer_id).get("volunteer") or {}).get("name")


def entry_of(match: dict[str, Any], side: str, lookup: Lookup, web_url: str) -> ical.Entry:
    """One match as one side's calendar event; NotFound when its need is gone."""
    need = lookup.need(match["need_id"])
    if not need.get("schedule"):
        raise NotFound("The need of this match is gone.")
    volunteer = lookup.volunteer_name(match["offer_id"]) if side == ORGANISATION else None
    return ical.assignment_entry({"id": match["_id"], **match}, need,
                                 organisation_name(lookup.organisation(match["organisation_id"])), side, volunteer,
                                 web_url)


def match_calendar(match: dict[str, Any], side: str | None, clients: Directory, web_url: str) -> bytes:
    """A match's calendar for one side (staff and services see the organisation's): the assignment while it is
    confirmed, its cancellation once it ended or was cancelled after confirmation; 409 for a mere proposal."""
    if match["status"] == CONFIRMED:
        method = ical.PUBLISH
    elif match["status"] == ENDED or (match["status"] == CANCELLED and match.get("confirmed_at")):
        method = ical.CANCEL
    else:
        raise Conflict("This match is not an assignment: it was never confirmed.")
    try:
        entry = entry_of(match, side or ORGANISATION, Lookup(clients), web_url)
    except ValueError as unreadable:
        raise Conflict(f"The need's schedule has no date for this match: {unreadable}") from None
    return ical.calendar([entry], method)


def feed_calendar(kind: str, matches: Iterable[dict[str, Any]], clients: Directory, web_url: str,
                  today: date) -> bytes:
    """A person's feed: their live assignments, one event each (one whose need is gone or unreadable is left out)."""
    lookup, entries = Lookup(clients), []
    for match in matches:
        if not is_live(match, kind, today):
            continue
        try:
            entries.append(entry_of(match, kind, lookup, web_url))
        except (NotFound, ValueError) as skipped:
            log.warning("match %s left out of a calendar feed: %s", match["_id"], skipped)
    return ical.calendar(entries, ical.PUBLISH, FEED_NAMES[kind])
