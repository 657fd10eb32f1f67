"""Use cases of a confirmed match, an assignment: its occurrences and what was recorded on them, absences, pauses
and the end. Who may say what, and when:

- the volunteer says ahead of time that they cannot come (`absent`), one date or a period (a pause);
- the organisation records, once an occurrence has begun, that the volunteer came (`attended`, with minutes: by
  default the slot's length) or did not (`no_show`); an occurrence the volunteer said they would miss is the
  stand-in's to record, on the stand-in's match;
- either side ends the assignment.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from shared import occurrences
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.mongo import retrying
from shared.occurrences import ABSENT, ATTENDED, PLANNED, UNRECORDED, Occurrence
from shared.timeslots import Schedule, oslo_date, parse_schedule
from services.matcher import lifecycle
from services.matcher.lifecycle import ORGANISATION, VOLUNTEER
from services.matcher.repository import MatcherRepository
from services.matcher.waves import save_change

LOOK_BACK, LOOK_AHEAD = timedelta(days=28), timedelta(days=56)
MAX_PAUSE = timedelta(days=occurrences.MAX_RANGE_DAYS)


def _match(repo: MatcherRepository, match_id: str) -> dict[str, Any]:
    match = repo.matches.get(match_id)
    if match is None:
        raise NotFound("No such match.")
    return match


def _schedule(repo: MatcherRepository, match: dict[str, Any]) -> Schedule:
    """The schedule of the match's need, from the read model."""
    need = repo.need(match["need_id"]) or {}
    if not need.get("schedule"):
        raise NotFound("This match's need has no schedule the matcher knows.")
    return parse_schedule(need["schedule"])


def default_range(now: datetime) -> tuple[date, date]:
    """The dates an occurrence listing covers unless asked otherwise: four weeks back, eight ahead."""
    today = oslo_date(now)
    return today - LOOK_BACK, today + LOOK_AHEAD


def _item(occurrence: Occurrence, record: dict[str, Any] | None, stand_in: dict[str, Any] | None,
          now: datetime) -> dict[str, Any]:
    """One occurrence as the API shows it."""
    shown = (record or {}).get("status") or (PLANNED if occurrence.period.start > now else UNRECORDED)
    item = {"date": occurrence.key, "start": occurrence.period.start.isoformat(),
            "end": occurrence.period.end.isoformat(), "status": shown,
            "minutes": (record or {}).get("minutes", occurrence.minutes)}
    if record and record.get("reason"):
        item["reason"] = record["reason"]
    item["stand_in"] = {"match_id": stand_in["_id"], "status": stand_in["status"]} if stand_in else None
    return item


