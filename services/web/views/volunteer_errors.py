"""The API's 422 paths for an offer placed on the offer form's fields, with messages a person understands.

The services' own messages are for developers ("Must be after start_time."); the page says the same thing
plainly, in the page's language, beside the field the person has to change.
"""
from __future__ import annotations

import re
from typing import Any

from shared import phones
from services.web.form_values import BAD_EMAIL, END_AFTER_START, NAME_MAX_LENGTH, NAME_TOO_LONG
from services.web.texts import Lazy, lazy

WEEKLY, DATES = "weekly", "dates"
VOLUNTEER_FIELDS = ("name", "email", "phone", "birth_year", "languages")
OFFER_FIELDS = ("skills", "districts", "police_certificate", "max_active_matches", "contact_channels", "note")
ROW_NAMES = {WEEKLY: lazy("Fast tid", "Weekly time"), DATES: lazy("Dato", "Date")}  # as the rows' legends say

NAME_MISSING = lazy("Skriv navnet ditt.", "Enter your name.")
NAME_ONE_LINE = lazy("Skriv navnet ditt på én linje, uten tabulatorer eller andre spesialtegn.",
                     "Enter your name on one line, without tabs or other special characters.")
NEED_DAY = lazy("Velg en ukedag.", "Choose a day of the week.")
NEED_DATE = lazy("Skriv datoen som dd.mm.åååå, for eksempel 05.06.2026.",
                 "Enter the date as dd.mm.yyyy, for example 05.06.2026.")
NEED_START = lazy("Skriv når du kan begynne, som tt:mm, for eksempel 17:00.",
                  "Enter when you can start, as hh:mm, for example 17:00.")
NEED_END = lazy("Skriv når du må slutte, som tt:mm, for eksempel 20:00.",
                "Enter when you must stop, as hh:mm, for example 20:00.")
IN_THE_PAST = lazy("Denne datoen har vært. Velg en dato fram i tid.", "This date has passed. Choose a future date.")
INCOMPLETE_ROW = lazy("Fyll inn dag, starttid og sluttid.", "Fill in the day, start time and end time.")
NO_TIMES = lazy("Legg til minst én tid du kan: fast hver uke eller en enkelt dato.",
                "Add at least one time you can: every week or a single date.")
BAD_BIRTH_YEAR = lazy("Skriv fødselsåret ditt med fire sifre, for eksempel 1958.",
                      "Enter your year of birth with four digits, for example 1958.")
BAD_COUNT = lazy("Skriv et tall fra 1 til 20.", "Enter a number from 1 to 20.")
SMS_NEEDS_PHONE = lazy("For å få SMS må du skrive mobilnummeret ditt.",
                       "To get text messages, enter your mobile number.")
PHONE_NO_SMS = lazy("Dette nummeret kan ikke motta SMS. Skriv et mobilnummer, eller velg bare e-post.",
                    "This number cannot receive text messages. Enter a mobile number, or choose e-mail only.")

MESSAGES: dict[str, Lazy] = {
    "email": BAD_EMAIL,
    "phone": lazy("Skriv et gyldig mobilnummer: 8 sifre, eller med landskode, for eksempel +46 70 123 45 67.",
                  "Enter a valid mobile number: 8 digits, or with the country code, such as +46 70 123 45 67."),
    "birth_year": BAD_BIRTH_YEAR,
    "languages": lazy("Velg språkene fra listen.", "Choose the languages from the list."),
    "skills": lazy("Velg minst én ting du kan hjelpe med.", "Choose at least one thing you can help with."),
    "districts": lazy("Velg minst ett område, eller hele kommunen.",
                      "Choose at least one area, or the whole municipality."),
    "police_certificate": lazy("Svar ja eller nei.", "Answer yes or no."),
    "max_active_matches": BAD_COUNT,
    "contact_channels": lazy("Velg e-post, SMS eller begge.", "Choose e-mail, text message or both."),
    "note": lazy("Skriv høyst 2000 tegn.", "Write at most 2,000 characters."),
    "weekday": NEED_DAY, "day": NEED_DATE, "start_time": NEED_START, "end_time": NEED_END,
}

_AVAILABILITY = re.compile(r"^availability\[(\d+)\](?:\.(\w+))?$")
_INDEX = re.compile(r"\[\d+\]")
_ROW_FIELD = re.compile(r"^(weekly|dates)-(\d+)-\w+$")


def _slot_field(row: str, key: str | None, reasons: list[str]) -> tuple[str, Lazy]:
    """Where an error of one availability entry goes in its row, and what it says."""
    said = " ".join(reasons).lower()
    weekly = row.startswith(WEEKLY)
    first = f"{row}-weekday" if weekly else f"{row}-day"
    if key in ("end", "end_time") and "past" in said:
        return first, IN_THE_PAST
    if key in ("end", "end_time") and "after" in said:
        return f"{row}-end_time", END_AFTER_START
    if weekly and key in ("weekday", "start_time", "end_time"):
        return f"{row}-{key}", MESSAGES[key]
    if not weekly and key in ("start", "end"):
        return first, NEED_DATE  # the web wrote both instants from the date; only the date can be wrong
    return first, INCOMPLETE_ROW


def name_message(name: str) -> Lazy:
    """Why the service refused the name it was sent: there was none, it was too long, or it was not one line."""
    name = name.strip()
    if not name:
        return NAME_MISSING
    return NAME_TOO_LONG if len(name) > NAME_MAX_LENGTH else NAME_ONE_LINE


def row_of(name: str) -> str | None:
    """The row a field belongs to ("weekly-1" for "weekly-1-end_time"), or None for a field of its own."""
    found = _ROW_FIELD.match(name)
    return f"{found.group(1)}-{found.group(2)}" if found else None


def in_row(name: str, message: Lazy) -> str:
    """A message as the page shows it, naming the row when it is about one ("Fast tid 2: ..."), since the error
    summary lists the rows' messages together."""
    found = _ROW_FIELD.match(name)
    if not found:
        return str(message)
    kind = ROW_NAMES[found.group(1)]
    return f"{kind} {int(found.group(2)) + 1}: {message}"


def place(path: str, reasons: list[str], rows: list[str],
          sent: dict[str, Any] | None = None) -> tuple[str, Lazy] | None:
    """The form field an API error path belongs to and a plain message for it; None when the form has no such
    field (it then goes to the error summary). `sent` is the body the service refused, for a message that
    depends on what was in it (the service says the same of a missing name and a long one)."""
    slot = _AVAILABILITY.match(path)
    if slot:
        index = int(slot.group(1))
        return _slot_field(rows[index], slot.group(2), reasons) if index < len(rows) else None
    if path == "availability":
        return "availability", NO_TIMES  # the section "Når du kan" as a whole
    name = _INDEX.sub("", path)
    if name.startswith("volunteer."):
        name = name.removeprefix("volunteer.")
        if name == "name":
            return name, name_message(str(((sent or {}).get("volunteer") or {}).get("name") or ""))
        if name == "phone" and phones.CANNOT_RECEIVE_SMS in reasons:
            return name, PHONE_NO_SMS
        return (name, MESSAGES[name]) if name in VOLUNTEER_FIELDS else None
    if name == "contact_channels" and "phone" in " ".join(reasons):
        return name, SMS_NEEDS_PHONE
    return (name, MESSAGES[name]) if name in OFFER_FIELDS else None
