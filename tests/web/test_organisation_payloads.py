"""The organisation's forms as the needs API reads them, and the API's 422 paths as the page shows them."""
from __future__ import annotations

import pytest

from services.web.organisation_forms import PERIOD, WEEKLY
from services.web.form_values import END_AFTER_START
from services.web.views.organisation_payloads import (PERIOD_PAST, UNTIL_BEFORE_FROM, UNTIL_PAST,
                                                      need_changes, need_form_data, need_json, need_where,
                                                      organisation_json, register_where)

WEEKLY_FORM = {"title": " Besøksvenn ", "description": "Prate og gå tur.", "skills": ["visiting_friend"],
               "district": "fjell", "schedule_kind": WEEKLY, "weekday": "2", "weekly_start": "17.30",
               "weekly_end": "19:00", "from_date": "2026-01-06", "until_date": "30.6.2026", "volunteers_needed": "2",
               "police_certificate": True, "min_age": "18", "languages": ["nb"],
               "period_date": "", "period_start": "", "period_end": ""}


def test_a_weekly_need_sends_wall_clock_times_and_its_dates():
    body = need_json(WEEKLY_FORM)
    assert body == {"title": "Besøksvenn", "description": "Prate og gå tur.", "skills": ["visiting_friend"],
                    "district": "fjell",
                    "schedule": {"weekday": 2, "start_time": "17:30", "end_time": "19:00",
                                 "from_date": "2026-01-06", "until_date": "2026-06-30"},
                    "volunteers_needed": 2,
                    "requirements": {"police_certificate": True, "min_age": 18, "languages": ["nb"]}}


@pytest.mark.parametrize("date_text, offset", [("2026-01-15", "+01:00"), ("15.7.2026", "+02:00")])
def test_a_single_period_sends_instants_with_the_oslo_offset_of_that_day(date_text, offset):
    form = {**WEEKLY_FORM, "schedule_kind": PERIOD, "period_date": date_text, "period_start": "10:00",
            "period_end": "16:00"}
    schedule = need_json(form)["schedule"]
    assert schedule["start"].endswith(f"T10:00:00{offset}") and schedule["end"].endswith(f"T16:00:00{offset}")
    assert set(schedule) == {"start", "end"}


def test_a_weekly_need_without_dates_or_minimum_age_sends_neither():
    body = need_json({**WEEKLY_FORM, "from_date": "", "until_date": " ", "min_age": ""})
    assert "from_date" not in body["schedule"] and "until_date" not in body["schedule"]
    assert body["requirements"]["min_age"] is None


@pytest.mark.parametrize("need", [
    {"title": "T", "description": "D", "skills": ["driving"], "district": "fjell", "volunteers_needed": 3,
     "schedule": {"weekday": 5, "start_time": "09:00", "end_time": "11:30", "from_date": "2026-02-01"},
     "requirements": {"police_certificate": False, "min_age": None, "languages": []}},
    {"title": "T", "description": "", "skills": [], "district": "konnerud", "volunteers_needed": 1,
     "schedule": {"start": "2026-07-15T10:00:00+02:00", "end": "2026-07-15T16:00:00+02:00"},
     "requirements": {"police_certificate": True, "min_age": 16, "languages": ["nb", "en"]}},
])
def test_a_need_shown_on_the_edit_form_and_sent_unchanged_changes_nothing(need):
    data = {"weekday": "", "weekly_start": "", "weekly_end": "", "from_date": "", "until_date": "",
            "period_date": "", "period_start": "", "period_end": "", **need_form_data(need)}
    assert need_changes(need, need_json(data)) == {}


def test_an_edit_sends_only_what_changed_and_the_requirements_whole():
    need = {"title": "T", "description": "", "skills": [], "district": "fjell", "volunteers_needed": 1,
            "schedule": {"weekday": 2, "start_time": "17:00", "end_time": "18:00"},
            "requirements": {"police_certificate": False, "languages": []}}
    body = {**need, "title": "Ny tittel", "requirements": {"police_certificate": False, "min_age": 18, "languages": []}}
    assert need_changes(need, body) == {"title": "Ny tittel", "requirements": body["requirements"]}


def test_the_unit_is_sent_only_for_a_municipal_service_and_an_empty_phone_not_at_all():
    form = {"name": "Fjell", "org_number": " 974760673 ", "kind": "association", "unit": "Fjell bo- og omsorgssenter",
            "contact_name": "Ola", "contact_email": "ola@example.no", "contact_phone": ""}
    assert organisation_json(form) == {"name": "Fjell", "org_number": "974760673", "kind": "association",
                                       "contact": {"name": "Ola", "email": "ola@example.no"}}
    municipal = organisation_json({**form, "kind": "municipal_service", "contact_phone": "91234567"})
    assert municipal["unit"] == "Fjell bo- og omsorgssenter" and municipal["contact"]["phone"] == "91234567"


@pytest.mark.parametrize("path, field", [("org_number", "org_number"), ("contact.email", "contact_email"),
                                         ("contact.phone", "contact_phone"), ("unit", "unit"), ("kind", "kind")])
def test_registration_paths_go_to_their_fields(path, field):
    assert register_where(path)[0] == field


def test_a_path_the_registration_form_does_not_know_goes_to_the_summary():
    assert register_where("_body") is None and register_where("contact") is None


@pytest.mark.parametrize("path, field", [("schedule.end_time", "weekly_end"), ("schedule.weekday", "weekday"),
                                         ("requirements.min_age", "min_age"), ("skills[1]", "skills"),
                                         ("requirements.languages[0]", "languages"), ("district", "district"),
                                         ("volunteers_needed", "volunteers_needed")])
def test_need_paths_go_to_their_fields(path, field):
    assert need_where({})(path)[0] == field


def test_a_weekly_end_before_its_start_says_so_beside_the_end_time():
    assert need_where({})("schedule.end_time") == ("weekly_end", END_AFTER_START)
    assert END_AFTER_START.nb == "Sluttid må være etter starttid."


@pytest.mark.parametrize("end, message", [("2026-07-15T09:00:00+02:00", END_AFTER_START),
                                          ("2026-07-15T16:00:00+02:00", PERIOD_PAST)])
def test_a_period_end_error_names_what_was_wrong_with_what_was_sent(end, message):
    body = {"schedule": {"start": "2026-07-15T10:00:00+02:00", "end": end}}
    assert need_where(body)("schedule.end") == ("period_end", message)


@pytest.mark.parametrize("until, message", [("2026-01-01", UNTIL_BEFORE_FROM), ("2026-03-01", UNTIL_PAST)])
def test_an_until_date_error_names_what_was_wrong_with_what_was_sent(until, message):
    body = {"schedule": {"weekday": 1, "from_date": "2026-02-01", "until_date": until}}
    assert need_where(body)("schedule.until_date") == ("until_date", message)


def test_a_schedule_error_the_form_cannot_place_goes_to_the_summary():
    assert need_where({})("schedule") is None
