"""What the assignment pages make of the matcher's answers, in plain functions: an assignment's dates ahead and
behind, whether it is over, the state of a date reported absent, the hours given, and which plain message a
refused date gets, judged from what was sent. No Flask, no I/O."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping

from shared import occurrences, timeslots
from shared.occurrences import ABSENT, ATTENDED, NO_SHOW, PLANNED, UNRECORDED, as_served, parse_day
from shared.wording import local_time

NEXT_SHOWN = 3  # the dates ahead Min side shows of each assignment
MAX_PAUSE_DAYS = 366  # as the matcher allows
MAX_REPORT_YEARS = 3
ASKING, COMING, NOBODY = "asking", "coming", "nobody"  # a stand-in being asked, confirmed, or none found
STATUSES = (PLANNED, UNRECORDED, ABSENT, ATTENDED, NO_SHOW)


@dataclass(frozen=True)
class Day:
    """One occurrence of an assignment as the pages show it: its date, Oslo start and end, what is recorded (or
    planned / unrecorded), its minutes, and for a date reported absent the stand-in's state."""

    key: str
    start: datetime
    end: datetime
    status: str
    minutes: int
    stand_in: str | None = None

    @property
    def date(self) -> date:
        return self.start.date()


def stand_in_state(stand_in: Mapping[str, Any] | None) -> str | None:
    """What became of the one-off proposal for a date reported absent: ASKING while it is out, COMING once
    confirmed, NOBODY when it ended otherwise; None when the matcher names none (yet)."""
    if not stand_in:
        return None
    status = stand_in.get("status")
    return COMING if status == "confirmed" else ASKING if status == "proposed" else NOBODY


def days(items: Iterable[Mapping[str, Any]]) -> list[Day]:
    """The matcher's occurrence items as Days in date order; an item it could not have meant is left out."""
    found = []
    for item in items:
        try:
            status = item["status"] if item["status"] in STATUSES else PLANNED
            found.append(Day(parse_day(item["date"]).isoformat(), local_time(item["start"]), local_time(item["end"]),
                             status, int(item.get("minutes") or 0), stand_in_state(item.get("stand_in"))))
        except (KeyError, TypeError, ValueError):
            continue
    return sorted(found, key=lambda day: day.start)


def ahead(found: list[Day], now: datetime, count: int = NEXT_SHOWN) -> list[Day]:
    """The next `count` dates not yet begun, absent ones among them (they show their state)."""
    return [day for day in found if day.start > now][:count]


def behind(found: list[Day], now: datetime) -> list[Day]:
    """The dates that have begun, the most recent first: the ones an organisation records."""
    return sorted((day for day in found if day.start <= now), key=lambda day: day.start, reverse=True)


def is_over(schedule: Mapping[str, Any] | None, match: Mapping[str, Any], now: datetime) -> bool:
    """Whether no date of an agreed assignment is still to begin, so a pause or an end would change nothing the
    volunteer or the organisation can use: the need's schedule as the match serves it (a stand-in's one date) has
    begun, all of it. Without a schedule it is over: no date is known to be ahead (a caller that could not fetch
    the need does not ask)."""
    if not schedule:
        return True
    try:
        return timeslots.is_over(timeslots.parse_schedule(dict(as_served(schedule, match))), now)
    except (KeyError, TypeError, ValueError):  # a schedule the web cannot read: the matcher decides
        return False


def minutes_given(matches: Iterable[Mapping[str, Any]]) -> int:
    """The minutes recorded as attended over these matches."""
    return sum(int(match.get("attended_minutes") or 0) for match in matches)


def hours(minutes: int) -> float:
    """Minutes as hours, to one decimal, rounded as the matcher's reports round them."""
    return float(occurrences.hours(minutes))


def pause_problem(first: date, last: date) -> str:
    """Why the matcher refused a pause from `first` to `last` (it says which field, not why): "until_before",
    "too_long", or "none_ahead" when no date still ahead lies in the range."""
    if last < first:
        return "until_before"
    if (last - first).days > MAX_PAUSE_DAYS:
        return "too_long"
    return "none_ahead"


def seen_on_problem(seen_on: date | None, today: date) -> str:
    """Why the matcher refused the date a police certificate was seen: "missing", "future" or "too_old"."""
    if seen_on is None:
        return "missing"
    return "future" if seen_on > today else "too_old"


def report_problem(first: date | None, last: date | None, today: date) -> str:
    """Why the matcher refused an hours report's dates: "to_before", "too_long" or "other"."""
    first = first or date(today.year, 1, 1)
    last = last or today
    if last < first:
        return "to_before"
    if first.year + MAX_REPORT_YEARS <= date.max.year and last > _years_after(first, MAX_REPORT_YEARS):
        return "too_long"
    return "other"  # a date the matcher does not take (years outside 2000-2100) among them


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def oslo_today(now: datetime) -> date:
    """Today's date in Oslo."""
    return local_time(now).date()


def look_back(now: datetime, days_back: int) -> tuple[str, str]:
    """The occurrences query from `days_back` days ago to today (Oslo dates)."""
    today = oslo_today(now)
    return (today - timedelta(days=days_back)).isoformat(), today.isoformat()
