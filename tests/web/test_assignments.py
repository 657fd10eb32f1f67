"""The assignment pages' plain functions: the matcher's occurrences as dates ahead and behind, a stand-in's state,
the hours given, why a date was refused, whether an assignment is over, and the legal basis on the need form."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from flask import Flask

from services.web.assignments import (ASKING, COMING, NOBODY, ahead, behind, days, hours, is_over, minutes_given,
                                      pause_problem, report_problem, seen_on_problem, stand_in_state)
from services.web.views.organisation_payloads import need_changes, need_json, need_where

NOW = datetime(2026, 12, 9, 12, 0, tzinfo=timezone.utc)  # a Wednesday


@pytest.fixture(autouse=True)
def page():
    with Flask(__name__).test_request_context("/"):
        yield


def item(day: str, status: str = "planned", start: str = "17:30", stand_in=None) -> dict:
    return {"date": day, "start": f"{day}T{start}:00+01:00", "end": f"{day}T19:00:00+01:00", "status": status,
            "minutes": 90, "stand_in": stand_in}


ITEMS = [item("2026-12-15"), item("2026-12-01", "attended"), item("2026-12-08", "unrecorded"),
         item("2026-12-22", "absent", stand_in={"match_id": "x", "status": "proposed"}), item("2026-12-29"),
         item("2027-01-05")]


def test_the_dates_ahead_are_the_next_three_not_begun_an_absent_one_among_them():
    found = ahead(days(ITEMS), NOW)
    assert [(day.key, day.status, day.stand_in) for day in found] == [
        ("2026-12-15", "planned", None), ("2026-12-22", "absent", ASKING), ("2026-12-29", "planned", None)]


def test_the_dates_behind_are_those_begun_the_most_recent_first():
    assert [day.key for day in behind(days(ITEMS), NOW)] == ["2026-12-08", "2026-12-01"]


def test_a_date_begun_today_is_behind_and_one_later_today_is_ahead():
    today = [item("2026-12-09", start="12:30"), item("2026-12-09", start="13:30")]  # 12:00 UTC is 13:00 in Oslo
    assert [d.start.hour for d in behind(days(today), NOW)] == [12]
    assert [d.start.hour for d in ahead(days(today), NOW)] == [13]


def test_an_item_that_cannot_be_read_is_left_out_and_an_unknown_status_is_planned():
    found = days([{"date": "2026-02-30", "start": "x", "end": "y", "status": "planned"}, {"status": "attended"},
                  item("2026-12-15", "maybe")])
    assert [(day.key, day.status) for day in found] == [("2026-12-15", "planned")]


@pytest.mark.parametrize(("stand_in", "state"), [
    (None, None), ({"match_id": "x", "status": "proposed"}, ASKING), ({"match_id": "x", "status": "confirmed"}, COMING),
    ({"match_id": "x", "status": "expired"}, NOBODY), ({"match_id": "x", "status": "declined"}, NOBODY)])
def test_a_stand_in_is_being_asked_coming_or_not_found(stand_in, state):
    assert stand_in_state(stand_in) == state


def test_the_hours_given_are_the_attended_minutes_of_all_matches_to_one_decimal():
    assert hours(minutes_given([{"attended_minutes": 90}, {"attended_minutes": None}, {}, {"attended_minutes": 50}])) \
        == 2.3


@pytest.mark.parametrize(("first", "last", "problem"), [
    (date(2026, 7, 10), date(2026, 7, 1), "until_before"), (date(2026, 7, 1), date(2027, 7, 3), "too_long"),
    (date(2026, 7, 1), date(2026, 7, 2), "none_ahead")])
def test_a_refused_pause_is_judged_from_the_dates_sent(first, last, problem):
    assert pause_problem(first, last) == problem


@pytest.mark.parametrize(("seen_on", "problem"), [(None, "missing"), (date(2026, 12, 10), "future"),
                                                  (date(2020, 1, 1), "too_old")])
def test_a_refused_certificate_date_is_judged_from_the_date_sent(seen_on, problem):
    assert seen_on_problem(seen_on, date(2026, 12, 9)) == problem


@pytest.mark.parametrize(("first", "last", "problem"), [
    (date(2026, 3, 1), date(2026, 2, 1), "to_before"), (date(2020, 1, 1), date(2026, 1, 1), "too_long"),
    (None, date(2025, 1, 1), "to_before"), (date(2024, 2, 29), date(2027, 3, 1), "too_long"),
    (date(2026, 1, 1), None, "other")])
def test_a_refused_report_is_judged_from_the_dates_sent_or_their_defaults(first, last, problem):
    assert report_problem(first, last, date(2026, 12, 9)) == problem


NEED_FORM = {"title": "Besøksvenn", "description": "", "skills": [], "district": "fjell", "schedule_kind": "weekly",
             "weekday": "2", "weekly_start": "17:30", "weekly_end": "19:00", "from_date": "", "until_date": "",
             "volunteers_needed": "1", "police_certificate": True, "min_age": "", "languages": []}


def test_the_legal_basis_is_sent_with_the_requirements_only_when_given():
    assert need_json({**NEED_FORM, "certificate_basis": " helse- og omsorgstjenesteloven § 5-4 "})["requirements"][
        "certificate_basis"] == "helse- og omsorgstjenesteloven § 5-4"
    assert "certificate_basis" not in need_json({**NEED_FORM, "certificate_basis": "  "})["requirements"]


def test_a_legal_basis_emptied_on_the_form_is_sent_as_null_and_one_kept_is_not_sent():
    stored = {"title": "Besøksvenn", "requirements": {"police_certificate": True, "certificate_basis": "§ 5-4"}}
    emptied = need_changes(stored, need_json({**NEED_FORM, "certificate_basis": ""}))
    assert emptied["requirements"]["certificate_basis"] is None
    kept = need_changes(stored, need_json({**NEED_FORM, "certificate_basis": "§ 5-4"}))
    assert "requirements" not in kept


def test_a_legal_basis_refused_for_a_need_without_a_certificate_says_to_tick_it():
    body = need_json({**NEED_FORM, "police_certificate": False, "certificate_basis": "§ 5-4"})
    field, message = need_where(body)("requirements.certificate_basis")
    assert field == "certificate_basis" and "Kryss av" in str(message)
    with_certificate = need_where(need_json({**NEED_FORM, "certificate_basis": "§ 5-4"}))
    assert "høyst 300 tegn" in str(with_certificate("requirements.certificate_basis")[1])


@pytest.mark.parametrize("minutes, shown", [(75, 1.3), (15, 0.3), (45, 0.8), (90, 1.5)])
def test_hours_are_rounded_as_the_reports_round_them_halves_up(minutes, shown):
    assert hours(minutes) == shown


def test_a_report_of_the_far_future_is_refused_in_words_not_a_failure():
    assert report_problem(date(9999, 1, 1), date(9999, 12, 31), date(2026, 12, 1)) == "other"
    assert report_problem(date(9998, 1, 1), date(9999, 12, 31), date(2026, 12, 1)) == "other"


WEEKLY = {"weekday": 2, "start_time": "17:30", "end_time": "19:00", "until_date": "2026-12-15"}
ONE_OFF = {"start": "2026-12-09T10:00:00+01:00", "end": "2026-12-09T16:00:00+01:00"}


@pytest.mark.parametrize(("schedule", "match", "over"), [
    (ONE_OFF, {}, True),  # begun an hour ago: nothing left to pause or end
    ({**ONE_OFF, "start": "2026-12-10T10:00:00+01:00", "end": "2026-12-10T16:00:00+01:00"}, {}, False),
    (WEEKLY, {}, False),  # one Tuesday left
    ({**WEEKLY, "until_date": "2026-12-07"}, {}, True),
    ({k: v for k, v in WEEKLY.items() if k != "until_date"}, {"for_date": "2026-12-08"}, True),  # a stand-in's date
    (None, {}, True),  # no date known to be ahead
], ids=["one-off begun", "one-off ahead", "weekly with a date left", "weekly past its end", "stand-in behind",
        "no schedule"])
def test_an_assignment_is_over_once_no_date_of_it_is_still_to_begin(schedule, match, over):
    assert is_over(schedule, match, NOW) is over
