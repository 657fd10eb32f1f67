"""The hours report: its dates, its rows per organisation and district, and its CSV."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from shared.directory import TokenInfo
from shared.errors import Forbidden, InvalidInput
from services.matcher.reports import HEADER, file_name, hours, period, rows, scope_of, tallies, to_csv

TODAY = date(2026, 5, 14)
FIRST, LAST = date(2026, 1, 1), date(2026, 12, 31)
NEEDS = {"n1": {"_id": "n1", "organisation_id": "o1", "district": "fjell"},
         "n2": {"_id": "n2", "organisation_id": "o1", "district": "konnerud"},
         "n3": {"_id": "n3", "organisation_id": "o2", "district": "fjell"}}


def attended(minutes: int) -> dict:
    return {"status": "attended", "minutes": minutes, "by": "organisation", "recorded_at": "2026-03-03T20:00:00+00:00"}


NO_SHOW = {"status": "no_show", "by": "organisation"}
ABSENT = {"status": "absent", "by": "volunteer", "reason": "paused"}


def match(need_id: str, offer_id: str, status: str = "confirmed", **recorded: dict) -> dict:
    return {"_id": f"m-{need_id}-{offer_id}", "need_id": need_id, "offer_id": offer_id, "status": status,
            "organisation_id": NEEDS[need_id]["organisation_id"],
            "occurrences": {day.replace("_", "-").lstrip("d"): record for day, record in recorded.items()}}


def test_the_report_defaults_to_this_year_until_today():
    assert period(None, None, TODAY) == (date(2026, 1, 1), TODAY)


def test_a_report_up_to_a_date_starts_on_1_january_of_that_year():
    assert period(None, "2025-06-30", TODAY) == (date(2025, 1, 1), date(2025, 6, 30))


def test_empty_dates_from_a_form_are_the_defaults():
    assert period("", " ", TODAY) == (date(2026, 1, 1), TODAY)


def test_both_dates_given_are_kept_and_included():
    assert period("2024-03-01", "2024-03-01", TODAY) == (date(2024, 3, 1), date(2024, 3, 1))


@pytest.mark.parametrize("first, last, field", [
    ("2026-13-01", None, "from"), ("1.1.2026", None, "from"), ("2026-1-1", None, "from"), (None, "i dag", "to"),
    ("1999-12-31", "2000-01-01", "from"), ("2026-05-02", "2026-05-01", "to"), ("2023-01-01", "2026-01-01", "to"),
    ("2024-02-29", "2027-03-01", "to"),
])
def test_a_bad_date_a_reversed_range_or_one_over_three_years_is_refused(first, last, field):
    with pytest.raises(InvalidInput) as refused:
        period(first, last, TODAY)
    assert field in refused.value.fields


def test_three_years_to_the_day_are_allowed():
    assert period("2023-01-01", "2025-12-31", TODAY) == (date(2023, 1, 1), date(2025, 12, 31))


def test_rows_add_up_attendance_per_organisation_and_district():
    matches = [match("n1", "kari", d2026_03_03=attended(90), d2026_03_10=attended(60), d2026_03_17=NO_SHOW),
               match("n1", "ola", "ended", d2026_03_24=attended(90), d2026_03_31=ABSENT),
               match("n2", "kari", d2026_04_01=NO_SHOW),
               match("n3", "per", d2026_03_03=attended(30))]
    found = tallies(matches, NEEDS, FIRST, LAST)
    assert rows(found, {"o1": "Konnerud Sanitetsforening", "o2": "Fjell bo- og omsorgssenter (Drammen kommune)"}) == [
        ["o2", "Fjell bo- og omsorgssenter (Drammen kommune)", "fjell", 1, 0, 30, "0.5", 1],
        ["o1", "Konnerud Sanitetsforening", "fjell", 3, 1, 240, "4.0", 2],
        ["o1", "Konnerud Sanitetsforening", "konnerud", 0, 1, 0, "0.0", 0],
    ]


def test_only_occurrences_within_the_dates_count():
    matches = [match("n1", "kari", d2025_12_30=attended(90), d2026_01_06=attended(60), d2027_01_05=attended(30))]
    assert [r[3:6] for r in rows(tallies(matches, NEEDS, FIRST, LAST), {})] == [[1, 0, 60]]


def test_an_organisation_sees_only_its_own_needs():
    matches = [match("n1", "kari", d2026_03_03=attended(90)), match("n3", "per", d2026_03_03=attended(30))]
    assert list(tallies(matches, NEEDS, FIRST, LAST, organisation_id="o2")) == [("o2", "fjell")]


def test_absences_alone_make_no_row():
    assert tallies([match("n1", "kari", d2026_03_03=ABSENT)], NEEDS, FIRST, LAST) == {}


def test_the_csv_has_the_header_row_and_no_volunteer():
    found = tallies([match("n1", "kari", d2026_03_03=attended(75))], NEEDS, FIRST, LAST)
    text = to_csv(rows(found, {"o1": "Lag, «æøå»"}))
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed == [list(HEADER), ["o1", "Lag, «æøå»", "fjell", "1", "0", "75", "1.3", "1"]]
    assert "kari" not in text


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\")", "+47", "-1", "@SUM(A1)"])
def test_an_organisation_name_a_spreadsheet_would_run_is_written_as_text(name):
    [row] = rows(tallies([match("n1", "kari", d2026_03_03=attended(60))], NEEDS, FIRST, LAST), {"o1": name})
    assert row[1] == "'" + name


@pytest.mark.parametrize("minutes, shown", [(0, "0.0"), (3, "0.1"), (2, "0.0"), (75, "1.3"), (45, "0.8"),
                                             (90, "1.5"), (12345, "205.8")])
def test_hours_have_one_decimal_and_halves_round_up(minutes, shown):
    assert str(hours(minutes)) == shown


def test_the_file_is_named_after_its_dates():
    assert file_name(date(2026, 1, 1), date(2026, 5, 14)) == "timer-2026-01-01-2026-05-14.csv"


def test_staff_report_on_everyone_an_organisation_on_itself_and_nobody_else_gets_one():
    assert scope_of(TokenInfo(True, "staff")) is None
    assert scope_of(TokenInfo(True, "organisation", organisation_id="o1")) == "o1"
    for who in (TokenInfo(True, "volunteer", offer_id="x"), TokenInfo(True, "service")):
        with pytest.raises(Forbidden):
            scope_of(who)
