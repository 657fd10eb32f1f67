"""The volunteer's offer form, one class for signing up and for editing: about you, what you can do, where,
when (rows added without JavaScript), and the rest.

Fields carry no validators: `views.volunteer_offer` turns the form's data into the contract's JSON, and the
offers service decides what is valid (required answers included), so one answer names every problem.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form
from wtforms.fields import (FieldList, FormField, RadioField, SelectField, SelectMultipleField, StringField,
                            TextAreaField)

from services.web.catalogue import district_choices, skill_choices
from services.web.form_values import LANGUAGES, NAME_INPUT, WEEKDAYS, language_choices
from services.web.forms import Section
from services.web.texts import lazy

MAX_ROWS = 10  # of each kind; the offers service takes 50 slots in all

WEEKDAY_CHOICES = [("", lazy("Velg dag", "Choose a day")), *WEEKDAYS]
WHOLE_MUNICIPALITY = ("all", lazy("Hele kommunen", "The whole municipality"))
CHANNEL_CHOICES = [("email", lazy("E-post", "E-mail")), ("sms", lazy("SMS", "Text message (SMS)"))]
YES_NO = [("yes", lazy("Ja", "Yes")), ("no", lazy("Nei", "No"))]


class WeeklyRow(Form):
    """A time the volunteer can every week."""

    weekday = SelectField(lazy("Dag", "Day"), choices=WEEKDAY_CHOICES, default="")
    start_time = StringField(lazy("Fra klokka", "From"))
    end_time = StringField(lazy("Til klokka", "Until"))


class DateRow(Form):
    """A single date the volunteer can, with the hours."""

    day = StringField(lazy("Dato", "Date"))
    start_time = StringField(lazy("Fra klokka", "From"))
    end_time = StringField(lazy("Til klokka", "Until"))


class OfferForm(FlaskForm):
    """The questions of an offer, in the order the page asks them."""

    name = StringField(lazy("Navn", "Name"), render_kw=NAME_INPUT)
    email = StringField(lazy("E-postadresse", "E-mail address"))
    phone = StringField(lazy("Mobilnummer (valgfritt)", "Mobile number (optional)"))
    birth_year = StringField(lazy("Fødselsår (valgfritt)", "Year of birth (optional)"))
    languages = SelectMultipleField(lazy("Språk du snakker", "Languages you speak"), choices=LANGUAGES,
                                    default=["nb"])
    skills = SelectMultipleField(lazy("Hva kan du hjelpe med?", "What can you help with?"))
    districts = SelectMultipleField(lazy("Hvor i kommunen kan du hjelpe?", "Where in the municipality can you help?"))
    availability = Section(lazy("Når du kan", "When you can"))
    weekly = FieldList(FormField(WeeklyRow), min_entries=1, max_entries=MAX_ROWS)
    dates = FieldList(FormField(DateRow), min_entries=1, max_entries=MAX_ROWS)
    police_certificate = RadioField(lazy("Har du politiattest?", "Do you have a police certificate?"),
                                    choices=YES_NO, default="no")
    max_active_matches = StringField(lazy("Hvor mange oppdrag kan du ha samtidig?",
                                          "How many assignments can you take on at once?"), default="1")
    contact_channels = SelectMultipleField(lazy("Hvordan vil du få beskjed?", "How do you want to hear from us?"),
                                           choices=CHANNEL_CHOICES, default=["email"])
    note = TextAreaField(lazy("Noe mer du vil fortelle? (valgfritt)", "Anything else you want to tell? (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skills.choices = skill_choices()
        self.districts.choices = [WHOLE_MUNICIPALITY, *district_choices()]
        self.languages.choices = language_choices(self.languages.data)

    def add_row(self, kind: str) -> bool:
        """One more empty row of weekly times or single dates; False when there are as many as allowed."""
        rows = self.weekly if kind == "weekly" else self.dates if kind == "dates" else None
        if rows is None or len(rows) >= MAX_ROWS:
            return False
        rows.append_entry()
        return True
