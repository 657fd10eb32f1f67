"""The iCalendar form of an assignment: read back with icalendar and its rule expanded with dateutil."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import icalendar
import pytest
from dateutil.rrule import rrulestr

from shared.calendar import CANCEL, Entry, assignment_entry, calendar
from shared.timeslots import OSLO

MATCH_ID = "6f1c0c8e-4a7b-4c1e-9d2a-0d5b7e3f1a22"
WEB = "https://frivillig.example.no"
NOW = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)


def weekly_need(**dates):
    schedule = {"weekday": 2, "start_time": "17:30", "end_time": "19:00", **dates}
    return {"title": "Besøksvenn på Fjell", "description": "Prate og gå tur.", "district": "fjell",
            "schedule": schedule}


def match(**fields):
    return {"id": MATCH_ID, "status": "confirmed", "confirmed_at": "2025-12-20T10:00:00+00:00", **fields}


def entry(m=None, need=None, side="volunteer", volunteer_name=None) -> Entry:
    return assignment_entry(m or match(), need or weekly_need(from_date="2026-01-01", until_date="2026-06-30"),
                            "Fjell sanitetsforening", side, volunteer_name, WEB)


def events(text: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(text).walk("VEVENT"))


def the_event(e: Entry, method="PUBLISH") -> icalendar.Event:
    [event] = events(calendar([e], method, now=NOW))
    return event


def expanded(event: icalendar.Event) -> list[datetime]:
    """The event's start instants as a calendar client computes them: the rule minus EXDATE."""
    start = event.decoded("DTSTART")
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=start)
    excluded = {d.dt for group in _as_list(event.get("EXDATE")) for d in group.dts}
    return [moment for moment in rule if moment not in excluded]


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def test_weekly_need_is_one_recurring_event_from_the_first_date_on_or_after_from_date():
    event = the_event(entry())
    start = event.decoded("DTSTART")
    assert start == datetime(2026, 1, 6, 17, 30, tzinfo=OSLO)  # 1 January is a Thursday; the slot is on Tuesdays
    assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert event.decoded("DTEND") == datetime(2026, 1, 6, 19, 0, tzinfo=OSLO)
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]
    assert event["RRULE"]["UNTIL"] == [datetime(2026, 6, 30, 21, 59, 59, tzinfo=UTC)]  # end of 30 June in Oslo
    dates = expanded(event)
    assert dates[0].date() == date(2026, 1, 6) and dates[-1].date() == date(2026, 6, 30)
    assert len(dates) == 26


def test_weekly_need_without_until_date_repeats_without_end():
    event = the_event(entry(need=weekly_need(from_date="2026-01-01")))
    assert "UNTIL" not in event["RRULE"]


def test_a_match_confirmed_after_from_date_starts_at_its_first_date_after_confirmation():
    event = the_event(entry(match(confirmed_at="2026-02-19T09:00:00+00:00")))
    assert event.decoded("DTSTART") == datetime(2026, 2, 24, 17, 30, tzinfo=OSLO)


@pytest.mark.parametrize("confirmed_at, first", [("2026-03-03T17:40:00+00:00", date(2026, 3, 10)),  # 18.40 Oslo
                                                  ("2026-03-03T09:00:00+00:00", date(2026, 3, 3))])
def test_a_match_confirmed_on_a_day_of_the_schedule_starts_there_only_if_the_slot_is_still_ahead(confirmed_at, first):
    event = the_event(entry(match(confirmed_at=confirmed_at)))
    assert event.decoded("DTSTART") == datetime.combine(first, time(17, 30), tzinfo=OSLO)


@pytest.mark.parametrize("before, after", [(date(2026, 3, 24), date(2026, 3, 31)),   # last Sunday of March: 29th
                                           (date(2026, 10, 20), date(2026, 10, 27))])  # of October: 25th
def test_wall_clock_time_stays_across_a_daylight_saving_change(before, after):
    event = the_event(entry(need=weekly_need(from_date="2026-01-01", until_date="2026-12-31")))
    by_date = {moment.astimezone(OSLO).date(): moment for moment in expanded(event)}
    for day in (before, after):
        local = by_date[day].astimezone(OSLO)
        assert (local.hour, local.minute) == (17, 30)
    utc_hours = {by_date[day].astimezone(UTC).hour for day in (before, after)}
    assert utc_hours == {15, 16}  # the same wall time is a different instant in summer and in winter


def test_the_calendar_carries_the_oslo_time_zone_bounded_to_the_years_needed():
    cal = icalendar.Calendar.from_ical(calendar([entry()], now=NOW))
    [zone] = cal.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Oslo"
    transitions = [c.decoded("DTSTART") for c in zone.subcomponents]
    assert {t.year for t in transitions} == {2026}
    assert len(cal.walk("DAYLIGHT")) == 1


