"""What an assignment's calendar file says of its need: the title, where, and the schedule as the match serves it.

A need is public only while it is open, and a one-off need closes as over once its period has begun, so Min side
cannot read the need of an assignment that is under way or behind it. The volunteer's own copy of the assignment
(the matcher's calendar.ics, which the matcher makes from the need as a service) still names it. No Flask, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import icalendar

from shared.timeslots import oslo_date
from shared.wording import local_time


@dataclass(frozen=True)
class Served:
    """A need as an assignment serves it: its title, its district's name, and its schedule in the needs service's
    stored form (a single period, or weekly from the assignment's first date)."""

    title: str
    where: str
    schedule: dict[str, Any]


def read(body: bytes) -> Served | None:
    """The first event of an iCalendar file as a Served need; None when there is none that can be read."""
    try:
        events = icalendar.Calendar.from_ical(body).walk("VEVENT")
        event = events[0]
        start, end = _moment(event.decoded("DTSTART")), _moment(event.decoded("DTEND"))
    except (IndexError, KeyError, TypeError, ValueError):
        return None
    rule = event.get("RRULE")
    schedule = _weekly(start, end, rule) if rule else {"start": start.isoformat(), "end": end.isoformat()}
    return Served(str(event.get("SUMMARY") or ""), str(event.get("LOCATION") or ""), schedule)


def _moment(value: object) -> datetime:
    """A start or end in Oslo time; TypeError for a whole day, which an assignment never is."""
    if not isinstance(value, datetime):
        raise TypeError(f"not a point in time: {value!r}")
    return local_time(value)


def _weekly(start: datetime, end: datetime, rule: Any) -> dict[str, Any]:
    """A weekly event as a weekly schedule: its weekday and times, from its first date until the rule's end."""
    schedule = {"weekday": start.isoweekday(), "start_time": f"{start:%H:%M}", "end_time": f"{end:%H:%M}",
                "from_date": start.date().isoformat()}
    until = (rule.get("UNTIL") or [None])[0]
    if isinstance(until, datetime):
        schedule["until_date"] = oslo_date(until).isoformat()
    return schedule
