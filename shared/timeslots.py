"""Volunteer availability slots and need schedules, compared in Europe/Oslo time.

Weekly slots are local wall-clock times, so a Tuesday 17:00-20:00 slot is
17:00-20:00 on the clocks in Drammen in winter (UTC+1) and summer (UTC+2).

Daylight saving: a wall-clock time on a given date means the first instant
at which Oslo clocks show that time. For ordinary times, and for the hour
that is repeated on the last Sunday of October, this is exactly
``datetime.combine(day, wall_time, tzinfo=OSLO)`` with zoneinfo's ``fold=0``
(the first, summer-time pass). A time inside the hour that is skipped on the
last Sunday of March (02:00-03:00) means 03:00 summer time, the moment the
clocks jump past it. An occurrence therefore keeps only the part of it that
exists on the clock, and an occurrence lying wholly in the skipped hour does
not happen that day. Naive datetimes in the JSON contract are read the same way.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")

_TIME_PATTERN = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)


@dataclass(frozen=True)
class WeeklySlot:
    """A slot recurring every week on one ISO weekday, in Oslo wall-clock time."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        """Reject impossible weekdays and times."""
        if isinstance(self.weekday, bool) or not isinstance(self.weekday, int) or not 1 <= self.weekday <= 7:
            raise ValueError(f"weekday must be an integer from 1 (Monday) to 7 (Sunday), got {self.weekday!r}")
        for name, value in (("start", self.start), ("end", self.end)):
            if not isinstance(value, time) or value.tzinfo is not None or value.second or value.microsecond:
                raise ValueError(f"{name} must be a naive time in whole minutes, got {value!r}")
        if self.end <= self.start:
            raise ValueError(f"end {self.end:%H:%M} must be after start {self.start:%H:%M} on the same day")


@dataclass(frozen=True)
class Period:
    """A single period between two timezone-aware instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        """Reject naive datetimes and empty or reversed periods."""
        for name, value in (("start", self.start), ("end", self.end)):
            if not isinstance(value, datetime) or value.utcoffset() is None:
                raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
        if _utc(self.end) <= _utc(self.start):
            raise ValueError(f"end {self.end.isoformat()} must be after start {self.start.isoformat()}")


Slot = WeeklySlot | Period


@dataclass(frozen=True)
class Schedule:
    """When a need takes place; the dates bound a weekly slot and are ignored for a period."""

    slot: WeeklySlot | Period
    from_date: date | None = None
    until_date: date | None = None


def parse_slot(data: dict) -> Slot:
    """Read an availability slot from its JSON form."""
    if not isinstance(data, dict):
        raise ValueError(f"a slot must be a JSON object, got {type(data).__name__}")
    is_weekly = "weekday" in data
    is_period = "start" in data or "end" in data
    if is_weekly and is_period:
        raise ValueError("a slot has either 'weekday', 'start_time' and 'end_time' or 'start' and 'end', not both")
    if is_weekly:
        return WeeklySlot(
            data["weekday"],
            _parse_time(data, "start_time"),
            _parse_time(data, "end_time"),
        )
    if is_period:
        return Period(_parse_datetime(data, "start"), _parse_datetime(data, "end"))
    raise ValueError("a slot needs either 'weekday', 'start_time' and 'end_time' or 'start' and 'end'")


def slot_to_dict(slot: Slot) -> dict:
    """Write a slot in its JSON form."""
    if isinstance(slot, WeeklySlot):
        return {
            "weekday": slot.weekday,
            "start_time": slot.start.strftime("%H:%M"),
            "end_time": slot.end.strftime("%H:%M"),
        }
    return {"start": slot.start.isoformat(), "end": slot.end.isoformat()}


def parse_schedule(data: dict) -> Schedule:
    """Read a need's schedule from its JSON form."""
    slot = parse_slot(data)
    from_date = _parse_date(data, "from_date")
    until_date = _parse_date(data, "until_date")
    if isinstance(slot, Period) and (from_date or until_date):
        raise ValueError("'from_date' and 'until_date' only apply to a weekly schedule")
    if from_date and until_date and from_date > until_date:
        raise ValueError(f"from_date {from_date} must not be after until_date {until_date}")
    return Schedule(slot, from_date, until_date)


def schedule_to_dict(schedule: Schedule) -> dict:
    """Write a schedule in its JSON form, leaving out absent dates."""
    result = slot_to_dict(schedule.slot)
    if isinstance(schedule.slot, WeeklySlot):
        if schedule.from_date is not None:
            result["from_date"] = schedule.from_date.isoformat()
        if schedule.until_date is not None:
            result["until_date"] = schedule.until_date.isoformat()
    return result


