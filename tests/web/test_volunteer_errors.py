"""The API's 422 paths for an offer placed beside the offer form's fields, with plain messages."""
from __future__ import annotations

import pytest
from flask import Flask

from shared.phones import CANNOT_RECEIVE_SMS
from services.web.form_values import END_AFTER_START, NAME_TOO_LONG
from services.web.views.volunteer_errors import (IN_THE_PAST, MESSAGES, NAME_MISSING,
                                                 NAME_ONE_LINE, NEED_DATE, NEED_DAY, NO_TIMES, PHONE_NO_SMS,
                                                 SMS_NEEDS_PHONE, in_row, place)

ROWS = ["weekly-0", "weekly-2", "dates-1"]


@pytest.mark.parametrize(("path", "reasons", "placed"), [
    ("volunteer.email", ["Not a valid email address."], ("email", MESSAGES["email"])),
    ("volunteer.phone", ["Not a valid phone number"], ("phone", MESSAGES["phone"])),
    ("volunteer.phone", [CANNOT_RECEIVE_SMS], ("phone", PHONE_NO_SMS)),
    ("volunteer.languages[1]", ["Not an ISO 639-1 language code."], ("languages", MESSAGES["languages"])),
    ("skills", ["Shorter than minimum length 1."], ("skills", MESSAGES["skills"])),
    ("skills[0]", ["Unknown skill 'x'."], ("skills", MESSAGES["skills"])),
    ("contact_channels", ["SMS needs volunteer.phone."], ("contact_channels", SMS_NEEDS_PHONE)),
    ("availability[1].end_time", ["Must be after start_time."], ("weekly-2-end_time", END_AFTER_START)),
    ("availability[2].end", ["Must be after start."], ("dates-1-end_time", END_AFTER_START)),
    ("availability[2].end", ["Must not be in the past."], ("dates-1-day", IN_THE_PAST)),
    ("availability[0].weekday", ["Use 1 (Monday) to 7 (Sunday)."], ("weekly-0-weekday", NEED_DAY)),
    ("availability[2].start", ["Give a time between the years 2000 and 2100."], ("dates-1-day", NEED_DATE)),
    ("availability", ["Shorter than minimum length 1."], ("availability", NO_TIMES)),
    ("volunteer.birth_year", ["Not a valid integer."], ("birth_year", MESSAGES["birth_year"])),
    ("max_active_matches", ["Field may not be null."], ("max_active_matches", MESSAGES["max_active_matches"])),
    ("availability[0].start_time", ["Use HH:MM, 24-hour clock (e.g. 17:30)."], ("weekly-0-start_time",
                                                                               MESSAGES["start_time"])),
])
def test_an_api_error_path_lands_beside_its_field_with_a_plain_message(path, reasons, placed):
    assert place(path, reasons, ROWS) == placed


@pytest.mark.parametrize("path", ["headcount", "_body", "volunteer", "availability[3].end", "volunteer.shoe_size"])
def test_a_path_the_form_has_no_field_for_goes_to_the_summary(path):
    assert place(path, ["Unknown field."], ROWS) is None


@pytest.mark.parametrize(("name", "shown"), [("weekly-1-end_time", "Fast tid 2: Sluttid må være etter starttid."),
                                             ("dates-0-end_time", "Dato 1: Sluttid må være etter starttid."),
                                             ("email", "Sluttid må være etter starttid.")])
def test_a_message_about_a_row_names_the_row_as_its_legend_does(name, shown):
    with Flask(__name__).test_request_context("/"):
        assert in_row(name, END_AFTER_START) == shown


@pytest.mark.parametrize(("sent", "message"), [("", NAME_MISSING), ("   ", NAME_MISSING), ("K" * 201, NAME_TOO_LONG),
                                               ("Kari\tNordmann", NAME_ONE_LINE)],
                         ids=["empty", "blank", "too long", "a tab"])
def test_a_refused_name_is_said_to_be_missing_too_long_or_not_one_line_by_what_was_sent(sent, message):
    # the service gives one reason for an empty name and a long one ("Length must be between 1 and 200.")
    body = {"volunteer": {"name": sent}}
    assert place("volunteer.name", ["Length must be between 1 and 200."], ROWS, body) == ("name", message)


def test_the_name_messages_differ_and_say_the_services_limit():
    with Flask(__name__).test_request_context("/"):
        assert len({str(NAME_MISSING), str(NAME_TOO_LONG), str(NAME_ONE_LINE)}) == 3
        assert str(NAME_TOO_LONG) == "Navnet kan ha høyst 200 tegn."
