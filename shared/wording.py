"""Dates, times and schedules in words, in Norwegian bokmål and English, in Oslo local time, and an organisation
by the name people know it by.

Notify writes them into messages and the matcher onto its answer pages, so they live here once.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from shared.timeslots import OSLO

LANGUAGES = ("nb", "en")

_WEEKDAYS = {
    "nb": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_WEEKDAYS_PLURAL = {
    "nb": ("mandager", "tirsdager", "onsdager", "torsdager", "fredager", "lørdager", "søndager"),
    "en": ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"),
}
_WEEKDAYS_SHORT = {
    "nb": ("man.", "tir.", "ons.", "tor.", "fre.", "lør.", "søn."),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_MONTHS = {
    "nb": (
        "januar", "februar", "mars", "april", "mai", "juni",
        "juli", "august", "september", "oktober", "november", "desember",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}
_MONTHS_SHORT_EN = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)


def check_language(lang: str) -> None:
    """Reject languages that have no wording."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language: {lang!r}")


def format_when(schedule: Mapping[str, Any], lang: str) -> str:
    """Describe a need's weekly or single-period schedule in words, in Oslo local time."""
    check_language(lang)
    if "weekday" in schedule:
        return _format_weekly(schedule, lang, with_dates=True)
    if "start" in schedule:
        return _format_period(schedule, lang)
    raise ValueError("schedule has neither 'weekday' nor 'start'")


def organisation_name(organisation: Mapping[str, Any]) -> str:
    """An organisation as people know it: a municipal service's unit first, with the municipality after it
    ("Fjell bo- og omsorgssenter (Drammen kommune)"); "" when it has no name."""
    name, unit = organisation.get("name") or "", organisation.get("unit") or ""
    return f"{unit} ({name})" if unit and name and unit != name else name


def local_time(value: str | datetime) -> datetime:
    """Parse an ISO datetime and express it in Oslo time; naive values are taken as Oslo time."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=OSLO)
    return moment.astimezone(OSLO)


def _as_date(value: str | date) -> date:
    """Parse an ISO date."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _as_time(value: str | time) -> time:
    """Parse an ISO time of day."""
    return value if isinstance(value, time) else time.fromisoformat(value)


def _format_clock(moment: time | datetime, lang: str) -> str:
    """Hours and minutes: "17.30" in Norwegian, "17:30" in English."""
    separator = "." if lang == "nb" else ":"
    return f"{moment.hour:02d}{separator}{moment.minute:02d}"


def format_date(day: date, lang: str, with_year: bool = True) -> str:
    """A date such as "6. januar 2026" or "6 January 2026"."""
    month = _MONTHS[lang][day.month - 1]
    text = f"{day.day}. {month}" if lang == "nb" else f"{day.day} {month}"
    return f"{text} {day.year}" if with_year else text


def format_day(day: date, lang: str) -> str:
    """A weekday and date such as "fredag 5. juni 2026"."""
    return f"{_WEEKDAYS[lang][day.weekday()]} {format_date(day, lang)}"


def format_at(moment: datetime, lang: str) -> str:
    """A point in time such as "fredag 5. juni 2026 kl. 10.00" or "Friday 5 June 2026 at 10:00"."""
    joiner = "kl." if lang == "nb" else "at"
    return f"{format_day(moment.date(), lang)} {joiner} {_format_clock(moment, lang)}"


def format_day_short(day: date, lang: str) -> str:
    """A compact weekday and date such as "fre. 5.6." or "Fri 5 Jun"."""
    weekday = _WEEKDAYS_SHORT[lang][day.weekday()]
    if lang == "nb":
        return f"{weekday} {day.day}.{day.month}."
    return f"{weekday} {day.day} {_MONTHS_SHORT_EN[day.month - 1]}"


def format_at_short(moment: datetime, lang: str) -> str:
    """A compact point in time such as "fre. 5.6. kl. 10.00" or "Fri 5 Jun 10:00"."""
    joiner = " kl. " if lang == "nb" else " "
    return f"{format_day_short(moment.date(), lang)}{joiner}{_format_clock(moment, lang)}"


def _format_hours(start: time, end: time | None, lang: str) -> str:
    """A time span such as "17.30–19.00", or just the start when there is no end."""
    text = _format_clock(start, lang)
    return f"{text}–{_format_clock(end, lang)}" if end else text


def _format_weekly(schedule: Mapping[str, Any], lang: str, with_dates: bool) -> str:
    """A weekly schedule such as "tirsdager kl. 17.30–19.00 (fra 6. januar til 30. juni 2026)"."""
    weekday = int(schedule["weekday"])
    if not 1 <= weekday <= 7:
        raise ValueError(f"weekday must be 1-7, got {weekday}")
    end = schedule.get("end_time")
    hours = _format_hours(_as_time(schedule["start_time"]), _as_time(end) if end else None, lang)
    days = _WEEKDAYS_PLURAL[lang][weekday - 1]
    text = f"{days} kl. {hours}" if lang == "nb" else f"{days} {hours}"
    if not with_dates:
        return text
    period = _format_date_range(schedule.get("from_date"), schedule.get("until_date"), lang)
    return f"{text} ({period})" if period else text


def _format_date_range(first: str | date | None, last: str | date | None, lang: str) -> str:
    """The validity of a weekly schedule, such as "fra 6. januar til 30. juni 2026"."""
    words = ("fra", "til", "til") if lang == "nb" else ("from", "to", "until")
    if first and last:
        start, end = _as_date(first), _as_date(last)
        opening = format_date(start, lang, with_year=start.year != end.year)
        return f"{words[0]} {opening} {words[1]} {format_date(end, lang)}"
    if first:
        return f"{words[0]} {format_date(_as_date(first), lang)}"
    if last:
        return f"{words[2]} {format_date(_as_date(last), lang)}"
    return ""


def _format_period(schedule: Mapping[str, Any], lang: str) -> str:
    """A single period such as "fredag 5. juni 2026 kl. 10.00–16.00"."""
    start = local_time(schedule["start"])
    if not schedule.get("end"):
        return format_at(start, lang)
    end = local_time(schedule["end"])
    if start.date() == end.date():
        hours = _format_hours(start, end, lang)
        joiner = " kl. " if lang == "nb" else ", "
        return f"{format_day(start.date(), lang)}{joiner}{hours}"
    words = ("fra", "til") if lang == "nb" else ("from", "to")
    return f"{words[0]} {format_at(start, lang)} {words[1]} {format_at(end, lang)}"


def format_when_short(schedule: Mapping[str, Any], lang: str) -> str:
    """A compact schedule for SMS, such as "tirsdager kl. 17.30–19.00" or "fre. 5.6. kl. 10.00"."""
    if "weekday" in schedule:
        return _format_weekly(schedule, lang, with_dates=False)
    start = local_time(schedule["start"])
    if not schedule.get("end"):
        return format_at_short(start, lang)
    end = local_time(schedule["end"])
    if start.date() == end.date():
        return f"{format_at_short(start, lang)}–{_format_clock(end, lang)}"
    return f"{format_at_short(start, lang)} – {format_at_short(end, lang)}"