def _newest_stand_ins(repo: MatcherRepository, match: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The latest stand-in match asked for each date of a standing match."""
    if lifecycle.is_stand_in(match):
        return {}
    return {x["for_date"]: x for x in repo.stand_ins_of(match["_id"])}  # oldest first, so the newest stays


def listing(repo: MatcherRepository, match: dict[str, Any], first: date, last: date,
            now: datetime) -> list[dict[str, Any]]:
    """The match's occurrences between two dates, from the day it was confirmed, with what was recorded on each and
    its stand-in."""
    first = max(first, occurrences.serving_since(match) or first)
    found = occurrences.served(match, occurrences.between(_schedule(repo, match), first, last,
                                                          occurrences.stand_in_date(match)))
    recorded = match.get("occurrences") or {}
    stand_ins = _newest_stand_ins(repo, match)
    return [_item(o, recorded.get(o.key), stand_ins.get(o.key), now) for o in found]


def _occurrence(repo: MatcherRepository, match: dict[str, Any], day: str) -> Occurrence:
    """The match's occurrence on a date, or 404."""
    try:
        found = occurrences.on(_schedule(repo, match), occurrences.parse_day(day), occurrences.stand_in_date(match))
    except ValueError:
        found = None
    if found is None or not occurrences.served({**match, "ended_at": None}, [found]):  # after the end: 409 below
        raise NotFound(f"This assignment has no occurrence on {day}.")
    return found


def _ended_before(match: dict[str, Any], occurrence: Occurrence) -> bool:
    """Whether the assignment ended before the occurrence began."""
    return match["status"] == lifecycle.ENDED and not occurrences.served(match, [occurrence])


def _entry(match: dict[str, Any], occurrence: Occurrence, body: dict[str, Any], role: str,
           now: datetime) -> dict[str, Any]:
    """What to store for the occurrence, once it is clear the side may say it now."""
    status = body["status"]
    if status == ABSENT:
        if role != VOLUNTEER:
            raise Forbidden("Only the volunteer can say they cannot come.")
        if occurrence.period.start <= now or match["status"] != lifecycle.CONFIRMED:
            raise Conflict("An absence is said before the occurrence begins, while the assignment lasts.")
        return {"status": ABSENT, "by": VOLUNTEER}
    if role != ORGANISATION:
        raise Forbidden("The organisation records whether the volunteer came.")
    if occurrence.period.start > now:
        raise Conflict("This occurrence has not begun yet; record it once it has.")
    if _ended_before(match, occurrence):
        raise Conflict("The assignment had ended by this date.")
    if occurrences.status_on(match, occurrence.key) == ABSENT:
        raise Conflict("The volunteer said they could not come this date; a stand-in's attendance is recorded on "
                       "the stand-in's assignment.")
    if status == ATTENDED:
        return {"status": ATTENDED, "by": ORGANISATION, "minutes": body.get("minutes", occurrence.minutes)}
    return {"status": status, "by": ORGANISATION}


def record(repo: MatcherRepository, match_id: str, day: str, body: dict[str, Any], role: str,
           now: datetime) -> dict[str, Any]:
    """Record one occurrence as the side says it; returns it as the listing shows it."""
    def attempt() -> dict[str, Any]:
        match = _match(repo, match_id)
        if match["status"] not in (lifecycle.CONFIRMED, lifecycle.ENDED):
            raise Conflict(f"This match is {match['status']}; occurrences belong to a confirmed assignment.")
        occurrence = _occurrence(repo, match, day)
        saved = save_change(repo, lifecycle.record(match, occurrence.key, _entry(match, occurrence, body, role, now),
                                                   now))
        return _item(occurrence, saved["occurrences"][occurrence.key],
                     _newest_stand_ins(repo, saved).get(occurrence.key), now)
    return retrying(attempt)


def pause(repo: MatcherRepository, match_id: str, first: date, last: date, role: str,
          now: datetime) -> dict[str, Any]:
    """The volunteer is away from first to last: every occurrence in it not yet begun becomes an absence."""
    if role != VOLUNTEER:
        raise Forbidden("Only the volunteer can pause their assignment.")
    if last < first:
        raise InvalidInput("The pause ends before it starts.", {"until": ["Must be on or after 'from'."]})
    if last - first > MAX_PAUSE:
        raise InvalidInput("A pause is at most a year.", {"until": ["At most 366 days after 'from'."]})

    def attempt() -> dict[str, Any]:
        match = _match(repo, match_id)
        ahead = [o.key for o in occurrences.between(_schedule(repo, match), first, last,
                                                    occurrences.stand_in_date(match)) if o.period.start > now]
        if not ahead:
            raise InvalidInput("No occurrence of the assignment lies ahead in that period.",
                               {"from": ["No occurrence ahead between these dates."]})
        return save_change(repo, lifecycle.pause(match, ahead, first.isoformat(), last.isoformat(), now))
    return retrying(attempt)


def _end_once(repo: MatcherRepository, match_id: str, role: str, now: datetime) -> dict[str, Any]:
    return save_change(repo, lifecycle.end(_match(repo, match_id), role, now))


def end(repo: MatcherRepository, match_id: str, role: str, now: datetime) -> dict[str, Any]:
    """Either side ends the assignment."""
    return retrying(partial(_end_once, repo, match_id, role, now))
