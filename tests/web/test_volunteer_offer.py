"""The offer form's data as the contract's JSON, and an offer back as form data."""
from __future__ import annotations

from datetime import datetime, timezone

from services.web.views.volunteer_errors import NEED_DATE, NEED_END
from services.web.views.volunteer_offer import form_data, offer_body

EMPTY_WEEKLY = {"weekday": "", "start_time": "", "end_time": ""}
EMPTY_DATE = {"day": "", "start_time": "", "end_time": ""}


def filled(**changes):
    """The data of a filled-in form, as OfferForm.data holds it."""
    data = {"csrf_token": "x", "name": " Kari Nordmann ", "email": "kari@example.no ", "phone": "",
            "birth_year": "1958",
            "languages": ["nb", "en"], "skills": ["driving"], "districts": ["all"],
            "weekly": [{"weekday": "2", "start_time": "17:00", "end_time": "20:00"}, EMPTY_WEEKLY],
            "dates": [{"day": "2030-06-05", "start_time": "10:00", "end_time": "16:00"}],
            "police_certificate": "yes", "max_active_matches": "2", "contact_channels": ["email"], "note": ""}
    data.update(changes)
    return data


def test_a_filled_in_form_becomes_the_contracts_offer_body():
    draft = offer_body(filled())
    assert draft.problems == {}
    assert draft.body == {
        "volunteer": {"name": "Kari Nordmann", "email": "kari@example.no", "phone": None, "birth_year": 1958,
                      "languages": ["nb", "en"]},
        "skills": ["driving"], "districts": ["all"],
        "availability": [{"weekday": 2, "start_time": "17:00", "end_time": "20:00"},
                         {"start": "2030-06-05T10:00:00+02:00", "end": "2030-06-05T16:00:00+02:00"}],
        "police_certificate": True, "max_active_matches": 2, "contact_channels": ["email"], "note": None}


def test_each_slot_remembers_the_form_row_it_came_from_and_empty_rows_are_left_out():
    single = {"day": "3.12.2030", "start_time": "10", "end_time": "11"}
    draft = offer_body(filled(weekly=[EMPTY_WEEKLY, {"weekday": "5", "start_time": "9", "end_time": "12"}],
                              dates=[EMPTY_DATE, EMPTY_DATE, single]))
    assert draft.rows == ["weekly-1", "dates-2"] and draft.problems == {}
    assert draft.body["availability"][1] == {"start": "2030-12-03T10:00:00+01:00", "end": "2030-12-03T11:00:00+01:00"}


def test_what_is_left_empty_or_unreadable_is_sent_for_the_service_to_name():
    draft = offer_body(filled(name="", birth_year="nitten", max_active_matches="", skills=[], districts=[],
                              weekly=[{"weekday": "", "start_time": "halv fem", "end_time": ""}], dates=[EMPTY_DATE]))
    assert draft.problems == {}
    assert draft.body["availability"] == [{"start_time": "halv fem"}]
    assert draft.body["volunteer"]["birth_year"] == "nitten" and draft.body["max_active_matches"] is None
    assert (draft.body["volunteer"]["name"], draft.body["skills"], draft.body["districts"]) == ("", [], [])


def test_a_form_without_any_time_sends_none():
    assert offer_body(filled(weekly=[EMPTY_WEEKLY], dates=[EMPTY_DATE])).body["availability"] == []


def test_a_date_row_the_web_cannot_read_says_so_and_becomes_a_slot_the_service_refuses():
    draft = offer_body(filled(dates=[{"day": "neste fredag", "start_time": "10:00", "end_time": "tolv"}]))
    assert draft.problems == {"dates-0-day": NEED_DATE, "dates-0-end_time": NEED_END}
    assert draft.body["availability"][1] == {} and draft.rows == ["weekly-0", "dates-0"]


def test_an_offer_read_back_fills_the_form_and_leaves_out_dates_that_are_over():
    offer = {"volunteer": {"name": "Kari", "email": "kari@example.no", "phone": "+4791234567", "birth_year": None,
                           "languages": ["nb"]},
             "skills": ["cooking"], "districts": ["fjell"], "police_certificate": False, "max_active_matches": 3,
             "contact_channels": ["email", "sms"], "note": "Har bil.",
             "availability": [{"weekday": 6, "start_time": "10:00", "end_time": "14:00"},
                              {"start": "2020-01-02T10:00:00+01:00", "end": "2020-01-02T12:00:00+01:00"},
                              {"start": "2030-06-05T08:00:00Z", "end": "2030-06-05T10:00:00Z"}]}
    data = form_data(offer, datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert data["weekly"] == [{"weekday": "6", "start_time": "10:00", "end_time": "14:00"}]
    assert data["dates"] == [{"day": "2030-06-05", "start_time": "10:00", "end_time": "12:00"}]  # in Oslo time
    assert (data["birth_year"], data["police_certificate"], data["max_active_matches"]) == ("", "no", "3")
    again = offer_body({**data, "csrf_token": "x"}).body
    assert again["availability"] == [offer["availability"][0],
                                      {"start": "2030-06-05T10:00:00+02:00", "end": "2030-06-05T12:00:00+02:00"}]
    assert again["volunteer"]["phone"] == "+4791234567" and again["note"] == "Har bil."
