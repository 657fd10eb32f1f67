"""The assignment pages' forms: a pause, a date's attendance, the date a police certificate was seen, an hours
report's dates and the oldest certificate an organisation accepts.

As the other forms, these check only that a value is there and reads as a date or a whole number; what the
values may be is the matcher's and the needs service's to say, and comes back as 422 field paths. The date a
certificate was seen may be left empty: whether one is needed (none is when the matcher carries over the one the
organisation saw when the volunteer stood in) is the matcher's to say too.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import InputRequired, Optional, StopValidation

from services.web.form_values import calendar_day, is_whole_number
from services.web.organisation_forms import BAD_DATE
from services.web.texts import Lazy, lazy

BAD_MINUTES = lazy("Skriv minuttene som et helt tall, for eksempel 90.",
                   "Enter the minutes as a whole number, such as 90.")
MINUTES_RANGE = lazy("Skriv et antall minutter fra 1 til 1440 (ett døgn).",
                     "Enter a number of minutes from 1 to 1440 (one day).")
MONTHS_RANGE = lazy("Skriv et helt antall måneder fra 1 til 120, eller la feltet stå tomt.",
                    "Enter a whole number of months from 1 to 120, or leave the field empty.")
PAUSE_UNTIL_BEFORE = lazy("Den siste dagen må være samme dag som den første eller senere.",
                          "The last day must be the same day as the first or later.")
PAUSE_TOO_LONG = lazy("En pause kan vare høyst ett år.", "A pause can last at most one year.")
PAUSE_NONE_AHEAD = lazy("Ingen av de kommende datoene i oppdraget ligger i denne perioden.",
                        "None of the assignment's coming dates lie in this period.")
SEEN_ON_MISSING = lazy("Skriv datoen dere så politiattesten.", "Enter the date you saw the police certificate.")
SEEN_ON_FUTURE = lazy("Datoen kan ikke være fram i tid.", "The date cannot be in the future.")
REPORT_TO_BEFORE = lazy("Til-datoen må være samme dag som fra-datoen eller senere.",
                        "The to date must be the same day as the from date or later.")
REPORT_TOO_LONG = lazy("Velg en periode på høyst tre år.", "Choose a period of at most three years.")
REPORT_OTHER = lazy("Velg datoer som kan brukes, for eksempel fra 1.1. i år til i dag.",
                    "Choose dates that can be used, such as from 1 January this year to today.")
MAX_MINUTES_DIGITS, MAX_MONTHS_DIGITS = 4, 3  # 1440 and 120 at most


def seen_on_too_old(months: int | None) -> str:
    """The message for a certificate older than the organisation accepts, naming the limit when it is known."""
    if months:
        return str(lazy(f"Politiattesten er for gammel. Dere godtar attester som er høyst {months} måneder gamle.",
                        f"The police certificate is too old. You accept certificates at most {months} months old."))
    return str(lazy("Politiattesten er eldre enn dere godtar.", "The police certificate is older than you accept."))


def _date(missing: Lazy | None = None):
    """A date as people type it (2026-06-05 from a date field, or 5.6.2026); required when `missing` is given."""
    def check(form: FlaskForm, field: Field) -> None:
        text = (field.data or "").strip()
        if not text:
            if missing is not None:
                raise StopValidation(str(missing))
            return
        if calendar_day(text) is None:
            raise StopValidation(str(BAD_DATE))
    return check


def _whole_number(message: Lazy, digits: int, too_many: Lazy):
    """Digits only, and no more of them than any value the service takes has (int() refuses thousands)."""
    def check(form: FlaskForm, field: Field) -> None:
        text = (field.data or "").strip()
        if text and not is_whole_number(text):
            raise StopValidation(str(message))
        if len(text.lstrip("0")) > digits:
            raise StopValidation(str(too_many))
    return check


class PauseForm(FlaskForm):
    """A pause in an assignment, from one day to another, both included."""

    from_date = StringField(lazy("Første dag med pause", "First day of the pause"), validators=[
        _date(lazy("Skriv den første dagen med pause.", "Enter the first day of the pause."))])
    until_date = StringField(lazy("Siste dag med pause", "Last day of the pause"), validators=[
        _date(lazy("Skriv den siste dagen med pause.", "Enter the last day of the pause."))])


class AttendanceForm(FlaskForm):
    """One past date of an assignment: attended (with minutes) or not; the pressed button says which. Many
    are on one page, each with its own prefix, and the page's CSRF token in each."""

    class Meta:
        csrf = False  # the app's CSRFProtect checks every POST's csrf_token all the same

    minutes = StringField(lazy("Minutter", "Minutes"), validators=[
        InputRequired(lazy("Skriv hvor mange minutter.", "Enter how many minutes.")),
        _whole_number(BAD_MINUTES, MAX_MINUTES_DIGITS, MINUTES_RANGE)])


class AcceptForm(FlaskForm):
    """Confirming a volunteer; for a need that requires a police certificate, the date it was seen, which may be
    left empty where the matcher has one from before (it refuses a missing date otherwise)."""

    class Meta:
        csrf = False  # as AttendanceForm: several on a page

    certificate_seen_on = StringField(lazy("Dato dere så politiattesten", "Date you saw the police certificate"),
                                      validators=[_date()])


class HoursForm(FlaskForm):
    """The dates of an hours report (a GET form: it changes nothing); either may be left for the default."""

    class Meta:
        csrf = False

    fra = StringField(lazy("Fra dato", "From date"), validators=[Optional(), _date()])
    til = StringField(lazy("Til dato", "To date"), validators=[Optional(), _date()])


class CertificateAgeForm(FlaskForm):
    """How old a police certificate may be when the organisation sees it, in months; empty for no limit."""

    months = StringField(lazy("Hvor gammel kan politiattesten være? Antall måneder (valgfritt)",
                              "How old may the police certificate be? Number of months (optional)"),
                         validators=[Optional(), _whole_number(MONTHS_RANGE, MAX_MONTHS_DIGITS, MONTHS_RANGE)])
