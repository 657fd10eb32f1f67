"""Codes the APIs answer with, said in words on the page language: districts, skills, languages, times.

The public and the staff pages show the same codes, so they share these; templates get them through
`WORDS`, which each of those blueprints hands to its templates.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from shared import reference, wording
from shared.timeslots import OSLO
from services.web.texts import language, tr

LANGUAGE_NAMES = {  # the languages people in Drammen most often give; other codes are shown as they are
    "nb": ("norsk bokmål", "Norwegian Bokmål"), "nn": ("norsk nynorsk", "Norwegian Nynorsk"), "no": ("norsk", "Norwegian"),
    "en": ("engelsk", "English"), "ar": ("arabisk", "Arabic"), "so": ("somali", "Somali"), "pl": ("polsk", "Polish"),
    "uk": ("ukrainsk", "Ukrainian"), "ru": ("russisk", "Russian"), "lt": ("litauisk", "Lithuanian"),
    "ti": ("tigrinja", "Tigrinya"), "fa": ("persisk", "Persian"), "tr": ("tyrkisk", "Turkish"),
    "ur": ("urdu", "Urdu"), "sv": ("svensk", "Swedish"), "da": ("dansk", "Danish"), "de": ("tysk", "German"),
    "es": ("spansk", "Spanish"), "fr": ("fransk", "French"), "se": ("nordsamisk", "Northern Sami"),
}


def district_text(code: str) -> str:
    """A district's display name; the whole municipality for "all"."""
    if code == reference.ALL_DISTRICTS:
        return tr("Hele kommunen", "The whole municipality")
    return reference.DISTRICTS.get(code, code)


def short_district(code: str) -> str:
    """The first place in a district's name ("Konnerud og Skoger vest" stays, "Mjøndalen, Åsen og ..." is
    "Mjøndalen"), for where the whole name does not fit, such as a chart's labels."""
    return district_text(code).split(";")[0].split(",")[0]


def skill_text(code: str) -> str:
    """A skill's label in the page language."""
    skill = reference.SKILLS.get(code)
    return skill.label(language()) if skill else code


def language_text(code: str) -> str:
    """A language's name in the page language."""
    names = LANGUAGE_NAMES.get(code)
    return tr(*names) if names else code


def when_text(schedule: dict[str, Any]) -> str:
    """A need's weekly or single-period schedule in words, in Oslo time."""
    return wording.format_when(schedule, language())


def span_text(start: datetime, end: datetime) -> str:
    """One date of an assignment, its day and hours: "tirsdag 8. desember 2026 kl. 17.30–19.00"."""
    return wording.format_when({"start": start.isoformat(), "end": end.isoformat()}, language())


def moment_text(value: str | None) -> str:
    """A time the APIs give in ISO 8601 as a short Oslo date and time (with the year when it is not this
    year's), or a dash when there is none."""
    if not value:
        return "–"
    try:
        moment = wording.local_time(value)
    except ValueError:
        return value
    if moment.year != datetime.now(OSLO).year:
        return wording.format_at(moment, language())
    return wording.format_at_short(moment, language())


def date_text(day: date | str) -> str:
    """A date as people write it: "1.12.2026" in Norwegian, "2026-12-01" (unambiguous) in English; an ISO date
    given as text is read first (and shown as it is if it is not one)."""
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            return day
    return tr(f"{day.day}.{day.month}.{day.year}", day.isoformat())


def figure_text(value: float | None) -> str:
    """A figure in a table: a dash for none, a decimal comma in Norwegian."""
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return tr(f"{value:.1f}".replace(".", ","), f"{value:.1f}")
    return str(int(value))


def organisation_text(organisation: dict[str, Any]) -> str:
    """An organisation as people know it: a municipal service's unit first, with the municipality after it
    ("Fjell bo- og omsorgssenter (Drammen kommune)"), as the mails and the matcher's answer page say it."""
    return wording.organisation_name(organisation)


def listed(words: list[str]) -> str:
    """Words as a list in a sentence: "a, b og c" / "a, b and c"."""
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {tr('og', 'and')} {words[-1]}"


def districts_text(codes: list[str]) -> str:
    """Districts' names in a sentence."""
    return listed([district_text(code) for code in codes or []])


def skills_text(codes: list[str]) -> str:
    """Skills' labels in a sentence."""
    return listed([skill_text(code) for code in codes or []])


WORDS = {"district_text": district_text, "districts_text": districts_text, "skill_text": skill_text,
         "skills_text": skills_text, "language_text": language_text, "when_text": when_text,
         "moment_text": moment_text, "date_text": date_text, "figure_text": figure_text, "listed": listed,
         "span_text": span_text,
         "organisation_text": organisation_text}
