"""The organisation's forms: registering, and posting or editing a need.

The forms check only what the web needs to build a request (a field is there and reads as a date, a time,
a number); the rules about what the values may be are the services', and come back as 422 field paths.
The organisation number is the exception the page promises: it is checked here too, with the same rule
the needs service applies, so a mistyped digit is named before anything is sent.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp, StopValidation, ValidationError

from shared.orgnumber import is_valid_org_number
from services.web.form_values import (BAD_EMAIL, EMAIL, LANGUAGES, NAME_INPUT, NAME_MAX_LENGTH, NAME_TOO_LONG,
                                      WEEKDAYS, calendar_day, clock)
from services.web.forms import add_error
from services.web.texts import lazy

WHOLE_NUMBER = r"^\s*\d{1,3}\s*$"
WEEKLY, PERIOD = "weekly", "period"

ORG_NUMBER_WRONG = lazy("Organisasjonsnummeret stemmer ikke. Sjekk at du har skrevet alle ni sifrene riktig.",
                        "The organisation number is not right. Check that you have typed all nine digits correctly.")
BAD_PHONE = lazy("Skriv et gyldig telefonnummer: 8 sifre, eller med landskode, for eksempel +47 912 34 567.",
                 "Enter a valid phone number: 8 digits, or with the country code, such as +47 912 34 567.")
UNIT_MISSING = lazy("Skriv navnet på enheten, for eksempel «Fjell bo- og omsorgssenter».",
                    "Enter the name of the unit, such as “Fjell bo- og omsorgssenter”.")
KIND_MISSING = lazy("Velg hva slags organisasjon dere er.", "Choose what kind of organisation you are.")
DESCRIPTION_TOO_LONG = lazy("Beskrivelsen kan ha høyst 4000 tegn.",
                            "The description can have at most 4000 characters.")
BAD_VOLUNTEERS_NEEDED = lazy("Skriv et helt tall fra 1 til 100.", "Enter a whole number from 1 to 100.")
BAD_DATE = lazy("Skriv datoen som dd.mm.åååå, for eksempel 05.06.2026.",
                "Enter the date as dd.mm.yyyy, such as 05.06.2026.")
CERTIFICATE_BASIS_MAX_LENGTH = 300
BASIS_TOO_LONG = lazy(f"Skriv lovhjemmelen på én linje, høyst {CERTIFICATE_BASIS_MAX_LENGTH} tegn.",
                      f"Enter the legal basis on one line, at most {CERTIFICATE_BASIS_MAX_LENGTH} characters.")
BAD_TIME = lazy("Skriv klokkeslettet som tt:mm, for eksempel 17:30.", "Enter the time as hh:mm, such as 17:30.")

KINDS = [("association", lazy("Forening eller lag", "Association or club")),
         ("foundation", lazy("Stiftelse", "Foundation")),
         ("volunteer_centre", lazy("Frivilligsentral", "Volunteer centre")),
         ("company", lazy("Bedrift", "Company")),
         ("municipal_service", lazy("Kommunal tjeneste, for eksempel et sykehjem eller en skole",
                                    "Municipal service, such as a nursing home or a school"))]


def _org_number(form: FlaskForm, field: StringField) -> None:
    if not is_valid_org_number(field.data or ""):
        raise ValidationError(str(ORG_NUMBER_WRONG))


def _unit_for_municipal_service(form: "RegisterForm", field: StringField) -> None:
    if form.kind.data == "municipal_service" and not (field.data or "").strip():
        raise StopValidation(str(UNIT_MISSING))


def _required(nb: str, en: str) -> InputRequired:
    return InputRequired(lazy(nb, en))


class RegisterForm(FlaskForm):
    name = StringField(lazy("Navnet på organisasjonen", "Name of the organisation"), validators=[
        _required("Skriv navnet på organisasjonen.", "Enter the name of the organisation."),
        Length(max=NAME_MAX_LENGTH, message=NAME_TOO_LONG)], render_kw=NAME_INPUT)
    org_number = StringField(lazy("Organisasjonsnummer", "Organisation number"), validators=[
        _required("Skriv organisasjonsnummeret.", "Enter the organisation number."), _org_number])
    kind = RadioField(lazy("Hva slags organisasjon er dere?", "What kind of organisation are you?"), choices=KINDS,
                      validate_choice=False,
                      validators=[InputRequired(KIND_MISSING)])
    unit = StringField(lazy("Enhet (bare for kommunale tjenester)", "Unit (municipal services only)"), validators=[
        _unit_for_municipal_service, Optional(),
        Length(max=NAME_MAX_LENGTH, message=NAME_TOO_LONG)], render_kw=NAME_INPUT)
    contact_name = StringField(lazy("Navnet ditt", "Your name"), validators=[
        _required("Skriv navnet ditt.", "Enter your name."),
        Length(max=NAME_MAX_LENGTH, message=NAME_TOO_LONG)], render_kw=NAME_INPUT)
    contact_email = StringField(lazy("E-postadresse", "E-mail address"), validators=[
        _required("Skriv e-postadressen din.", "Enter your e-mail address."),
        Length(max=254, message=BAD_EMAIL), Regexp(EMAIL, message=BAD_EMAIL)])
    contact_phone = StringField(lazy("Telefonnummer (valgfritt)", "Phone number (optional)"), validators=[
        Optional(), Length(max=30, message=BAD_PHONE)])


class NeedForm(FlaskForm):
    """A need. Both schedule groups are on the page; only the one chosen by schedule_kind is read."""

    title = StringField(lazy("Tittel", "Title"), validators=[
        _required("Skriv en tittel.", "Enter a title."),
        Length(max=140, message=lazy("Tittelen kan ha høyst 140 tegn.",
                                     "The title can have at most 140 characters."))])
    description = TextAreaField(lazy("Beskrivelse (valgfritt)", "Description (optional)"), validators=[
        Length(max=4000, message=DESCRIPTION_TOO_LONG)])
    skills = SelectMultipleField(lazy("Hva skal den frivillige gjøre?", "What will the volunteer do?"),
                                 validate_choice=False)
    district = RadioField(lazy("Bydel", "District"), validate_choice=False,
                          validators=[_required("Velg bydelen.", "Choose the district.")])
    schedule_kind = RadioField(lazy("Når trengs det hjelp?", "When is help needed?"), default=WEEKLY, choices=[
        (WEEKLY, lazy("Fast hver uke", "Every week")), (PERIOD, lazy("Én gang", "Once"))],
        validators=[_required("Velg om det er hver uke eller én gang.", "Choose every week or once.")])
    weekday = SelectField(lazy("Ukedag", "Weekday"), choices=WEEKDAYS, validate_choice=False)
    weekly_start = StringField(lazy("Starttid", "Start time"))
    weekly_end = StringField(lazy("Sluttid", "End time"))
    from_date = StringField(lazy("Fra dato (valgfritt)", "From date (optional)"))
    until_date = StringField(lazy("Til dato (valgfritt)", "Until date (optional)"))
    period_date = StringField(lazy("Dato", "Date"))
    period_start = StringField(lazy("Starttid", "Start time"))
    period_end = StringField(lazy("Sluttid", "End time"))
    volunteers_needed = StringField(lazy("Hvor mange frivillige trengs?", "How many volunteers are needed?"),
                                    default="1", validators=[
        _required("Skriv hvor mange frivillige dere trenger.", "Enter how many volunteers you need."),
        Regexp(WHOLE_NUMBER, message=BAD_VOLUNTEERS_NEEDED)])
    police_certificate = BooleanField(lazy("Den frivillige må ha politiattest",
                                           "The volunteer needs a police certificate"))
    certificate_basis = StringField(lazy("Lovhjemmel for politiattesten (valgfritt)",
                                         "Legal basis for the police certificate (optional)"), validators=[
        Length(max=CERTIFICATE_BASIS_MAX_LENGTH, message=BASIS_TOO_LONG)],
        render_kw={"maxlength": CERTIFICATE_BASIS_MAX_LENGTH})
    min_age = StringField(lazy("Minstealder (valgfritt)", "Minimum age (optional)"), validators=[
        Optional(), Regexp(WHOLE_NUMBER, message=lazy("Skriv alderen som et helt tall, for eksempel 18.",
                                                      "Enter the age as a whole number, such as 18."))])
    languages = SelectMultipleField(lazy("Språk den frivillige må kunne (valgfritt)",
                                         "Languages the volunteer must speak (optional)"),
                                    choices=LANGUAGES, validate_choice=False)

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the chosen schedule group: each of its times and dates must be there and readable."""
        valid = super().validate(extra_validators)
        if self.schedule_kind.data == PERIOD:
            wanted = [(self.period_date, calendar_day, True, BAD_DATE), (self.period_start, clock, True, BAD_TIME),
                      (self.period_end, clock, True, BAD_TIME)]
        else:
            wanted = [(self.weekly_start, clock, True, BAD_TIME), (self.weekly_end, clock, True, BAD_TIME),
                      (self.from_date, calendar_day, False, BAD_DATE),
                      (self.until_date, calendar_day, False, BAD_DATE)]
        for field, read, required, message in wanted:
            if (field.data or "").strip() and read(field.data) is None:
                add_error(field, str(message))
            elif required and not (field.data or "").strip():
                add_error(field, str(MISSING[field.name]))
        return valid and not any(field.errors for field, *_ in wanted)


MISSING = {"period_date": lazy("Skriv datoen.", "Enter the date."),
           "period_start": lazy("Skriv starttiden.", "Enter the start time."),
           "period_end": lazy("Skriv sluttiden.", "Enter the end time."),
           "weekly_start": lazy("Skriv starttiden.", "Enter the start time."),
           "weekly_end": lazy("Skriv sluttiden.", "Enter the end time.")}
