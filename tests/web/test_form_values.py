"""What the forms read alike: clock times and dates as people and browsers write them, Oslo instants, the
languages offered."""
from __future__ import annotations

from datetime import date

import pytest

from services.web.form_values import LANGUAGES, calendar_day, clock, language_choices, oslo_iso


@pytest.mark.parametrize(("written", "read"), [("17:30", "17:30"), ("17.30", "17:30"), ("9.05", "09:05"),
                                               ("1730", "17:30"), ("9:05", "09:05"), ("7", "07:00"),
                                               (" 08:00 ", "08:00"), ("24:00", None), ("17:60", None),
                                               ("halv fem", None), ("", None), (None, None)])
def test_clock_times_are_read_as_people_write_them(written, read):
    assert clock(written) == read


@pytest.mark.parametrize(("written", "read"), [("2030-06-05", "2030-06-05"), ("5.6.2030", "2030-06-05"),
                                               ("05.06.2030", "2030-06-05"), (" 5.6.2030 ", "2030-06-05"),
                                               ("31.02.2030", None), ("2030-6-5", None), ("i morgen", None),
                                               ("", None), (None, None)])
def test_dates_are_read_as_browsers_and_people_write_them(written, read):
    day = calendar_day(written)
    assert (day.isoformat() if day else None) == read


@pytest.mark.parametrize(("day", "offset"), [(date(2030, 1, 15), "+01:00"), (date(2030, 7, 15), "+02:00")])
def test_an_oslo_date_and_time_is_the_instant_with_that_days_offset(day, offset):
    assert oslo_iso(day, "10:00") == f"{day.isoformat()}T10:00:00{offset}"


def test_a_language_the_list_does_not_have_stays_offered_once_ticked_so_an_edit_keeps_it():
    assert language_choices(["nb", "lt"]) == [*LANGUAGES, ("lt", "lt")]
    assert language_choices(None) == LANGUAGES
