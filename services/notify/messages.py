"""Render notification messages (subject, e-mail bodies and SMS) about matches."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from shared.occurrences import as_served
from shared.wording import (LANGUAGES, format_day, format_day_short, check_language, format_at,  # noqa: F401
                            format_at_short, format_when, format_when_short, local_time)

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
    "withdrawn_volunteer",
    "withdrawn_organisation",
    "reminder",
    "volunteer_accepted",
    "answer_reminder",
    "turned_down_volunteer",
    "unconfirmed_volunteer",
    "unconfirmed_organisation",
    "stand_in_proposal",
    "absence_organisation",
    "paused_organisation",
    "ended_volunteer",
    "ended_organisation",
    "certificate_expired_organisation",
    "ended_by_volunteer",
    "ended_by_organisation",
    "stand_in_folded_volunteer",
    "stand_in_folded_organisation",
)

# Messages to a person's own address, asked for by that person: to confirm it, or to sign in. They are about no
# match, so they name no need.
ADDRESS_KINDS = ("confirm_address", "sign_in")

# Messages about many matches at once: a weekly digest to an organisation.
DIGEST_KINDS = ("unrecorded_digest",)

_TEMPLATES = Path(__file__).parent / "templates"
_NORWEGIAN = frozenset({"nb", "nn", "no"})

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
class Attachment:
    """A file sent with an e-mail: its name, MIME type (with parameters, such as a calendar's method) and bytes."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Message:
    """A rendered notification: e-mail subject, plain-text and HTML bodies, SMS text, and an e-mail's attachment."""

    subject: str
    text: str
    html: str
    sms: str
    attachment: Attachment | None = None


def language_for(languages: Iterable[str]) -> str:
    """Pick "nb" unless the volunteer's languages name no Norwegian variety, then "en"."""
    codes = {_primary_subtag(code) for code in languages if code}
    if not codes or codes & _NORWEGIAN:
        return "nb"
    return "en"


def render(kind: str, lang: str, context: Mapping[str, Any]) -> Message:
    """Render the message of `kind` in `lang` ("nb" or "en") from the caller's context."""
    if kind not in KINDS and kind not in ADDRESS_KINDS and kind not in DIGEST_KINDS:
        raise ValueError(f"unknown message kind: {kind!r}")
    check_language(lang)
    values = _template_values(lang, context)
    environment = _environment()
    plain = environment.get_template(f"{kind}.{lang}.txt.j2")
    subject = _one_line(_render_block(plain, "subject", values))
    text = _tidy(_render_block(plain, "body", values))
    sms = fit_sms(_one_line(_render_block(plain, "sms", values)))
    html = environment.get_template(f"{kind}.{lang}.html.j2").render(values, subject=subject)
    return Message(subject=subject, text=text, html=html, sms=sms)


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
        when = _one_date(context["schedule"], context["for_date"]) if context.get("for_date") else context["schedule"]
        values["when"] = format_when(when, lang)
        values["when_short"] = format_when_short(when, lang)
        answer_by = _organisation_answer_by(when, context.get("expires_at"), context.get("answer_hours"))
        if answer_by is not None:
            values["answer_by"] = format_at(answer_by, lang)
        if context.get("for_date"):
            values["one_date"] = True
        if context.get("absent_on"):
            absent = _one_date(context["schedule"], context["absent_on"])
            values["absent_when"] = format_when(absent, lang)
            values["absent_when_short"] = format_when_short(absent, lang)
    if context.get("unrecorded"):
        values["unrecorded"] = [{**item, "starts": format_at(local_time(item["start"]), lang)}
                                for item in context["unrecorded"]]
    for key in ("paused_from", "paused_until", "certificate_seen_on"):
        if context.get(key):
            day = date.fromisoformat(context[key])
            values[f"{key}_day"], values[f"{key}_short"] = format_day(day, lang), format_day_short(day, lang)
    if context.get("expires_at"):
        expires = local_time(context["expires_at"])
        values["expires"] = format_at(expires, lang)
        values["expires_short"] = format_at_short(expires, lang)
    if context.get("occurrence_start"):
        starts = local_time(context["occurrence_start"])
        values["starts"] = format_at(starts, lang)
        values["starts_short"] = format_at_short(starts, lang)
    return values


def _organisation_answer_by(when: Mapping[str, Any], expires_at: str | None,
                            answer_hours: str | None) -> datetime | None:
    """The latest the organisation may be given to answer, when that can come before its full answer time: the
    start of a single period or a stand-in's one date, past which the matcher gives nobody time to answer. None
    when the organisation has its whole answer time however late the volunteer says yes (before expires_at)."""
    if "start" not in when or not expires_at or not answer_hours:
        return None
    start = local_time(when["start"])
    full_time_ends = local_time(expires_at) + timedelta(hours=float(answer_hours))
    return start if start < full_time_ends else None


def _one_date(schedule: Mapping[str, Any], day: str) -> Mapping[str, Any]:
    """The need's occurrence on one date, as a single-period schedule; ValueError when it has none that day."""
    served = as_served(schedule, {"for_date": day})
    if "start" not in served:
        raise ValueError(f"the need has no occurrence on {day}")
    return served


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