def test_stand_in_match_is_one_event_on_its_date():
    event = the_event(entry(match(for_date="2026-03-31", stands_in_for="a" * 8)))
    assert event.decoded("DTSTART") == datetime(2026, 3, 31, 17, 30, tzinfo=OSLO)
    assert event.decoded("DTEND") == datetime(2026, 3, 31, 19, 0, tzinfo=OSLO)
    assert "RRULE" not in event


def test_stand_in_date_the_schedule_does_not_have_is_refused():
    with pytest.raises(ValueError):
        entry(match(for_date="2026-04-01"))  # a Wednesday


def test_single_period_is_one_event():
    need = {"title": "Loppemarked", "district": "konnerud",
            "schedule": {"start": "2026-06-05T10:00:00+02:00", "end": "2026-06-05T16:00:00+02:00"}}
    event = the_event(entry(need=need))
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2026, 6, 5, 8, 0, tzinfo=UTC)
    assert event.decoded("DTEND").astimezone(UTC) == datetime(2026, 6, 5, 14, 0, tzinfo=UTC)
    assert "RRULE" not in event
    assert str(event["LOCATION"]) == "Konnerud og Skoger vest"


ABSENT_AND_ATTENDED = {"2026-03-31": {"status": "absent", "by": "volunteer"},
                       "2026-03-24": {"status": "attended", "minutes": 90, "by": "organisation"}}


def test_volunteers_absent_dates_are_left_out_of_their_calendar():
    event = the_event(entry(match(occurrences=ABSENT_AND_ATTENDED)))
    dates = {moment.astimezone(OSLO).date() for moment in expanded(event)}
    assert date(2026, 3, 31) not in dates
    assert {date(2026, 3, 24), date(2026, 4, 7)} <= dates


def test_the_organisations_calendar_does_not_show_the_volunteer_on_a_date_they_will_miss():
    event = the_event(entry(match(occurrences=ABSENT_AND_ATTENDED), side="organisation"))
    dates = {moment.astimezone(OSLO).date() for moment in expanded(event)}
    assert date(2026, 3, 31) not in dates and {date(2026, 3, 24), date(2026, 4, 7)} <= dates


def test_summary_location_and_description_of_the_volunteers_calendar():
    event = the_event(entry(volunteer_name="Kari Nordmann"))
    assert str(event["SUMMARY"]) == "Besøksvenn på Fjell"
    assert str(event["LOCATION"]) == "Strømsø overfor Vestfoldbanen; Danvik, Austad og Fjell"
    description = str(event["DESCRIPTION"])
    assert "Fjell sanitetsforening" in description and f"{WEB}/min-side" in description
    assert "Kari Nordmann" not in description


def test_organisations_calendar_names_the_volunteer_and_links_to_its_needs():
    description = str(the_event(entry(side="organisation", volunteer_name="Kari Nordmann"))["DESCRIPTION"])
    assert "Kari Nordmann" in description and f"{WEB}/vare-behov" in description


def test_publish_and_cancel_share_the_uid_and_cancel_has_a_higher_sequence():
    e = entry()
    published, cancelled = the_event(e), the_event(e, CANCEL)
    assert str(published["UID"]) == str(cancelled["UID"]) == f"{MATCH_ID}@frivillig.drammen"
    assert cancelled.decoded("SEQUENCE") > published.decoded("SEQUENCE")
    assert str(cancelled["STATUS"]) == "CANCELLED" and str(published["STATUS"]) == "CONFIRMED"
    assert str(icalendar.Calendar.from_ical(calendar([e], CANCEL, now=NOW))["METHOD"]) == "CANCEL"
    assert cancelled.decoded("DTSTAMP") == NOW


def test_a_calendar_holds_one_event_per_entry_and_its_name():
    other = assignment_entry(match(id="0b8c1b9e-2f43-4a54-9b1e-7b0a3cf3c1d1"), weekly_need(from_date="2026-01-01"),
                             "Org", "volunteer", None, WEB)
    text = calendar([entry(), other], name="Mine oppdrag", now=NOW)
    assert len(events(text)) == 2
    assert str(icalendar.Calendar.from_ical(text)["X-WR-CALNAME"]) == "Mine oppdrag"


def test_an_empty_calendar_is_valid():
    assert events(calendar([], name="Mine oppdrag", now=NOW)) == []


def test_unknown_method_is_refused():
    with pytest.raises(ValueError):
        calendar([entry()], "REQUEST")


def test_entry_times_are_wall_clock_in_oslo():
    e = entry()
    assert e.start.tzinfo is OSLO and e.start.time() == time(17, 30)
