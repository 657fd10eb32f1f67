"""Render notification messages (subject, e-mail bodies and SMS) about matches."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from shared.timeslots import OSLO

KINDS = (
    "proposal",
    "candidate_found",
    "confirmed_volunteer",
    "confirmed_organisation",
    "declined_volunteer",
    "declined_organisation",
    "expired_volunteer",
    "expired_organisation",
    "cancelled_volunteer",
    "cancelled_organisation",
    "reminder",
)
LANGUAGES = ("nb", "en")

_TEMPLATES = Path(__file__).parent / "templates"
_NORWEGIAN = frozenset({"nb", "nn", "no"})

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

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
_GSM7 = _GSM7_BASIC | _GSM7_EXTENSION
_GSM7_REPLACEMENTS = {
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'", "‹": "'", "›": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    "…": "...", "•": "-", "·": "-", "×": "x", "÷": "/", "⁄": "/", "°": "",
    "\t": " ", "\u00ad": "",
    "ð": "d", "Ð": "D", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th", "ł": "l", "Ł": "L",
    "œ": "oe", "Œ": "OE", "ŋ": "n", "Ŋ": "N", "ŧ": "t", "Ŧ": "T", "ı": "i", "ĸ": "k",
}
_ELLIPSIS = "..."
_TRIM = " \t\r\n\f,.;:-(\"'/"
_TRAILING_URL = re.compile(r"(?:^|\s)(https?://\S+)\s*$")
_LAST_WORD = re.compile(r"\s\S*$")


@dataclass(frozen=True)
class Message:
    """A rendered notification: e-mail subject, plain-text and HTML bodies, and SMS text."""

    subject: str
    text: str
    html: str
    sms: str


def language_for(languages: Iterable[str]) -> str:
    """Pick "nb" unless the volunteer's languages name no Norwegian variety, then "en"."""
    codes = {_primary_subtag(code) for code in languages if code}
    if not codes or codes & _NORWEGIAN:
        return "nb"
    return "en"


def render(kind: str, lang: str, context: Mapping[str, Any]) -> Message:
    """Render the message of `kind` in `lang` ("nb" or "en") from the caller's context."""
    if kind not in KINDS:
        raise ValueError(f"unknown message kind: {kind!r}")
    _check_language(lang)
    values = _template_values(lang, context)
    environment = _environment()
    plain = environment.get_template(f"{kind}.{lang}.txt.j2")
    subject = _one_line(_render_block(plain, "subject", values))
    text = _tidy(_render_block(plain, "body", values))
    sms = fit_sms(_one_line(_render_block(plain, "sms", values)))
    html = environment.get_template(f"{kind}.{lang}.html.j2").render(values, subject=subject)
    return Message(subject=subject, text=text, html=html, sms=sms)


def format_when(schedule: Mapping[str, Any], lang: str) -> str:
    """Describe a need's weekly or single-period schedule in words, in Oslo local time."""
    _check_language(lang)
    if "weekday" in schedule:
        return _format_weekly(schedule, lang, with_dates=True)
    if "start" in schedule:
        return _format_period(schedule, lang)
    raise ValueError("schedule has neither 'weekday' nor 'start'")


def to_gsm7(text: str) -> str:
    """Replace characters outside the GSM-7 alphabet with close GSM-7 equivalents."""
    return "".join(_gsm7_char(char) for char in unicodedata.normalize("NFC", text))


def fit_sms(text: str, limit: int = 160) -> str:
    """Convert to GSM-7 and cut to `limit` septets at a word boundary, keeping a trailing URL."""
    text = to_gsm7(text)
    if _septets(text) <= limit:
        return text
    match = _TRAILING_URL.search(text)
    if match:
        url = match.group(1)
        room = limit - _septets(url) - 1
        if room >= 0:
            head = _shorten(text[: match.start(1)].rstrip(), room)
            return f"{head} {url}" if head else url
    return _shorten(text, limit)


def _check_language(lang: str) -> None:
    """Reject languages that have no templates."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language: {lang!r}")


def _primary_subtag(code: str) -> str:
    """Reduce a language tag such as "nb-NO" to its lowercase primary subtag."""
    return re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]


@cache
def _environment() -> Environment:
    """The Jinja2 environment for the message templates, autoescaping HTML only."""
    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=lambda name: name is not None and name.endswith(".html.j2"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _template_values(lang: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """The caller's context plus language and ready-formatted times."""
    values = dict(context)
    values["lang"] = lang
    if context.get("schedule"):
        values["when"] = format_when(context["schedule"], lang)
        values["when_short"] = _format_when_short(context["schedule"], lang)
    if context.get("expires_at"):
        expires = _local(context["expires_at"])
        values["expires"] = _format_at(expires, lang)
        values["expires_short"] = _format_at_short(expires, lang)
    if context.get("occurrence_start"):
        starts = _local(context["occurrence_start"])
        values["starts"] = _format_at(starts, lang)
        values["starts_short"] = _format_at_short(starts, lang)
    return values


def _render_block(template: Template, name: str, values: Mapping[str, Any]) -> str:
    """Render one named block of a template."""
    try:
        return "".join(template.blocks[name](template.new_context(dict(values))))
    except Exception:  # Jinja2's own handler re-raises with the template's line in the traceback
        template.environment.handle_exception()


