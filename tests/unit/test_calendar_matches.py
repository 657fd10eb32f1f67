"""A match's calendar as the matcher builds it: its first event is the first occurrence the match serves."""
from __future__ import annotations

from datetime import date, datetime

import icalendar
import pytest

from services.matcher import calendars
from shared.timeslots import OSLO

NEED_ID, ORGANISATION_ID, OFFER_ID = "need-1", "organisation-1", "offer-1"
WEB = "https://frivillig.example.no"
WEEKLY = {"weekday": 2, "start_time": "17:30", "end_time": "19:00", "from_date": "2026-01-06"}
PERIOD = {"start": "2026-03-03T16:30:00+00:00", "end": "2026-03-03T18:00:00+00:00"}
CONFIRMED_TUESDAY_EVENING = "2026-03-03T17:40:00+00:00"  # Tuesday 3 March 18.40 in Oslo, after that day's slot


class Clients:
    """The needs and offers services' answers for one need."""

    def __init__(self, schedule):
        self.schedule = schedule

    def need(self, need_id):
        return {"id": need_id, "title": "Besøksvenn", "district": "fjell", "schedule": self.schedule}

    def organisation(self, organisation_id):
        return {"id": organisation_id, "name": "Fjell bo- og omsorgssenter"}

    def offer(self, offer_id):
        return {"id": offer_id, "volunteer": {"name": "Kari Nordmann"}}


def match(**fields):
    return {"_id": "6f1c0c8e-4a7b-4c1e-9d2a-0d5b7e3f1a22", "need_id": NEED_ID, "organisation_id": ORGANISATION_ID,
            "offer_id": OFFER_ID, "status": "confirmed", "confirmed_at": CONFIRMED_TUESDAY_EVENING, **fields}


def the_event(m, schedule=WEEKLY) -> icalendar.Event:
    [event] = icalendar.Calendar.from_ical(
        calendars.match_calendar(m, "volunteer", Clients(schedule), WEB)).walk("VEVENT")
    return event


def test_a_weekly_assignment_confirmed_after_the_days_slot_starts_the_next_week_and_repeats_from_there():
    event = the_event(match())
    assert event.decoded("DTSTART") == datetime(2026, 3, 10, 17, 30, tzinfo=OSLO)
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]


def test_a_weekly_assignment_confirmed_before_the_days_slot_starts_that_day():
    event = the_event(match(confirmed_at="2026-03-03T08:00:00+00:00"))
    assert event.decoded("DTSTART") == datetime(2026, 3, 3, 17, 30, tzinfo=OSLO)


def test_the_feed_starts_the_same_assignment_on_the_same_first_date():
    body = calendars.feed_calendar("volunteer", [match()], Clients(WEEKLY), WEB, date(2026, 3, 3))
    [event] = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2026, 3, 10, 17, 30, tzinfo=OSLO)


@pytest.mark.parametrize("m, schedule, start", [
    (match(for_date="2026-03-17", stands_in_for="standing-1"), WEEKLY, datetime(2026, 3, 17, 17, 30, tzinfo=OSLO)),
    (match(confirmed_at="2026-03-01T10:00:00+00:00"), PERIOD, datetime(2026, 3, 3, 17, 30, tzinfo=OSLO))],
    ids=["stand-in", "single-period"])
def test_stand_ins_and_single_periods_are_one_event_on_their_date(m, schedule, start):
    event = the_event(m, schedule)
    assert event.decoded("DTSTART") == start and "RRULE" not in event
