"""What Våre behov shows of each need: its slots and their state, the candidates waiting for the organisation's
answer and the confirmed volunteers, with contact details only where the matcher hands them out."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from shared.directory import path_id
from shared.wording import format_at, format_when, local_time
from services.web.apiclient import ApiError, ApiUnavailable, api
from services.web.assignments import Day, behind, days, is_over, look_back
from services.web.texts import language

CONFIRMED, WAITING, PROPOSED, OPEN = "confirmed", "waiting", "proposed", "open"
CLOSED = "closed"  # a need's status once it is over or its organisation closed it
PAGE_SIZE = 10
LOOK_BACK_DAYS = 60  # how far back the need's page offers past dates to record


@dataclass
class Person:
    """A candidate or confirmed volunteer: the match, and the contact the matcher shows (empty while it shows none)."""

    match_id: str
    contact: dict[str, Any]
    answer_by: str = ""
    match: dict[str, Any] = field(default_factory=dict)
    past: list[Day] | None = None  # the dates that have begun, for the need's page; None while the matcher cannot say
    over: bool = False  # a confirmed assignment with no date left to begin: nothing to end


@dataclass
class NeedView:
    need: dict[str, Any]
    when: str
    slots: list[str] = field(default_factory=list)
    candidates: list[Person] = field(default_factory=list)
    confirmed: list[Person] = field(default_factory=list)


def waits_for_organisation(match: dict[str, Any]) -> bool:
    """A proposal the volunteer accepted and the organisation has not answered yet."""
    return match.get("status") == "proposed" and "volunteer" in (match.get("accepted_by") or [])


def slot_states(needed: int, matches: list[dict[str, Any]]) -> list[str]:
    """One state per slot, the most settled first: confirmed, waiting for your answer, proposed, open.
    A match may take several slots (a group offer); more live matches than slots never shows more slots."""
    taken = {CONFIRMED: 0, WAITING: 0, PROPOSED: 0}
    for match in matches:
        state = (CONFIRMED if match.get("status") == "confirmed" else WAITING if waits_for_organisation(match)
                 else PROPOSED if match.get("status") == "proposed" else None)
        if state:
            taken[state] += int(match.get("slots") or 1)
    states = [state for state in (CONFIRMED, WAITING, PROPOSED) for _ in range(taken[state])][:needed]
    return states + [OPEN] * (needed - len(states))


def contact_of(match_id: str, token: str) -> dict[str, Any]:
    """The volunteer's name and contact for this match, or nothing while the matcher does not hand it out."""
    try:
        return (api().get("matcher", f"/matches/{path_id(match_id)}/contact", token) or {}).get("volunteer") or {}
    except ApiError as error:
        if error.status in (403, 404):
            return {}
        raise


def past_dates(match_id: str, token: str, now: datetime) -> list[Day] | None:
    """A confirmed volunteer's dates that have begun, the most recent first, with what is recorded of them."""
    first, last = look_back(now, LOOK_BACK_DAYS)
    try:
        found = api().get("matcher", f"/matches/{path_id(match_id)}/occurrences", token, **{"from": first, "to": last})
    except (ApiError, ApiUnavailable):
        return None
    return behind(days((found or {}).get("items") or []), now)


def need_view(need: dict[str, Any], token: str, now: datetime | None = None) -> NeedView:
    """One need as the page shows it. An open need has its slots, candidates and confirmed volunteers; a closed
    one only the assignments it was served by (a need closes as over once its last date has begun, and its
    volunteers' dates are still to record). Given `now` (the need's own page), each confirmed volunteer comes
    with the dates that have begun."""
    lang = language()
    view = NeedView(need, format_when(need["schedule"], lang) if need.get("schedule") else "")
    if need.get("status") not in (OPEN, CLOSED):
        return view
    matches = api().get("matcher", "/matches", token, need_id=need["id"])["items"]
    if need["status"] == OPEN:
        view.slots = slot_states(int(need.get("volunteers_needed") or 1),
                                 [match for match in matches if not match.get("for_date")])  # stand-ins take no slot
    moment = now or datetime.now(timezone.utc)
    for match in matches:
        if waits_for_organisation(match) and need["status"] == OPEN:
            answer_by = format_at(local_time(match["expires_at"]), lang) if match.get("expires_at") else ""
            view.candidates.append(Person(match["id"], contact_of(match["id"], token), answer_by, match))
        elif match.get("status") == "confirmed":
            person = Person(match["id"], contact_of(match["id"], token), match=match,
                            over=is_over(need.get("schedule"), match, moment))
            if now is not None:
                person.past = past_dates(match["id"], token, now)
            view.confirmed.append(person)
    return view


def needs_page(token: str, page: int) -> tuple[list[NeedView], int]:
    """One page of the organisation's needs, newest first, and how many pages there are."""
    listing = api().get("needs", "/organisations/me/needs", token, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-int(listing.get("total", 0)) // PAGE_SIZE))
    return [need_view(need, token) for need in listing["items"]], pages