def _one_line(text: str) -> str:
    """Collapse all whitespace runs to single spaces."""
    return " ".join(text.split())


def _tidy(text: str) -> str:
    """Trim line ends and runs of blank lines in a plain-text body."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _local(value: str | datetime) -> datetime:
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


def _format_date(day: date, lang: str, with_year: bool = True) -> str:
    """A date such as "6. januar 2026" or "6 January 2026"."""
    month = _MONTHS[lang][day.month - 1]
    text = f"{day.day}. {month}" if lang == "nb" else f"{day.day} {month}"
    return f"{text} {day.year}" if with_year else text


def _format_day(day: date, lang: str) -> str:
    """A weekday and date such as "fredag 5. juni 2026"."""
    return f"{_WEEKDAYS[lang][day.weekday()]} {_format_date(day, lang)}"


def _format_at(moment: datetime, lang: str) -> str:
    """A point in time such as "fredag 5. juni 2026 kl. 10.00" or "Friday 5 June 2026 at 10:00"."""
    joiner = "kl." if lang == "nb" else "at"
    return f"{_format_day(moment.date(), lang)} {joiner} {_format_clock(moment, lang)}"


def _format_day_short(day: date, lang: str) -> str:
    """A compact weekday and date such as "fre. 5.6." or "Fri 5 Jun"."""
    weekday = _WEEKDAYS_SHORT[lang][day.weekday()]
    if lang == "nb":
        return f"{weekday} {day.day}.{day.month}."
    return f"{weekday} {day.day} {_MONTHS_SHORT_EN[day.month - 1]}"


def _format_at_short(moment: datetime, lang: str) -> str:
    """A compact point in time such as "fre. 5.6. kl. 10.00" or "Fri 5 Jun 10:00"."""
    joiner = " kl. " if lang == "nb" else " "
    return f"{_format_day_short(moment.date(), lang)}{joiner}{_format_clock(moment, lang)}"


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
        opening = _format_date(start, lang, with_year=start.year != end.year)
        return f"{words[0]} {opening} {words[1]} {_format_date(end, lang)}"
    if first:
        return f"{words[0]} {_format_date(_as_date(first), lang)}"
    if last:
        return f"{words[2]} {_format_date(_as_date(last), lang)}"
    return ""


def _format_period(schedule: Mapping[str, Any], lang: str) -> str:
    """A single period such as "fredag 5. juni 2026 kl. 10.00–16.00"."""
    start = _local(schedule["start"])
    if not schedule.get("end"):
        return _format_at(start, lang)
    end = _local(schedule["end"])
    if start.date() == end.date():
        hours = _format_hours(start, end, lang)
        joiner = " kl. " if lang == "nb" else ", "
        return f"{_format_day(start.date(), lang)}{joiner}{hours}"
    words = ("fra", "til") if lang == "nb" else ("from", "to")
    return f"{words[0]} {_format_at(start, lang)} {words[1]} {_format_at(end, lang)}"


def _format_when_short(schedule: Mapping[str, Any], lang: str) -> str:
    """A compact schedule for SMS, such as "tirsdager kl. 17.30–19.00" or "fre. 5.6. kl. 10.00"."""
    if "weekday" in schedule:
        return _format_weekly(schedule, lang, with_dates=False)
    start = _local(schedule["start"])
    if not schedule.get("end"):
        return _format_at_short(start, lang)
    end = _local(schedule["end"])
    if start.date() == end.date():
        return f"{_format_at_short(start, lang)}–{_format_clock(end, lang)}"
    return f"{_format_at_short(start, lang)} – {_format_at_short(end, lang)}"


def _gsm7_char(char: str) -> str:
    """One character as GSM-7 text: kept, replaced, stripped of accents, or "?"."""
    if char in _GSM7:
        return char
    if char in _GSM7_REPLACEMENTS:
        return _GSM7_REPLACEMENTS[char]
    category = unicodedata.category(char)
    if category.startswith("Z"):
        return " "
    if category in ("Cc", "Cf", "Mn", "Me"):
        return " " if category == "Cc" else ""
    decomposed = "".join(
        _GSM7_REPLACEMENTS.get(part, part)
        for part in unicodedata.normalize("NFKD", char)
        if not unicodedata.combining(part)
    )
    if decomposed and all(part in _GSM7 for part in decomposed):
        return decomposed
    return "?"


def _septets(text: str) -> int:
    """Length of GSM-7 text in septets; extension characters take two."""
    return sum(2 if char in _GSM7_EXTENSION else 1 for char in text)


def _prefix_length(text: str, limit: int) -> int:
    """How many leading characters of `text` fit in `limit` septets."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if char in _GSM7_EXTENSION else 1
        if used > limit:
            return index
    return len(text)


def _shorten(text: str, limit: int) -> str:
    """Cut GSM-7 text to `limit` septets at a word boundary, adding "..."; "" if nothing fits."""
    if _septets(text) <= limit:
        return text
    room = limit - len(_ELLIPSIS)
    if room <= 0:
        return ""
    end = _prefix_length(text, room)
    hard = text[:end]
    last_word = _LAST_WORD.search(hard)
    if text[end].isspace() or not last_word:
        soft = hard
    else:
        soft = hard[: last_word.start()]
    cut = soft.rstrip(_TRIM) or hard.rstrip(_TRIM)
    return cut + _ELLIPSIS if cut else ""