def slot_minutes(slot: Slot) -> int:
    """Length of one occurrence in minutes: wall-clock for weekly, elapsed for a period."""
    return _slot_seconds(slot) // 60


def fits(available: Slot, need: Schedule) -> bool:
    """Whether one availability slot covers the whole of the need's slot."""
    wanted = need.slot
    if isinstance(wanted, WeeklySlot):
        if isinstance(available, Period):
            found = _bounded_occurrences(need)
            return bool(found) and all(_contains(available, occurrence) for occurrence in found)
        return _has_occurrences(need) and weekly_covers(available, wanted.weekday, wanted.start, wanted.end)
    if isinstance(available, WeeklySlot):
        local = local_weekday_and_times(wanted)
        # Across the repeated autumn hour the local end can show an earlier time than the start.
        return local is not None and local[1] < local[2] and weekly_covers(available, *local)
    return _contains(available, wanted)


def spare_minutes(available: Slot, need: Schedule) -> int:
    """Minutes of the availability occurrence the need leaves unused, or 0 if it does not fit."""
    if not fits(available, need):
        return 0
    return max(0, (_slot_seconds(available) - _used_seconds(available, need)) // 60)


def fits_any(availability: Iterable[Slot], need: Schedule) -> bool:
    """Whether any of the availability slots covers the need."""
    return any(fits(slot, need) for slot in availability)


def occurrences(schedule: Schedule, start: datetime, end: datetime) -> list[Period]:
    """The need's occurrences that start within [start, end), in Oslo time."""
    window_start = _utc(_require_aware(start, "start"))
    window_end = _utc(_require_aware(end, "end"))
    slot = schedule.slot
    if isinstance(slot, Period):
        if window_start <= _utc(slot.start) < window_end:
            return [Period(_local(slot.start), _local(slot.end))]
        return []
    first = _local(window_start).date()
    last = _local(window_end).date()
    if schedule.from_date is not None:
        first = max(first, schedule.from_date)
    if schedule.until_date is not None:
        last = min(last, schedule.until_date)
    day = first + timedelta(days=(slot.weekday - first.isoweekday()) % 7)
    found: list[Period] = []
    while day <= last:
        occurrence = _occurrence_on(slot, day)
        if occurrence is not None and window_start <= _utc(occurrence.start) < window_end:
            found.append(occurrence)
        day += _WEEK
    return found


def is_over(schedule: Schedule, now: datetime) -> bool:
    """Whether no occurrence of the need starts at or after now."""
    moment = _utc(_require_aware(now, "now"))
    slot = schedule.slot
    if isinstance(slot, Period):
        return _utc(slot.start) < moment
    if schedule.until_date is None:
        return False
    return not occurrences(schedule, moment, _start_of_day(schedule.until_date + _DAY))


def oslo_instant(wall: datetime) -> datetime:
    """The instant a naive Oslo wall-clock time means (see the module docstring for the daylight-saving jumps)."""
    return _first_instant_showing(wall)


def oslo_date(moment: datetime) -> date:
    """The Oslo calendar date of an instant: what "today" means for every rule."""
    return _local(_require_aware(moment, "moment")).date()


@lru_cache(maxsize=4096)
def first_date_from(schedule: Schedule, day: date) -> date | None:
    """The first Oslo date on or after day on which the need takes place, or None when it no longer does.

    A single period counts from its start date: one that began before day is under way, and nobody new joins it.
    """
    slot = schedule.slot
    if isinstance(slot, Period):
        start = _local(slot.start).date()
        return start if start >= day else None
    first = max(day, schedule.from_date) if schedule.from_date else day
    candidate = first + timedelta(days=(slot.weekday - first.isoweekday()) % 7)
    for _ in range(3):  # a slot lying wholly in the skipped spring hour does not happen that week
        if schedule.until_date is not None and candidate > schedule.until_date:
            return None
        if _occurrence_on(slot, candidate) is not None:
            return candidate
        candidate += _WEEK
    return None


def local_weekday_and_times(period: Period) -> tuple[int, time, time] | None:
    """The Oslo ISO weekday and wall-clock start and end of a period within one local day, else None."""
    start = _local(period.start)
    end = _local(period.end)
    if start.date() != end.date():
        return None
    return start.isoweekday(), start.time().replace(fold=0), end.time().replace(fold=0)


def _parse_time(data: dict, key: str) -> time:
    """Read a required 'HH:MM' field."""
    value = _required(data, key)
    match = _TIME_PATTERN.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"'{key}' must be a time written as 'HH:MM', got {value!r}")
    return time(int(match[1]), int(match[2]))


