"""An assignment as an iCalendar event, and a calendar of such events. No I/O.

One VEVENT per match, its UID `<match id>@frivillig.drammen` wherever it is sent (mail, download, feed), so a
calendar that holds it already updates or cancels the same event. A weekly assignment is one recurring event in
Europe/Oslo wall-clock time: the rule repeats the local time, so a Tuesday 17:30 slot stays 17:30 across the
daylight-saving changes. A stand-in match is one event on its date, a single period one event.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import icalendar

from shared.clock import from_iso
from shared.occurrences import ABSENT, on, stand_in_date
from shared.reference import district_name
from shared.timeslots import OSLO, Schedule, WeeklySlot, first_date_from, oslo_date, oslo_instant, parse_schedule

UID_DOMAIN = "frivillig.drammen"
PRODID = "-//Frivillig Drammen//Oppdrag//NB"
TZID = "Europe/Oslo"
PUBLISH, CANCEL = "PUBLISH", "CANCEL"
VOLUNTEER, ORGANISATION = "volunteer", "organisation"
PAGES = {VOLUNTEER: ("Min side", "/min-side"), ORGANISATION: ("Våre behov", "/vare-behov")}
OPEN_ENDED_YEARS = 10  # how far the time zone is written out for a weekly assignment without an end date


@dataclass(frozen=True)
class Entry:
    """One assignment as a calendar event: a single one, or a weekly one from `start` (Oslo) until `until` (UTC)."""

    uid: str
    summary: str
    location: str
    description: str
    url: str
    start: datetime
    end: datetime
    weekly: bool = False
    until: datetime | None = None
    exdates: tuple[datetime, ...] = ()
    sequence: int = 0


def assignment_entry(match: Mapping[str, Any], need: Mapping[str, Any], organisation_name: str, side: str,
                     volunteer_name: str | None, web_url: str) -> Entry:
    """The entry of a match (as the matcher shows it) for one side's calendar, with its need as the needs service
    shows it; ValueError when the need's schedule cannot be read or yields no date for this match."""
    schedule = parse_schedule(need["schedule"])
    label, path = PAGES[side]
    link = f"{web_url.rstrip('/')}{path}"
    lines = [f"Organisasjon: {organisation_name}"]
    if side == ORGANISATION and volunteer_name:
        lines.append(f"Frivillig: {volunteer_name}")
    lines.append(f"{label}: {link}")
    common = {"uid": f"{match['id']}@{UID_DOMAIN}", "summary": need.get("title", ""),
              "location": district_name(need["district"]) if need.get("district") else "",
              "description": "\n".join(lines), "url": link}
    for_date = stand_in_date(match)
    if for_date is not None or not isinstance(schedule.slot, WeeklySlot):
        return Entry(**common, **_single(schedule, for_date))
    day = _first_day(schedule, match)
    start, end = _wall(day, schedule.slot.start), _wall(day, schedule.slot.end)
    absent = _absent_days(match, schedule.slot, day)  # on those dates a stand-in comes, as an event of its own
    return Entry(**common, start=start, end=end, weekly=True, until=_end_of(schedule.until_date),
                 exdates=tuple(_wall(d, schedule.slot.start) for d in absent))


def calendar(entries: Iterable[Entry], method: str = PUBLISH, name: str | None = None,
             now: datetime | None = None) -> bytes:
    """The entries as an iCalendar object; CANCEL cancels them (same UID, higher SEQUENCE, STATUS:CANCELLED)."""
    if method not in (PUBLISH, CANCEL):
        raise ValueError(f"method is PUBLISH or CANCEL, got {method!r}")
    entries = list(entries)
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    cal = icalendar.Calendar.new(prodid=PRODID, method=method, name=name)
    if entries:
        first, last = _years(entries)
        cal.add_component(icalendar.Timezone.from_tzid(TZID, first_date=first, last_date=last))
    for entry in entries:
        cal.add_component(_event(entry, method, stamp))
    return cal.to_ical()


def _event(entry: Entry, method: str, stamp: datetime) -> icalendar.Event:
    cancelled = method == CANCEL
    event = icalendar.Event.new(
        uid=entry.uid, summary=entry.summary, location=entry.location or None, description=entry.description,
        url=entry.url, start=entry.start, end=entry.end, stamp=stamp,
        sequence=entry.sequence + 1 if cancelled else entry.sequence,
        status="CANCELLED" if cancelled else "CONFIRMED")
    if entry.weekly:
        rule: dict[str, Any] = {"freq": "weekly"}
        if entry.until is not None:
            rule["until"] = entry.until
        event.add("rrule", rule)
        if entry.exdates:
            event.add("exdate", list(entry.exdates))
    return event


def _single(schedule: Schedule, for_date: date | None) -> dict[str, datetime]:
    """Start and end of the one event: the stand-in's date, or the single period."""
    if for_date is None:
        return {"start": schedule.slot.start.astimezone(OSLO), "end": schedule.slot.end.astimezone(OSLO)}
    occurrence = on(schedule, for_date, for_date)
    if occurrence is None:
        raise ValueError(f"the need's schedule has no occurrence on {for_date}")
    return {"start": occurrence.period.start.astimezone(OSLO), "end": occurrence.period.end.astimezone(OSLO)}


def _first_day(schedule: Schedule, match: Mapping[str, Any]) -> date:
    """The first date of a weekly assignment: its schedule's first on or after from_date whose slot begins after the
    match was confirmed (or made), or, for one whose dates are all behind it, the schedule's very first."""
    joined = match.get("confirmed_at") or match.get("created_at")
    earliest = schedule.from_date
    if joined:
        day = oslo_date(from_iso(joined))
        earliest = max(earliest, day) if earliest else day
    if earliest is None:
        raise ValueError("a weekly assignment needs its schedule's from_date or the match's confirmation time")
    found = first_date_from(schedule, earliest)
    if found is not None and joined and _wall(found, schedule.slot.start) < from_iso(joined):
        found = first_date_from(schedule, found + timedelta(days=1))  # that day's slot began before it was agreed
    if found is None and schedule.from_date is not None:
        found = first_date_from(schedule, schedule.from_date)
    if found is None:
        raise ValueError("the need's schedule has no occurrence")
    return found


def _absent_days(match: Mapping[str, Any], slot: WeeklySlot, first: date) -> list[date]:
    """The dates of the rule the volunteer said they cannot come."""
    days = []
    for key, record in sorted((match.get("occurrences") or {}).items()):
        day = date.fromisoformat(key)
        if record.get("status") == ABSENT and day >= first and day.isoweekday() == slot.weekday:
            days.append(day)
    return days


def _wall(day: date, clock: time) -> datetime:
    """That Oslo wall-clock time on that date, as the event's TZID time."""
    return datetime.combine(day, clock, tzinfo=OSLO)


def _end_of(day: date | None) -> datetime | None:
    """The last second of an Oslo date, in UTC (RRULE's UNTIL beside a TZID start)."""
    if day is None:
        return None
    return (oslo_instant(datetime.combine(day + timedelta(days=1), time())) - timedelta(seconds=1)).astimezone(UTC)


def _years(entries: list[Entry]) -> tuple[date, date]:
    """The time zone's bounds: 1 January of the first event's year to the 1 January after the last one's."""
    first = min(e.start.year for e in entries)
    last = max((e.until.year if e.until else e.start.year + OPEN_ENDED_YEARS) if e.weekly else e.end.year
               for e in entries)
    return date(first, 1, 1), date(last + 1, 1, 1)
