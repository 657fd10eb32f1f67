"""An assignment's occurrences: the Oslo dates its schedule produces, and the hours they add up to. No I/O.

A confirmed match's schedule is its need's: weekly (within from_date/until_date) or one period. A stand-in match
covers one date of it only (`for_date`). An occurrence is named by its Oslo date, `YYYY-MM-DD`, since a weekly
need happens at most once a day.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shared.timeslots import Period, Schedule, oslo_instant, oslo_date, occurrences, parse_schedule, slot_minutes

ATTENDED, NO_SHOW, ABSENT = "attended", "no_show", "absent"
RECORDED = (ATTENDED, NO_SHOW, ABSENT)
PLANNED, UNRECORDED = "planned", "unrecorded"  # shown, never stored: an occurrence still ahead, or past and unsaid
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class Occurrence:
    """One date of an assignment with its start and end instants."""

    date: date
    period: Period

    @property
    def key(self) -> str:
        return self.date.isoformat()

    @property
    def minutes(self) -> int:
        return slot_minutes(self.period)


def _day_start(day: date) -> datetime:
    return oslo_instant(datetime.combine(day, time()))


def between(schedule: Schedule, first: date, last: date, for_date: date | None = None) -> list[Occurrence]:
    """The occurrences on the Oslo dates first..last (both included), of one date only for a stand-in."""
    if for_date is not None:
        if not first <= for_date <= last:
            return []
        first = last = for_date
    found = occurrences(schedule, _day_start(first), _day_start(last + timedelta(days=1)))
    return [Occurrence(oslo_date(period.start), period) for period in found]


def on(schedule: Schedule, day: date, for_date: date | None = None) -> Occurrence | None:
    """The occurrence on that Oslo date, or None when the schedule produces none that day."""
    found = between(schedule, day, day, for_date)
    return found[0] if found else None


def of_match(match: Mapping[str, Any], need: Mapping[str, Any], first: date, last: date) -> list[Occurrence]:
    """A match's occurrences between two dates, from its need's stored schedule; ValueError if it cannot be read."""
    return between(parse_schedule(need["schedule"]), first, last, stand_in_date(match))


def stand_in_date(match: Mapping[str, Any]) -> date | None:
    """The one date a stand-in match covers; None for a standing assignment."""
    value = match.get("for_date")
    return date.fromisoformat(value) if value else None


def serving_since(match: Mapping[str, Any]) -> date | None:
    """The Oslo date the assignment was confirmed: its occurrences count from then on (None before)."""
    confirmed = match.get("confirmed_at")
    return oslo_date(datetime.fromisoformat(confirmed)) if confirmed else None


def served(match: Mapping[str, Any], found: Iterable[Occurrence]) -> list[Occurrence]:
    """The occurrences the assignment serves: those that begin once it was confirmed and before it ended."""
    since, until = match.get("confirmed_at"), match.get("ended_at")
    return [o for o in found if (not since or o.period.start >= datetime.fromisoformat(since))
            and (not until or o.period.start < datetime.fromisoformat(until))]


def status_on(match: Mapping[str, Any], day: str) -> str | None:
    """What was recorded on the match for that date (attended, no_show, absent), or None."""
    return ((match.get("occurrences") or {}).get(day) or {}).get("status")


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
YEARS = range(2000, 2101)  # as the schemas' CalendarDate: plausible dates only


def parse_day(text: str) -> date:
    """A `YYYY-MM-DD` date between the years 2000 and 2100; ValueError for anything else."""
    if not isinstance(text, str) or not _DAY.fullmatch(text):
        raise ValueError(f"a date is written YYYY-MM-DD, got {text!r}")
    day = date.fromisoformat(text)
    if day.year not in YEARS:
        raise ValueError(f"a date between the years 2000 and 2100, got {text!r}")
    return day


def hours(minutes: int) -> Decimal:
    """Minutes as hours to one decimal, halves rounded up as people round them (75 minutes are 1.3 hours)."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Tally:
    """Attendance added up: occurrences attended, no-shows, minutes, and the volunteers who attended."""

    attended: int = 0
    no_show: int = 0
    minutes: int = 0
    volunteers: frozenset[str] = frozenset()

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)

    def add(self, status: str, minutes: int, volunteer: str) -> Tally:
        """This tally with one recorded occurrence more; an absence counts for nothing."""
        if status == ATTENDED:
            return Tally(self.attended + 1, self.no_show, self.minutes + minutes, self.volunteers | {volunteer})
        if status == NO_SHOW:
            return Tally(self.attended, self.no_show + 1, self.minutes, self.volunteers)
        return self


def recorded_in(match: Mapping[str, Any], first: date | None = None,
                last: date | None = None) -> Iterable[tuple[str, Mapping[str, Any]]]:
    """The match's recorded occurrences (date, record) whose date lies between first and last, if given."""
    for key, record in sorted((match.get("occurrences") or {}).items()):
        day = date.fromisoformat(key)
        if (first is None or day >= first) and (last is None or day <= last):
            yield key, record


def tally(matches: Iterable[Mapping[str, Any]], first: date | None = None, last: date | None = None) -> Tally:
    """Attendance of these matches between two dates (each included), summed."""
    total = Tally()
    for match in matches:
        for _, record in recorded_in(match, first, last):
            total = total.add(record["status"], record.get("minutes", 0), match["offer_id"])
    return total


def as_served(schedule: Mapping[str, Any] | None, match: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The schedule (stored form) as the match serves it: a stand-in's one date as a single period, so that words
    and calendars show that date; the need's own schedule otherwise (and when that date has no occurrence)."""
    day = stand_in_date(match)
    if schedule is None or day is None:
        return schedule
    found = on(parse_schedule(schedule), day)
    return {"start": found.period.start.isoformat(), "end": found.period.end.isoformat()} if found else schedule