def _parse_datetime(data: dict, key: str) -> datetime:
    """Read a required ISO 8601 datetime field, taking a naive one as Oslo time."""
    value = _required(data, key)
    problem = f"'{key}' must be an ISO 8601 date and time such as '2026-06-05T10:00:00+02:00', got {value!r}"
    if not isinstance(value, str):
        raise ValueError(problem)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(problem) from None
    if parsed.tzinfo is None:
        return _first_instant_showing(parsed)
    return parsed


def _parse_date(data: dict, key: str) -> date | None:
    """Read an optional 'YYYY-MM-DD' field."""
    value = data.get(key)
    if value is None:
        return None
    problem = f"'{key}' must be a date written as 'YYYY-MM-DD', got {value!r}"
    if not isinstance(value, str):
        raise ValueError(problem)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(problem) from None


def _required(data: dict, key: str) -> object:
    """Fetch a field that must be present."""
    if data.get(key) is None:
        raise ValueError(f"missing '{key}'")
    return data[key]


def _require_aware(moment: datetime, name: str) -> datetime:
    """Reject a naive datetime where an instant is needed."""
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")
    return moment


def _utc(moment: datetime) -> datetime:
    """The instant in UTC, so comparisons and differences use real time."""
    return moment.astimezone(UTC)


def _local(moment: datetime) -> datetime:
    """The instant as Oslo wall-clock time, normalised through UTC."""
    return _utc(moment).astimezone(OSLO)


def _first_instant_showing(wall: datetime) -> datetime:
    """The first instant at which Oslo clocks show the naive wall time (see module docstring)."""
    candidate = wall.replace(tzinfo=OSLO)
    if _local(candidate).replace(tzinfo=None) == wall:
        return candidate
    # The wall time is skipped by a spring-forward jump: find the jump itself, to the second.
    before = int(wall.replace(tzinfo=OSLO, fold=1).timestamp())
    after = int(candidate.timestamp())
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, OSLO).replace(tzinfo=None) >= wall:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, OSLO)


def _start_of_day(day: date) -> datetime:
    """The first instant of a local calendar day."""
    return _first_instant_showing(datetime.combine(day, time()))


def _occurrence_on(slot: WeeklySlot, day: date) -> Period | None:
    """The weekly slot on a given date, or None if the clocks skip all of it."""
    start = _first_instant_showing(datetime.combine(day, slot.start))
    end = _first_instant_showing(datetime.combine(day, slot.end))
    if _utc(end) <= _utc(start):
        return None
    return Period(start, end)


@lru_cache(maxsize=4096)
def _bounded_occurrences(schedule: Schedule) -> tuple[Period, ...] | None:
    """Every occurrence of a weekly schedule, or None unless both dates bound it.

    Kept for the schedules seen last: ranking asks for a need's occurrences once per availability slot of every
    candidate, and a need dated over a year has some fifty of them.
    """
    if schedule.from_date is None or schedule.until_date is None:
        return None
    return tuple(occurrences(schedule, _start_of_day(schedule.from_date), _start_of_day(schedule.until_date + _DAY)))


def _has_occurrences(schedule: Schedule) -> bool:
    """Whether a weekly schedule happens at least once; an unbounded one always does."""
    found = _bounded_occurrences(schedule)
    return found is None or bool(found)


def weekly_covers(available: WeeklySlot, weekday: int, start: time, end: time) -> bool:
    """Whether a weekly slot covers the wall-clock span on the weekday."""
    return available.weekday == weekday and available.start <= start and end <= available.end


def _contains(outer: Period, inner: Period) -> bool:
    """Whether one period lies inside another, comparing instants."""
    return _utc(outer.start) <= _utc(inner.start) and _utc(inner.end) <= _utc(outer.end)


def _wall_seconds(start: time, end: time) -> int:
    """Wall-clock seconds between two times of the same day."""
    day = date(2000, 1, 1)
    return int((datetime.combine(day, end) - datetime.combine(day, start)).total_seconds())


def _period_seconds(period: Period) -> int:
    """Elapsed seconds of a period."""
    return int((_utc(period.end) - _utc(period.start)).total_seconds())


def _slot_seconds(slot: Slot) -> int:
    """Length of one occurrence in seconds: wall-clock for weekly, elapsed for a period."""
    if isinstance(slot, WeeklySlot):
        return _wall_seconds(slot.start, slot.end)
    return _period_seconds(slot)


def _used_seconds(available: Slot, need: Schedule) -> int:
    """Seconds of a fitting availability occurrence taken up by the need."""
    wanted = need.slot
    if isinstance(available, Period):
        if isinstance(wanted, WeeklySlot):
            return sum(_period_seconds(occurrence) for occurrence in _bounded_occurrences(need) or [])
        return _period_seconds(wanted)
    if isinstance(wanted, WeeklySlot):
        return _wall_seconds(wanted.start, wanted.end)
    return _wall_seconds(_local(wanted.start).time(), _local(wanted.end).time())
