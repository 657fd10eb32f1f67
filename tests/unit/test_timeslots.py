"""Tests for availability slots, need schedules and how they fit together."""

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shared.timeslots import (
    OSLO,
    Period,
    Schedule,
    WeeklySlot,
    first_date_from,
    fits,
    fits_any,
    is_over,
    local_weekday_and_times,
    occurrences,
    oslo_date,
    parse_schedule,
    parse_slot,
    schedule_to_dict,
    slot_minutes,
    slot_to_dict,
    spare_minutes,
)

SPRING_FORWARD = date(2026, 3, 29)
FALL_BACK = date(2026, 10, 25)
TUESDAY_EVENING = WeeklySlot(2, time(17, 0), time(20, 0))

quick = settings(max_examples=60, deadline=None)


def oslo(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An Oslo wall-clock moment."""
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


def period(start: str, end: str) -> Period:
    """A period from two ISO strings."""
    return Period(datetime.fromisoformat(start), datetime.fromisoformat(end))


def weekly(weekday: int, start: str, end: str, from_date: str | None = None, until_date: str | None = None) -> Schedule:
    """A weekly need schedule."""
    return Schedule(
        WeeklySlot(weekday, time.fromisoformat(start), time.fromisoformat(end)),
        date.fromisoformat(from_date) if from_date else None,
        date.fromisoformat(until_date) if until_date else None,
    )


def local_times(found: Period) -> tuple[time, time]:
    """The Oslo wall-clock start and end of a period."""
    return found.start.astimezone(UTC).astimezone(OSLO).time(), found.end.astimezone(UTC).astimezone(OSLO).time()


# Weekly availability against a weekly need.


def test_weekly_slot_covers_need_inside_it_on_same_weekday() -> None:
    assert fits(TUESDAY_EVENING, weekly(2, "17:30", "19:00"))


def test_weekly_slot_covers_need_with_exactly_the_same_times() -> None:
    assert fits(TUESDAY_EVENING, weekly(2, "17:00", "20:00", "2026-01-06", "2026-06-30"))


def test_weekly_slot_does_not_cover_need_on_another_weekday() -> None:
    assert not fits(TUESDAY_EVENING, weekly(3, "17:30", "19:00"))


def test_weekly_slot_does_not_cover_need_that_starts_before_it() -> None:
    assert not fits(TUESDAY_EVENING, weekly(2, "16:30", "19:00"))


def test_weekly_slot_does_not_cover_need_that_ends_after_it() -> None:
    assert not fits(TUESDAY_EVENING, weekly(2, "18:00", "20:30"))


def test_weekly_need_with_from_date_after_until_date_fits_nothing() -> None:
    need = weekly(2, "17:30", "19:00", "2026-06-30", "2026-01-06")
    assert not fits(TUESDAY_EVENING, need)
    assert not fits(period("2026-01-01T00:00:00+01:00", "2026-12-31T00:00:00+01:00"), need)


def test_weekly_need_without_any_occurrence_fits_nothing() -> None:
    need = weekly(2, "17:30", "19:00", "2026-01-07", "2026-01-12")
    assert not fits(TUESDAY_EVENING, need)
    assert not fits(period("2026-01-01T00:00:00+01:00", "2026-02-01T00:00:00+01:00"), need)


def test_weekly_need_lying_wholly_in_the_skipped_spring_hour_fits_nothing() -> None:
    need = weekly(7, "02:00", "02:45", "2026-03-29", "2026-03-29")
    assert not fits(WeeklySlot(7, time(0, 0), time(6, 0)), need)


# Weekly availability against a single-period need.


def test_single_need_fits_weekly_slot_on_its_weekday_in_winter() -> None:
    assert fits(TUESDAY_EVENING, Schedule(period("2026-01-06T17:30:00+01:00", "2026-01-06T19:00:00+01:00")))


def test_single_need_fits_weekly_slot_on_its_weekday_across_dst() -> None:
    summer_need = Schedule(period("2026-07-07T15:00:00+00:00", "2026-07-07T17:30:00+00:00"))
    assert local_weekday_and_times(summer_need.slot) == (2, time(17, 0), time(19, 30))
    assert fits(TUESDAY_EVENING, summer_need)


def test_single_need_at_the_same_utc_time_in_winter_starts_before_the_weekly_slot() -> None:
    winter_need = Schedule(period("2026-01-06T15:00:00+00:00", "2026-01-06T17:30:00+00:00"))
    assert not fits(TUESDAY_EVENING, winter_need)


def test_single_need_on_another_weekday_does_not_fit_weekly_slot() -> None:
    assert not fits(TUESDAY_EVENING, Schedule(period("2026-01-07T17:30:00+01:00", "2026-01-07T19:00:00+01:00")))


def test_single_need_running_past_the_weekly_slot_does_not_fit() -> None:
    assert not fits(TUESDAY_EVENING, Schedule(period("2026-01-06T17:30:00+01:00", "2026-01-06T20:30:00+01:00")))


def test_single_need_spanning_two_local_days_does_not_fit_weekly_slot() -> None:
    late = WeeklySlot(2, time(0, 0), time(23, 59))
    assert not fits(late, Schedule(period("2026-01-06T22:00:00+01:00", "2026-01-07T01:00:00+01:00")))


def test_single_need_fits_weekly_slot_on_the_spring_forward_sunday_by_wall_clock() -> None:
    night = WeeklySlot(7, time(1, 0), time(5, 0))
    need = Schedule(period("2026-03-29T01:30:00+01:00", "2026-03-29T04:00:00+02:00"))
    assert fits(night, need)
    assert spare_minutes(night, need) == 240 - 150


def test_single_need_fits_weekly_slot_on_the_fall_back_sunday_by_wall_clock() -> None:
    night = WeeklySlot(7, time(1, 0), time(5, 0))
    assert fits(night, Schedule(period("2026-10-25T01:30:00+02:00", "2026-10-25T04:00:00+01:00")))
    assert not fits(night, Schedule(period("2026-10-25T00:30:00+02:00", "2026-10-25T04:00:00+01:00")))


def test_single_need_crossing_the_repeated_autumn_hour_backwards_does_not_fit() -> None:
    need = Schedule(period("2026-10-25T02:45:00+02:00", "2026-10-25T02:15:00+01:00"))
    assert not fits(WeeklySlot(7, time(2, 0), time(2, 50)), need)


# Single-period availability against a single-period need.


def test_single_slot_covers_single_need_inside_it() -> None:
    available = period("2026-06-05T10:00:00+02:00", "2026-06-05T16:00:00+02:00")
    assert fits(available, Schedule(period("2026-06-05T08:00:00+00:00", "2026-06-05T14:00:00+00:00")))


def test_single_slot_does_not_cover_single_need_ending_after_it() -> None:
    available = period("2026-06-05T10:00:00+02:00", "2026-06-05T16:00:00+02:00")
    assert not fits(available, Schedule(period("2026-06-05T12:00:00+02:00", "2026-06-05T16:01:00+02:00")))


def test_single_slot_does_not_cover_single_need_starting_before_it() -> None:
    available = period("2026-06-05T10:00:00+02:00", "2026-06-05T16:00:00+02:00")
    assert not fits(available, Schedule(period("2026-06-05T09:59:00+02:00", "2026-06-05T12:00:00+02:00")))


def test_single_slot_compares_real_instants_across_the_spring_forward_night() -> None:
    available = period("2026-03-29T01:00:00+01:00", "2026-03-29T04:00:00+02:00")
    assert fits(available, Schedule(period("2026-03-29T00:00:00+00:00", "2026-03-29T02:00:00+00:00")))
    assert not fits(available, Schedule(period("2026-03-29T00:00:00+00:00", "2026-03-29T02:01:00+00:00")))


# Single-period availability against a weekly need.


def test_single_slot_covers_bounded_weekly_need_whose_occurrences_all_lie_inside() -> None:
    available = period("2026-03-01T00:00:00+01:00", "2026-04-30T00:00:00+02:00")
    need = weekly(2, "17:30", "19:00", "2026-03-01", "2026-04-28")
    assert fits(available, need)
    assert spare_minutes(available, need) == slot_minutes(available) - 9 * 90


def test_single_slot_does_not_cover_weekly_need_without_until_date() -> None:
    available = period("2026-03-01T00:00:00+01:00", "2026-04-30T00:00:00+02:00")
    assert not fits(available, weekly(2, "17:30", "19:00", "2026-03-01"))


def test_single_slot_does_not_cover_weekly_need_with_an_occurrence_outside_it() -> None:
    available = period("2026-03-01T00:00:00+01:00", "2026-04-28T18:00:00+02:00")
    assert not fits(available, weekly(2, "17:30", "19:00", "2026-03-01", "2026-04-28"))


# Several slots, spare minutes and lengths.


def test_any_slot_of_several_is_enough() -> None:
    need = weekly(2, "17:30", "19:00")
    assert fits_any([WeeklySlot(1, time(9), time(12)), TUESDAY_EVENING], need)
    assert not fits_any([WeeklySlot(1, time(9), time(12))], need)
    assert not fits_any([], need)


def test_spare_minutes_counts_unused_minutes_of_the_weekly_slot() -> None:
    assert spare_minutes(TUESDAY_EVENING, weekly(2, "17:30", "19:00")) == 90


def test_spare_minutes_is_zero_when_the_need_does_not_fit() -> None:
    assert spare_minutes(TUESDAY_EVENING, weekly(3, "17:30", "19:00")) == 0


def test_weekly_slot_length_is_its_wall_clock_length() -> None:
    assert slot_minutes(TUESDAY_EVENING) == 180


def test_period_length_is_real_elapsed_time_across_dst() -> None:
    assert slot_minutes(Period(oslo(2026, 3, 29, 0), oslo(2026, 3, 29, 6))) == 5 * 60
    assert slot_minutes(Period(oslo(2026, 10, 25, 0), oslo(2026, 10, 25, 6))) == 7 * 60


# Occurrences and daylight saving.


def test_tuesday_evening_slot_is_at_five_local_time_in_january_and_in_july() -> None:
    need = Schedule(TUESDAY_EVENING)
    january = occurrences(need, oslo(2026, 1, 1), oslo(2026, 1, 8))
    july = occurrences(need, oslo(2026, 7, 1), oslo(2026, 7, 8))
    assert [found.start.astimezone(UTC) for found in january] == [datetime(2026, 1, 6, 16, tzinfo=UTC)]
    assert [found.start.astimezone(UTC) for found in july] == [datetime(2026, 7, 7, 15, tzinfo=UTC)]
    assert local_times(january[0]) == local_times(july[0]) == (time(17), time(20))


def test_sunday_slot_keeps_its_wall_clock_times_around_both_dst_changes() -> None:
    need = weekly(7, "10:00", "12:00")
    for sunday in (SPRING_FORWARD, FALL_BACK):
        window = datetime.combine(sunday - timedelta(days=7), time(), tzinfo=OSLO)
        found = occurrences(need, window, window + timedelta(days=15))
        assert [item.start.date() for item in found] == [sunday - timedelta(days=7), sunday, sunday + timedelta(days=7)]
        assert all(local_times(item) == (time(10), time(12)) for item in found)
        assert all(slot_minutes(item) == 120 for item in found)


def test_night_occurrence_is_an_hour_shorter_on_the_spring_forward_sunday() -> None:
    found = occurrences(weekly(7, "01:00", "04:00"), oslo(2026, 3, 29), oslo(2026, 3, 30))
    assert [slot_minutes(item) for item in found] == [120]


def test_night_occurrence_is_an_hour_longer_on_the_fall_back_sunday() -> None:
    found = occurrences(weekly(7, "01:00", "04:00"), oslo(2026, 10, 25), oslo(2026, 10, 26))
    assert [slot_minutes(item) for item in found] == [240]
    assert found[0].start.utcoffset() == timedelta(hours=2)


def test_occurrence_starting_in_the_skipped_hour_starts_when_the_clocks_jump() -> None:
    found = occurrences(weekly(7, "02:30", "03:30"), oslo(2026, 3, 29), oslo(2026, 3, 30))
    assert [(item.start.astimezone(UTC), item.end.astimezone(UTC)) for item in found] == [
        (datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    ]


def test_occurrence_wholly_in_the_skipped_hour_does_not_happen() -> None:
    assert occurrences(weekly(7, "02:00", "02:45"), oslo(2026, 3, 22), oslo(2026, 4, 6)) == [
        Period(oslo(2026, 3, 22, 2), oslo(2026, 3, 22, 2, 45)),
        Period(oslo(2026, 4, 5, 2), oslo(2026, 4, 5, 2, 45)),
    ]


def test_occurrence_starting_in_the_repeated_autumn_hour_takes_the_first_pass() -> None:
    found = occurrences(weekly(7, "02:30", "03:30"), oslo(2026, 10, 25), oslo(2026, 10, 26))
    assert found[0].start.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert slot_minutes(found[0]) == 120


def test_occurrences_respect_from_and_until_dates_inclusively() -> None:
    need = weekly(2, "17:30", "19:00", "2026-01-06", "2026-01-20")
    found = occurrences(need, oslo(2025, 12, 1), oslo(2026, 3, 1))
    assert [item.start.date() for item in found] == [date(2026, 1, 6), date(2026, 1, 13), date(2026, 1, 20)]


def test_occurrences_include_the_window_start_and_exclude_the_window_end() -> None:
    need = weekly(2, "17:00", "20:00")
    assert len(occurrences(need, oslo(2026, 1, 6, 17), oslo(2026, 1, 13, 17))) == 1


def test_single_period_need_occurs_once_in_oslo_time() -> None:
    need = Schedule(period("2026-06-05T08:00:00+00:00", "2026-06-05T14:00:00+00:00"))
    assert occurrences(need, oslo(2026, 6, 1), oslo(2026, 7, 1)) == [need.slot]
    assert occurrences(need, oslo(2026, 6, 1), oslo(2026, 7, 1))[0].start.tzinfo is OSLO
    assert occurrences(need, oslo(2026, 6, 5, 11), oslo(2026, 7, 1)) == []


def test_occurrences_need_an_aware_window() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        occurrences(Schedule(TUESDAY_EVENING), datetime(2026, 1, 1), oslo(2026, 2, 1))


# Whether a need is over.


def test_single_need_is_over_once_it_has_started() -> None:
    need = Schedule(period("2026-06-05T10:00:00+02:00", "2026-06-05T16:00:00+02:00"))
    assert not is_over(need, oslo(2026, 6, 5, 10))
    assert is_over(need, oslo(2026, 6, 5, 10, 1))


def test_weekly_need_without_until_date_is_never_over() -> None:
    assert not is_over(weekly(2, "17:30", "19:00", "2020-01-07"), oslo(2099, 1, 1))


def test_weekly_need_is_over_after_its_last_occurrence_starts() -> None:
    need = weekly(2, "17:30", "19:00", "2026-01-06", "2026-06-30")
    assert not is_over(need, oslo(2026, 6, 30, 17, 30))
    assert is_over(need, oslo(2026, 6, 30, 17, 31))


def test_weekly_need_with_inverted_dates_is_over() -> None:
    assert is_over(weekly(2, "17:30", "19:00", "2026-06-30", "2026-01-06"), oslo(2020, 1, 1))


# Local weekday and times of a period.


def test_period_within_one_local_day_gives_weekday_and_local_times() -> None:
    found = local_weekday_and_times(period("2026-06-05T08:00:00+00:00", "2026-06-05T14:00:00+00:00"))
    assert found == (5, time(10), time(16))


def test_period_crossing_local_midnight_gives_none() -> None:
    assert local_weekday_and_times(period("2026-06-05T21:00:00+00:00", "2026-06-05T23:00:00+00:00")) is None


# Parsing and writing the JSON contract.


def test_weekly_slot_round_trips_through_json() -> None:
    data = {"weekday": 2, "start_time": "17:00", "end_time": "20:00"}
    assert parse_slot(data) == TUESDAY_EVENING
    assert slot_to_dict(parse_slot(data)) == data


def test_single_slot_round_trips_through_json() -> None:
    data = {"start": "2026-06-05T10:00:00+02:00", "end": "2026-06-05T16:00:00+02:00"}
    assert slot_to_dict(parse_slot(data)) == data


def test_naive_datetimes_are_read_as_oslo_time() -> None:
    parsed = parse_slot({"start": "2026-06-05T10:00:00", "end": "2026-06-05T16:00:00"})
    assert parsed == period("2026-06-05T08:00:00+00:00", "2026-06-05T14:00:00+00:00")


def test_naive_datetime_in_the_skipped_spring_hour_is_read_as_the_jump() -> None:
    parsed = parse_slot({"start": "2026-03-29T02:30:00", "end": "2026-03-29T04:00:00"})
    assert parsed.start == datetime(2026, 3, 29, 1, tzinfo=UTC)


def test_weekly_schedule_round_trips_through_json() -> None:
    data = {"weekday": 2, "start_time": "17:30", "end_time": "19:00", "from_date": "2026-01-06", "until_date": "2026-06-30"}
    assert parse_schedule(data) == weekly(2, "17:30", "19:00", "2026-01-06", "2026-06-30")
    assert schedule_to_dict(parse_schedule(data)) == data


def test_schedule_to_dict_omits_missing_dates() -> None:
    assert schedule_to_dict(weekly(2, "17:30", "19:00", until_date="2026-06-30")) == {
        "weekday": 2,
        "start_time": "17:30",
        "end_time": "19:00",
        "until_date": "2026-06-30",
    }


def test_single_period_schedule_round_trips_through_json() -> None:
    data = {"start": "2026-06-05T10:00:00+02:00", "end": "2026-06-05T16:00:00+02:00"}
    assert schedule_to_dict(parse_schedule(data)) == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "needs either"),
        ({"weekday": 8, "start_time": "10:00", "end_time": "11:00"}, "weekday"),
        ({"weekday": True, "start_time": "10:00", "end_time": "11:00"}, "weekday"),
        ({"weekday": "2", "start_time": "10:00", "end_time": "11:00"}, "weekday"),
        ({"weekday": 2, "end_time": "11:00"}, "missing 'start_time'"),
        ({"weekday": 2, "start_time": "10", "end_time": "11:00"}, "'start_time' must be a time"),
        ({"weekday": 2, "start_time": "24:00", "end_time": "11:00"}, "'start_time' must be a time"),
        ({"weekday": 2, "start_time": "11:00", "end_time": "10:00"}, "must be after start"),
        ({"weekday": 2, "start_time": "10:00", "end_time": "10:00"}, "must be after start"),
        ({"start": "2026-06-05T10:00:00+02:00"}, "missing 'end'"),
        ({"start": "tomorrow", "end": "2026-06-05T16:00:00+02:00"}, "'start' must be an ISO 8601"),
        ({"start": 1780000000, "end": "2026-06-05T16:00:00+02:00"}, "'start' must be an ISO 8601"),
        ({"start": "2026-06-05T16:00:00+02:00", "end": "2026-06-05T10:00:00+02:00"}, "must be after start"),
        ({"weekday": 2, "start": "2026-06-05T10:00:00+02:00", "end": "2026-06-05T16:00:00+02:00"}, "not both"),
    ],
)
def test_bad_slot_is_rejected_with_a_clear_message(data: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_slot(data)


def test_slot_that_is_not_an_object_is_rejected() -> None:
    with pytest.raises(ValueError, match="JSON object"):
        parse_slot(["weekday", 2])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weekday": 2, "start_time": "17:30", "end_time": "19:00", "from_date": "06.01.2026"}, "'from_date' must be a date"),
        ({"weekday": 2, "start_time": "17:30", "end_time": "19:00", "until_date": 20260630}, "'until_date' must be a date"),
        (
            {"weekday": 2, "start_time": "17:30", "end_time": "19:00", "from_date": "2026-06-30", "until_date": "2026-01-06"},
            "must not be after",
        ),
        (
            {"start": "2026-06-05T10:00:00+02:00", "end": "2026-06-05T16:00:00+02:00", "from_date": "2026-06-01"},
            "only apply to a weekly",
        ),
    ],
)
def test_bad_schedule_is_rejected_with_a_clear_message(data: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_schedule(data)


def test_slots_reject_naive_period_bounds() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Period(datetime(2026, 6, 5, 10), datetime(2026, 6, 5, 16))


# Properties.

minutes_of_day = st.integers(min_value=0, max_value=24 * 60 - 1)
days_of_2026 = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))
offsets = st.sampled_from([OSLO, UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))])


def as_time(minute: int) -> time:
    """A time of day from minutes since midnight."""
    return time(minute // 60, minute % 60)


@st.composite
def weekly_slots(draw: st.DrawFn) -> WeeklySlot:
    """Any weekly slot."""
    start, end = sorted(draw(st.lists(minutes_of_day, min_size=2, max_size=2, unique=True)))
    return WeeklySlot(draw(st.integers(1, 7)), as_time(start), as_time(end))


@st.composite
def periods(draw: st.DrawFn) -> Period:
    """A period somewhere in 2026, written in one of several offsets."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    start = base + timedelta(minutes=draw(st.integers(0, 365 * 24 * 60)))
    end = start + timedelta(minutes=draw(st.integers(1, 3 * 24 * 60)))
    zone = draw(offsets)
    return Period(start.astimezone(zone), end.astimezone(zone))


@st.composite
def one_day_periods(draw: st.DrawFn) -> Period:
    """A period within one Oslo day, built from wall-clock times."""
    day = draw(days_of_2026)
    start, end = sorted(draw(st.lists(minutes_of_day, min_size=2, max_size=2, unique=True)))
    found = Period(datetime.combine(day, as_time(start), tzinfo=OSLO), datetime.combine(day, as_time(end), tzinfo=OSLO))
    assume(local_weekday_and_times(found) is not None)
    return found


@st.composite
def weekly_schedules(draw: st.DrawFn) -> Schedule:
    """A weekly need, with or without date bounds."""
    slot = draw(weekly_slots())
    from_date = draw(st.none() | days_of_2026)
    span = draw(st.none() | st.integers(0, 60))
    until_date = from_date + timedelta(days=span) if from_date and span is not None else None
    return Schedule(slot, from_date, until_date)


def widened(slot: WeeklySlot, earlier: int, later: int) -> WeeklySlot:
    """The same weekly slot stretched by some minutes on either side, within the day."""
    start = max(0, slot.start.hour * 60 + slot.start.minute - earlier)
    end = min(24 * 60 - 1, slot.end.hour * 60 + slot.end.minute + later)
    return WeeklySlot(slot.weekday, as_time(start), as_time(end))


@quick
@given(weekly_slots())
def test_weekly_slot_always_fits_itself(slot: WeeklySlot) -> None:
    assert fits(slot, Schedule(slot))
    assert spare_minutes(slot, Schedule(slot)) == 0


@quick
@given(periods())
def test_single_slot_always_fits_itself(slot: Period) -> None:
    assert fits(slot, Schedule(slot))
    assert spare_minutes(slot, Schedule(slot)) == 0


@quick
@given(
    weekly_slots(),
    st.integers(0, 600),
    st.integers(0, 600),
    st.one_of(weekly_schedules(), one_day_periods().map(Schedule)),
)
def test_weekly_fit_is_monotone_in_the_availability(
    available: WeeklySlot, earlier: int, later: int, need: Schedule
) -> None:
    if fits(available, need):
        assert fits(widened(available, earlier, later), need)


@quick
@given(weekly_slots(), st.integers(0, 600), st.integers(0, 600), st.integers(0, 600), st.integers(0, 600))
def test_weekly_slot_containing_a_need_fits_it_and_a_wider_one_does_too(
    need_slot: WeeklySlot, earlier: int, later: int, more_earlier: int, more_later: int
) -> None:
    need = Schedule(need_slot)
    inner = widened(need_slot, earlier, later)
    outer = widened(inner, more_earlier, more_later)
    assert fits(inner, need) and fits(outer, need)
    assert spare_minutes(outer, need) >= spare_minutes(inner, need) >= 0


@quick
@given(periods(), st.integers(0, 3000), st.integers(0, 3000), st.one_of(periods().map(Schedule), weekly_schedules()))
def test_single_slot_fit_is_monotone_in_the_availability(
    available: Period, earlier: int, later: int, need: Schedule
) -> None:
    wider = Period(available.start - timedelta(minutes=earlier), available.end + timedelta(minutes=later))
    if fits(available, need):
        assert fits(wider, need)


@quick
@given(st.one_of(weekly_slots(), periods()), st.one_of(weekly_schedules(), periods().map(Schedule)))
def test_spare_minutes_are_never_negative_and_only_positive_when_fitting(
    available: WeeklySlot | Period, need: Schedule
) -> None:
    spare = spare_minutes(available, need)
    assert spare >= 0
    if not fits(available, need):
        assert spare == 0


@quick
@given(weekly_slots(), weekly_slots())
def test_weekly_fit_agrees_with_a_minute_by_minute_check(available: WeeklySlot, need: WeeklySlot) -> None:
    def minutes(slot: WeeklySlot) -> set[int]:
        first = slot.weekday * 1440 + slot.start.hour * 60 + slot.start.minute
        return set(range(first, first + slot_minutes(slot)))

    assert fits(available, Schedule(need)) == (minutes(need) <= minutes(available))


@quick
@given(st.integers(0, 240), st.integers(1, 120), st.integers(0, 240), st.integers(1, 120))
def test_single_containment_agrees_with_a_minute_by_minute_check(
    available_start: int, available_length: int, need_start: int, need_length: int
) -> None:
    night = datetime(2026, 3, 28, 23, tzinfo=UTC)

    def at(minute: int) -> datetime:
        return (night + timedelta(minutes=minute)).astimezone(OSLO)

    available = Period(at(available_start), at(available_start + available_length))
    need = Period(at(need_start), at(need_start + need_length))
    available_minutes = set(range(available_start, available_start + available_length))
    need_minutes = set(range(need_start, need_start + need_length))
    assert fits(available, Schedule(need)) == (need_minutes <= available_minutes)


@quick
@given(weekly_schedules().filter(lambda need: need.from_date is not None and need.until_date is not None))
def test_occurrences_fall_on_the_weekday_at_the_local_times_between_the_dates(need: Schedule) -> None:
    slot = need.slot
    assert isinstance(slot, WeeklySlot) and need.from_date and need.until_date
    window_start = datetime.combine(need.from_date - timedelta(days=3), time(), tzinfo=OSLO)
    found = occurrences(need, window_start, window_start + timedelta(days=80))
    expected_days = [
        day
        for offset in range((need.until_date - need.from_date).days + 1)
        if (day := need.from_date + timedelta(days=offset)).isoweekday() == slot.weekday
    ]
    ordinary_days = [day for day in expected_days if day not in (SPRING_FORWARD, FALL_BACK)]
    assert [item.start.date() for item in found if item.start.date() not in (SPRING_FORWARD, FALL_BACK)] == ordinary_days
    for item in found:
        local_start = item.start.astimezone(UTC).astimezone(OSLO)
        assert need.from_date <= local_start.date() <= need.until_date
        assert local_start.isoweekday() == slot.weekday
        assert item.start.tzinfo is OSLO and item.end.tzinfo is OSLO
        if local_start.date() not in (SPRING_FORWARD, FALL_BACK):
            assert local_times(item) == (slot.start, slot.end)
            assert local_weekday_and_times(item) == (slot.weekday, slot.start, slot.end)
            assert fits(slot, Schedule(item))
    assert fits(Period(window_start, window_start + timedelta(days=80)), need) == bool(found)


@quick
@given(weekly_schedules(), st.integers(0, 400 * 24 * 60))
def test_is_over_means_no_occurrence_starts_from_now_on(need: Schedule, minutes: int) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    upcoming = occurrences(need, now, now + timedelta(days=500))
    if need.until_date is None:
        assert not is_over(need, now)
    else:
        assert is_over(need, now) == (upcoming == [])


@quick
@given(st.one_of(weekly_slots(), periods()))
def test_slots_round_trip_through_json(slot: WeeklySlot | Period) -> None:
    assert parse_slot(slot_to_dict(slot)) == slot


@quick
@given(st.one_of(weekly_schedules(), periods().map(Schedule)))
def test_schedules_round_trip_through_json(schedule: Schedule) -> None:
    assert parse_schedule(schedule_to_dict(schedule)) == schedule


@pytest.mark.parametrize("instant, day", [
    ("2026-03-02T22:59:00+00:00", "2026-03-02"),
    ("2026-03-02T23:00:00+00:00", "2026-03-03"),   # midnight in Oslo in winter (UTC+1)
    ("2026-07-01T22:00:00+00:00", "2026-07-02"),   # midnight in Oslo in summer (UTC+2)
])
def test_today_is_the_oslo_date_not_the_utc_date(instant: str, day: str) -> None:
    assert oslo_date(datetime.fromisoformat(instant)) == date.fromisoformat(day)


@pytest.mark.parametrize("schedule, today, first", [
    ({"weekday": 2, "start_time": "17:30", "end_time": "19:00"}, "2026-03-04", "2026-03-10"),
    ({"weekday": 2, "start_time": "17:30", "end_time": "19:00"}, "2026-03-03", "2026-03-03"),
    ({"weekday": 2, "start_time": "17:30", "end_time": "19:00", "from_date": "2026-04-01"}, "2026-03-03", "2026-04-07"),
    ({"weekday": 2, "start_time": "17:30", "end_time": "19:00", "until_date": "2026-03-09"}, "2026-03-04", None),
    ({"weekday": 7, "start_time": "02:10", "end_time": "02:50"}, "2026-03-29", "2026-04-05"),  # the skipped hour
    ({"start": "2026-06-05T10:00:00+02:00", "end": "2026-06-05T16:00:00+02:00"}, "2026-06-05", "2026-06-05"),
    ({"start": "2026-06-05T10:00:00+02:00", "end": "2026-06-05T16:00:00+02:00"}, "2026-06-06", None),
])
def test_the_first_date_a_need_takes_place_from_a_day_on(schedule: dict, today: str, first: str | None) -> None:
    expected = date.fromisoformat(first) if first else None
    assert first_date_from(parse_schedule(schedule), date.fromisoformat(today)) == expected
