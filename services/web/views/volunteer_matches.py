"""What Min side shows of a volunteer's matches: sorted by what the volunteer can do about them, each with
what, where, when, for whom and by when, read from the services that own those facts."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from shared.directory import path_id
from shared.occurrences import as_served
from shared.reference import district_name
from shared.timeslots import Period, occurrences, parse_schedule
from shared.wording import format_at, format_when, local_time
from services.web.apiclient import ApiError, ApiUnavailable, api
from services.web.assignments import Day, ahead, days, is_over, oslo_today
from services.web.views.public_words import organisation_text

ASKED, WAITING, CONFIRMED, EARLIER = "asked", "waiting", "confirmed", "earlier"
FULL, BUSY = "full", "busy"  # as many assignments as asked for; as many with the proposals counted
EARLIER_SHOWN = 5  # the most recent ended ones; older ones are history nobody acts on
LOOK_AHEAD = timedelta(days=400)
OCCURRENCES_AHEAD = timedelta(days=365)  # the matcher answers at most 366 days at a time


def group(matches: list[dict[str, Any]], now: datetime) -> dict[str, list[dict[str, Any]]]:
    """Proposals the volunteer has to answer, those waiting for the organisation, confirmed assignments, and
    the most recent of the rest (declined, expired, cancelled, ended), newest first in each group."""
    groups: dict[str, list[dict[str, Any]]] = {ASKED: [], WAITING: [], CONFIRMED: [], EARLIER: []}
    for match in sorted(matches, key=lambda m: m.get("updated_at") or m.get("created_at") or "", reverse=True):
        status, accepted = match.get("status"), "volunteer" in (match.get("accepted_by") or [])
        live = bool(match.get("expires_at")) and local_time(match["expires_at"]) > now
        if status == "proposed" and live:
            groups[WAITING if accepted else ASKED].append(match)
        elif status == "confirmed":
            groups[CONFIRMED].append(match)
        else:
            groups[EARLIER].append(match)
    groups[EARLIER] = groups[EARLIER][:EARLIER_SHOWN]
    return groups


def capacity(groups: dict[str, list[Any]], max_active: int) -> str | None:
    """Whether the volunteer gets no new proposals because they have as many matches as they asked to have at
    once, counted as the matcher counts them (agreed assignments and proposals not yet over): FULL when the
    assignments alone reach the number, BUSY when proposals make up the rest, None while there is room. A one-off
    stand-in takes no place among them."""
    def standing(kind: str) -> int:
        return sum(1 for item in groups.get(kind) or [] if not getattr(item, "match", item).get("for_date"))
    confirmed = standing(CONFIRMED)
    if confirmed >= max_active:
        return FULL
    return BUSY if confirmed + standing(ASKED) + standing(WAITING) >= max_active else None



def next_dates(schedule: dict[str, Any], now: datetime, count: int = 3) -> list[Period]:
    """The next `count` occurrences of a weekly schedule from now, within its from/until dates; for a single
    period, the period itself."""
    parsed = parse_schedule(schedule)
    if isinstance(parsed.slot, Period):
        return [parsed.slot]
    return occurrences(parsed, now, now + LOOK_AHEAD)[:count]


@dataclass(frozen=True)
class Served:
    """A need as the match serves it: its title, its district's name, and its schedule as the needs service gives
    it (Card.when reads it as the match serves it: a stand-in's one date), and what it is about."""

    title: str
    where: str
    schedule: dict[str, Any]
    description: str = ""


@dataclass
class Card:
    """One match as the page shows it; the title, where and when come from the need's summary the matcher gives
    with the match, and `unknown` says the matcher could not give it now. `need` is the need as the public reads
    it, for what the summary does not tell (its description, whether it requires a police certificate), read only
    for a proposal; None for the rest, and once the need is not open."""

    match: dict[str, Any]
    need: dict[str, Any] | None
    title: str = ""
    unknown: bool = False
    description: str = ""
    organisation: str = ""
    district: str = ""
    when: str = ""
    deadline: str = ""
    dates: list[str] = field(default_factory=list)
    days: list[Day] | None = None  # the next dates as the matcher has them, None while it cannot say
    contact: dict[str, Any] | None = None
    one_day: bool = False  # a stand-in: one date of a need whose usual volunteer cannot come
    certificate: bool = False  # the need requires a police certificate
    over: bool = False  # an agreed assignment with no date left to begin: nothing to pause or end


class Facts:
    """Needs and organisations read once per page, however many matches name them."""

    def __init__(self) -> None:
        self.needs: dict[str, dict[str, Any] | None] = {}
        self.organisations: dict[str, str] = {}

    def need(self, need_id: str) -> dict[str, Any] | None:
        if need_id not in self.needs:
            try:
                self.needs[need_id] = api().get("needs", f"/needs/{quote(need_id, safe='')}")
            except ApiError:
                self.needs[need_id] = None  # public only while open
        return self.needs[need_id]

    def organisation(self, organisation_id: str | None) -> str:
        """The organisation's name as the volunteer knows it: a municipal service's unit first."""
        if not organisation_id:
            return ""
        if organisation_id not in self.organisations:
            try:
                found = api().get("needs", f"/organisations/{quote(organisation_id, safe='')}") or {}
            except ApiError:
                found = {}
            self.organisations[organisation_id] = organisation_text(found)
        return self.organisations[organisation_id]


def contact_of(match_id: str, token: str) -> dict[str, Any] | None:
    """The organisation's contact person for a confirmed assignment (name, e-mail, phone), or None while the
    matcher cannot give it."""
    try:
        found = api().get("matcher", f"/matches/{quote(match_id, safe='')}/contact", token) or {}
    except ApiError:
        return None
    return (found.get("organisation") or {}).get("contact")


def upcoming(match_id: str, token: str, now: datetime) -> list[Day] | None:
    """An assignment's next dates with what is recorded of them (absent, and the stand-in's state), from the
    matcher; None while it cannot say."""
    today = oslo_today(now)
    try:
        found = api().get("matcher", f"/matches/{path_id(match_id)}/occurrences", token,
                          **{"from": today.isoformat(), "to": (today + OCCURRENCES_AHEAD).isoformat()})
    except (ApiError, ApiUnavailable):
        return None
    return ahead(days((found or {}).get("items") or []), now)


def when_of(match: dict[str, Any], schedule: dict[str, Any], lang: str) -> str:
    """The need's schedule in words; for a stand-in, its one date."""
    return format_when(as_served(schedule, match), lang)


def about(match: dict[str, Any]) -> Served | None:
    """The need as the card tells of it: the summary the matcher gives the volunteer with each match, which it
    reads as a service, so also once the need is no longer public (a one-off need closes as over once its period
    begins); None while the matcher could not get it."""
    summary = match.get("need")
    if not isinstance(summary, dict):
        return None
    district = summary.get("district")
    return Served(summary.get("title") or "", district_name(district) if district else "",
                  summary.get("schedule") or {}, summary.get("description") or "")


def requires_certificate(match: dict[str, Any], need: dict[str, Any] | None, over: bool) -> bool:
    """Whether the card links to the confirmation of purpose for a police certificate: a proposal's need asks for
    one; an agreed assignment was confirmed with one (the match records the date it was seen) and has dates left,
    so its need is still open and the confirmation can be printed for a newer certificate."""
    if need is not None:
        return bool((need.get("requirements") or {}).get("police_certificate"))
    return bool(match.get("certificate")) and not over


def card(match: dict[str, Any], kind: str, facts: Facts, token: str, lang: str, now: datetime) -> Card:
    """A match with the facts its group shows: earlier ones only their title. An agreed assignment is told of from
    its match and the need's summary alone; one that is over (see assignments.is_over) is told of as any other, with
    nothing left to pause or end; one whose need the matcher could not summarise now is not taken for over (the
    matcher still says which dates are ahead). A proposal also shows what only the public need tells."""
    told = about(match)
    need = facts.need(match["need_id"]) if kind in (ASKED, WAITING) else None
    shown = Card(match, need, told.title if told else "", told is None)
    shown.description = (need or {}).get("description") or (told.description if told else "")
    if kind == CONFIRMED:
        shown.contact = contact_of(match["id"], token)  # theirs to have even once the need is no longer open
        shown.over = told is not None and is_over(told.schedule, match, now)
    if kind == EARLIER:
        return shown
    shown.organisation = facts.organisation(match.get("organisation_id") or (need or {}).get("organisation_id"))
    shown.district = told.where if told else ""
    shown.one_day = bool(match.get("for_date"))
    shown.certificate = requires_certificate(match, need, shown.over)
    shown.when = when_of(match, told.schedule, lang) if told and told.schedule else ""
    if kind == ASKED and match.get("expires_at"):
        shown.deadline = format_at(local_time(match["expires_at"]), lang)
    if kind == CONFIRMED and not shown.over:
        shown.days = upcoming(match["id"], token, now)
        if shown.days is None and told and told.schedule and not shown.one_day:
            shown.dates = [format_when({"start": o.start.isoformat(), "end": o.end.isoformat()}, lang)
                           for o in next_dates(told.schedule, now)]
    return shown


def cards(matches: list[dict[str, Any]], token: str, lang: str, now: datetime) -> dict[str, list[Card]]:
    """Min side's groups of matches, each match with its facts."""
    facts = Facts()
    return {kind: [card(match, kind, facts, token, lang, now) for match in found]
            for kind, found in group(matches, now).items()}
