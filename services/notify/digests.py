"""The weekly digest to each organisation of its assignments' past occurrences that nobody recorded.

One e-mail per organisation and ISO week (the _id is that key), made from Monday 08:00 Oslo time on: the first round
of the week works out what is unrecorded and stores the digest, or a skipped one when there is nothing to say, so
later rounds that week only find it made. An occurrence counts from the day the assignment was confirmed, over the
four weeks before the digest, while nothing was recorded of it (attended, no-show or absent). The digest keeps ids,
dates and need titles, no name or address; the contact's address is fetched at send time, as for the requested
messages (requested.py), whose storing and delivery it shares.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any

from shared.clock import to_iso
from shared.config import Config
from shared.directory import DirectoryUnavailable
from shared.occurrences import of_match, served, serving_since
from shared.timeslots import OSLO, oslo_date
from shared.wording import organisation_name
from services.notify import model
from services.notify.delivery import Notifier
from services.notify.requested import ORGANISATION, RequestedMessages

log = logging.getLogger(__name__)

KIND = "unrecorded_digest"
COLLECTION = "digests"
SENT_FROM = time(8, 0)  # Monday morning, Oslo time
LOOK_BACK = timedelta(days=28)


def digest_week(now: datetime) -> str | None:
    """The ISO week ("2026-W11") whose digest is due now, or None before Monday 08:00 Oslo time."""
    local = now.astimezone(OSLO)
    if local.isoweekday() == 1 and local.time() < SENT_FROM:
        return None
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def digest_id(organisation_id: str, week: str) -> str:
    """The idempotency key: one digest per organisation and week."""
    return f"digest:{organisation_id}:{week}"


def unrecorded(match: dict[str, Any], need: dict[str, Any], now: datetime) -> list[dict[str, str]]:
    """The match's occurrences that began in the four weeks before now, while it was confirmed (until it ended, if
    it did), with nothing recorded; ValueError when the need's schedule cannot be read."""
    if match.get("status") not in ("confirmed", "ended"):
        return []
    today = oslo_date(now)
    first = max(today - LOOK_BACK, serving_since(match) or today - LOOK_BACK)
    recorded = match.get("occurrences") or {}
    return [{"match_id": match["id"], "date": o.key, "start": o.period.start.isoformat(), "need_title": need["title"]}
            for o in served(match, of_match(match, need, first, today))
            if o.period.start <= now and o.key not in recorded]


def new_digest(organisation_id: str, week: str, items: list[dict[str, str]], now: str) -> dict[str, Any]:
    """A digest to deliver, or, with nothing unrecorded, one skipped at once so the week is not worked out again."""
    doc = {"_id": digest_id(organisation_id, week), "subject_type": ORGANISATION, "subject_id": organisation_id,
           "role": model.ORGANISATION, "kind": KIND, "channel": model.EMAIL, "week": week,
           "request": {"items": sorted(items, key=lambda item: (item["start"], item["need_title"]))},
           "attempts": 0, "event_id": None, "event_type": None, "created_at": now, "updated_at": now,
           "next_attempt_at": now, "log": []}
    if items:
        return {**doc, "status": model.PENDING}
    return {**doc, "status": model.SKIPPED, "reason": "nothing_unrecorded"}


def plan_digests(n: Notifier) -> int:
    """Make this week's digest of each organisation with assignments (once), and send those with something to
    say; returns how many were made. An organisation whose matches cannot be read now is tried next round."""
    now = n.clock()
    week = digest_week(now)
    if week is None:
        return 0
    made = 0
    for organisation_id, assignments in _by_organisation(n).items():
        if DIGESTS.store(n).get(digest_id(organisation_id, week)) is not None:
            continue
        try:
            items = _items(assignments, n, now)
        except DirectoryUnavailable as exc:
            log.warning("no digest for organisation %s this round: %s", organisation_id, exc)
            continue
        doc = new_digest(organisation_id, week, items, to_iso(now))
        if DIGESTS.create(n, doc):
            made += 1
            DIGESTS.deliver_one(doc["_id"], n)
    return made


def _by_organisation(n: Notifier) -> dict[str, list[dict[str, Any]]]:
    """The assignments active, or ended in the weeks a digest looks back over (their last dates may be unrecorded),
    grouped by organisation (asked of the matcher for one that does not say)."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for assignment in n.repo.assignments_since(to_iso(n.clock() - LOOK_BACK)):
        organisation_id = assignment.get("organisation_id")
        if organisation_id is None:
            try:
                organisation_id = (n.directory.match(assignment["_id"]) or {}).get("organisation_id")
            except DirectoryUnavailable:
                continue
        if organisation_id:
            grouped[organisation_id].append(assignment)
    return grouped


def _items(assignments: list[dict[str, Any]], n: Notifier, now: datetime) -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    for assignment in assignments:
        match = n.directory.match(assignment["_id"])
        need = n.directory.need(assignment["need_id"]) if match else None
        if not match or not need or not need.get("schedule"):
            continue
        try:
            items += unrecorded(match, need, now)
        except ValueError as exc:
            log.warning("need %s has a schedule we cannot read: %s", assignment["need_id"], exc)
    return items


def recipient(doc: dict[str, Any], subject: dict[str, Any] | None,
              now: str) -> tuple[dict[str, Any] | None, str | None]:
    """The organisation's contact, by e-mail, or why nothing is to be sent."""
    if subject is None or subject.get("status") == "withdrawn" or not subject.get("contact"):
        return None, "erased"
    return {**subject["contact"], "organisation_name": organisation_name(subject),
            "contact_channels": [model.EMAIL]}, None


def _context(doc: dict[str, Any], person: dict[str, Any], config: Config) -> dict[str, Any]:
    return {"organisation_name": person["organisation_name"], "unrecorded": doc["request"]["items"],
            "needs_url": f"{config.web_url.rstrip('/')}/vare-behov", "weeks": LOOK_BACK.days // 7}


DIGESTS = RequestedMessages(KIND, COLLECTION, "weekly digest", "request", recipient, _context)
deliver_due = DIGESTS.deliver_due
