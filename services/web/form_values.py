"""What the forms read alike: a name's limit, the languages offered, an e-mail address, a weekday, a date and a
clock time as people type them, and a date and time in Oslo as the instant the services take."""
from __future__ import annotations

import re
from datetime import date, datetime, time

from shared.schemas import NAME_MAX_LENGTH
from shared.timeslots import OSLO, oslo_instant
from services.web.texts import lazy

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
BAD_EMAIL = lazy("Skriv en gyldig e-postadresse, for eksempel navn@eksempel.no.",
                 "Enter a valid e-mail address, such as name@example.com.")
END_AFTER_START = lazy("Sluttid må være etter starttid.", "The end time must be after the start time.")
NAME_TOO_LONG = lazy(f"Navnet kan ha høyst {NAME_MAX_LENGTH} tegn.",
                     f"The name can have at most {NAME_MAX_LENGTH} characters.")
NAME_INPUT = {"maxlength": NAME_MAX_LENGTH}  # a name field's input takes no more than the services do
LANGUAGES = [  # what the volunteer and need forms offer, in this order
    ("nb", lazy("norsk bokmål", "Norwegian Bokmål")), ("nn", lazy("norsk nynorsk", "Norwegian Nynorsk")),
    ("en", lazy("engelsk", "English")), ("ar", lazy("arabisk", "Arabic")), ("so", lazy("somali", "Somali")),
    ("pl", lazy("polsk", "Polish")), ("uk", lazy("ukrainsk", "Ukrainian")), ("ti", lazy("tigrinja", "Tigrinya")),
    ("fa", lazy("persisk", "Persian")), ("ur", lazy("urdu", "Urdu")), ("es", lazy("spansk", "Spanish")),
    ("de", lazy("tysk", "German")), ("fr", lazy("fransk", "French")), ("sv", lazy("svensk", "Swedish")),
    ("da", lazy("dansk", "Danish")),
]
WEEKDAYS = [("1", lazy("mandag", "Monday")), ("2", lazy("tirsdag", "Tuesday")), ("3", lazy("onsdag", "Wednesday")),
            ("4", lazy("torsdag", "Thursday")), ("5", lazy("fredag", "Friday")), ("6", lazy("lørdag", "Saturday")),
            ("7", lazy("søndag", "Sunday"))]

_CLOCK = re.compile(r"^\s*([01]?\d|2[0-3])(?:[:.]?([0-5]\d))?\s*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NORWEGIAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def language_choices(ticked: list[str] | None) -> list[tuple[str, object]]:
    """The languages a form offers, with any other code already ticked (the APIs take every ISO 639-1 code) shown
    as it is, so editing an offer or a need keeps it."""
    known = {code for code, _ in LANGUAGES}
    return LANGUAGES + [(code, code) for code in ticked or [] if code not in known]


def is_whole_number(text: str) -> bool:
    """Only ASCII digits: str.isdigit() also takes "²" and other digits int() refuses."""
    return text.isascii() and text.isdigit()


def clock(text: str | None) -> str | None:
    """A clock time as HH:MM ("17", "17.30", "1730" and "17:30" all count), or None when it is not one."""
    found = _CLOCK.match(text or "")
    return f"{int(found.group(1)):02d}:{found.group(2) or '00'}" if found else None


def calendar_day(text: str | None) -> date | None:
    """A date as a browser's date field sends it (2026-06-05) or as Norwegians write it (5.6.2026), else None."""
    text = (text or "").strip()
    try:
        if _ISO_DATE.match(text):
            return date.fromisoformat(text)
        found = _NORWEGIAN_DATE.match(text)
        return date(int(found.group(3)), int(found.group(2)), int(found.group(1))) if found else None
    except ValueError:
        return None


def oslo_iso(day: date, wall: str) -> str:
    """The instant Oslo clocks show `wall` (HH:MM) on `day`, in ISO 8601 with that date's offset (+01:00 or +02:00)."""
    return oslo_instant(datetime.combine(day, time.fromisoformat(wall))).astimezone(OSLO).isoformat()
