"""An assignment's occurrences (the Oslo dates its schedule produces) and the hours they add up to."""
from __future__ import annotations

from datetime import date, timezone
from decimal import Decimal

import pytest

from shared.occurrences import Tally, as_served, between, hours, on, parse_day, serving_since, tally
from shared.timeslots import OSLO, parse_schedule

WEEKLY = {"weekday": 2, "start_time": "17:30", "end_time": "19:00", "from_date": "2026-03-17",
          "until_date": "2026-04-07"}
UTC = timezone.utc


def _utc(occurrence) -> str:
    return occurrence.period.start.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def test_a_weekly_schedule_gives_each_of_its_weekdays_within_from_and_until():
    found = between(parse_schedule(WEEKLY), date(2026, 1, 1), date(2026, 12, 31))
    assert [o.key for o in found] == ["2026-03-17", "2026-03-24", "2026-03-31", "2026-04-07"]
    assert {o.minutes for o in found} == {90}


def test_the_wall_clock_time_holds_across_the_spring_and_autumn_changes():
    schedule = parse_schedule({"weekday": 2, "start_time": "17:30", "end_time": "19:00"})
    spring = between(schedule, date(2026, 3, 24), date(2026, 3, 31))
    autumn = between(schedule, date(2026, 10, 20), date(2026, 10, 27))
    assert [_utc(o) for o in spring] == ["2026-03-24 16:30", "2026-03-31 15:30"]
    assert [_utc(o) for o in autumn] == ["2026-10-20 15:30", "2026-10-27 16:30"]
    assert {o.period.start.astimezone(OSLO).strftime("%H:%M") for o in spring + autumn} == {"17:30"}


def test_a_slot_in_the_skipped_spring_hour_keeps_only_what_exists_on_the_clock():
    schedule = parse_schedule({"weekday": 7, "start_time": "02:00", "end_time": "04:00"})
    [skipped] = between(schedule, date(2026, 3, 29), date(2026, 3, 29))
    assert skipped.minutes == 60  # 03:00-04:00 summer time
    [ordinary] = between(schedule, date(2026, 4, 5), date(2026, 4, 5))
    assert ordinary.minutes == 120


def test_a_single_period_is_one_occurrence_on_its_oslo_date():
    period = parse_schedule({"start": "2026-06-05T23:30:00+00:00", "end": "2026-06-06T01:00:00+00:00"})
    [found] = between(period, date(2026, 6, 1), date(2026, 6, 30))
    assert found.key == "2026-06-06" and found.minutes == 90  # 01:30 in Oslo, the next day
    assert between(period, date(2026, 6, 7), date(2026, 6, 30)) == []


def test_a_stand_in_covers_only_its_one_date():
    schedule = parse_schedule(WEEKLY)
    assert [o.key for o in between(schedule, date(2026, 1, 1), date(2026, 12, 31), date(2026, 3, 24))] == [
        "2026-03-24"]
    assert between(schedule, date(2026, 4, 1), date(2026, 12, 31), date(2026, 3, 24)) == []
    assert on(schedule, date(2026, 3, 25)) is None and on(schedule, date(2026, 3, 24)).key == "2026-03-24"


def test_a_stand_ins_schedule_is_served_as_its_one_date():
    served = as_served(WEEKLY, {"for_date": "2026-03-24"})
    assert served == {"start": "2026-03-24T17:30:00+01:00", "end": "2026-03-24T19:00:00+01:00"}
    assert as_served(WEEKLY, {}) == WEEKLY


@pytest.mark.parametrize("text", ["2026-3-1", "20260301", "2026-02-30", "", "2026-03-01T00:00", None, 20260301])
def test_only_a_real_yyyy_mm_dd_date_is_read(text):
    with pytest.raises((ValueError, TypeError)):
        parse_day(text)


def test_occurrences_count_from_the_oslo_date_of_confirmation():
    assert serving_since({"confirmed_at": "2026-03-09T23:30:00+00:00"}) == date(2026, 3, 10)
    assert serving_since({"status": "proposed"}) is None


@pytest.mark.parametrize("minutes, expected", [(0, "0.0"), (75, "1.3"), (45, "0.8"), (90, "1.5"), (1, "0.0"),
                                               (3, "0.1"), (600, "10.0")])
def test_hours_have_one_decimal_with_halves_rounded_up(minutes, expected):
    assert hours(minutes) == Decimal(expected)


def test_attendance_adds_up_per_volunteer_and_absences_count_for_nothing():
    matches = [
        {"offer_id": "kari", "occurrences": {"2026-03-03": {"status": "attended", "minutes": 90},
                                             "2026-03-10": {"status": "no_show"},
                                             "2026-03-17": {"status": "absent"},
                                             "2026-05-05": {"status": "attended", "minutes": 60}}},
        {"offer_id": "ola", "occurrences": {"2026-03-03": {"status": "attended", "minutes": 45}}},
        {"offer_id": "per"},
    ]
    assert tally(matches, date(2026, 3, 1), date(2026, 3, 31)) == Tally(2, 1, 135, frozenset({"kari", "ola"}))
    assert tally(matches).minutes == 195 and tally(matches).hours == Decimal("3.3")
    assert tally(matches, date(2026, 4, 1)) == Tally(1, 0, 60, frozenset({"kari"}))
