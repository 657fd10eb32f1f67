"""The district figures for staff: the CSV's byte-order mark, header and rows, the table's rows, the chart's two
series (or none when there is no unmet demand)."""
from __future__ import annotations

import codecs
import csv
import io

import pytest
from flask import Flask

from services.web.views.staff_figures import rows, stats_csv, unmet_chart

STATS = {
    "districts": [
        {"district": "konnerud", "open_needs": 2, "unfilled_slots": 3, "needs_without_candidates": 1, "proposals": 4,
         "confirmed_matches": 1, "median_minutes_to_first_proposal": 12.5, "attended_occurrences": 6,
         "attended_hours": 7.5},
        {"district": "fjell", "open_needs": 0, "unfilled_slots": 0, "needs_without_candidates": 0, "proposals": 0,
         "confirmed_matches": 0, "median_minutes_to_first_proposal": None},
    ],
    "totals": {"open_needs": 2, "unfilled_slots": 3, "needs_without_candidates": 1, "proposals": 4,
               "confirmed_matches": 1},
}


@pytest.fixture(autouse=True)
def page():
    with Flask(__name__).test_request_context("/"):
        yield


def parsed(text: str) -> list[list[str]]:
    """The CSV as a spreadsheet reads it: UTF-8 with its byte-order mark taken off."""
    return list(csv.reader(io.StringIO(text.encode("utf-8").decode("utf-8-sig"))))


def test_the_csv_starts_with_a_utf8_byte_order_mark_so_excel_reads_the_letters_aeoa():
    body = stats_csv(STATS).encode("utf-8")
    assert body.startswith(codecs.BOM_UTF8) and body.count(codecs.BOM_UTF8) == 1
    assert body[len(codecs.BOM_UTF8):].startswith(b"district,district_name,")
    assert "Strømsø".encode("utf-8") in body


def test_the_csv_has_a_header_row_then_one_row_per_district():
    table = parsed(stats_csv(STATS))
    assert table[0] == ["district", "district_name", "open_needs", "unfilled_slots", "needs_without_candidates",
                        "proposals", "confirmed_matches", "median_minutes_to_first_proposal", "attended_occurrences",
                        "attended_hours"]
    assert [row[0] for row in table[1:]] == ["konnerud", "fjell"]
    assert table[1] == ["konnerud", "Konnerud og Skoger vest", "2", "3", "1", "4", "1", "12.5", "6", "7.5"]


def test_a_missing_figure_is_an_empty_cell_and_a_name_with_commas_stays_one_cell():
    fjell = parsed(stats_csv(STATS))[2]
    assert fjell[1] == "Strømsø overfor Vestfoldbanen; Danvik, Austad og Fjell"
    assert fjell[-1] == ""


def test_lines_end_as_the_csv_standard_says():
    assert stats_csv(STATS).endswith("\r\n") and "\n" not in stats_csv(STATS).replace("\r\n", "")


def test_figures_the_matcher_adds_later_come_along_as_columns():
    stats = {"districts": [{**STATS["districts"][0], "attended": 5}]}
    table = parsed(stats_csv(stats))
    assert table[0][-1] == "attended" and table[1][-1] == "5"


def test_no_districts_is_a_header_alone():
    assert parsed(stats_csv({"districts": []})) == [parsed(stats_csv(STATS))[0]]


def test_the_table_rows_name_each_district():
    assert [row["name"] for row in rows(STATS)] == ["Konnerud og Skoger vest",
                                                    "Strømsø overfor Vestfoldbanen; Danvik, Austad og Fjell"]


def test_the_chart_shows_unfilled_places_and_needs_without_candidates_with_short_names():
    svg = str(unmet_chart(STATS))
    assert "Ubesatte plasser" in svg and "Behov uten kandidat" in svg
    assert ">Strømsø overfor Vestfoldbanen<" in svg and "Danvik" not in svg


def test_when_every_district_has_no_unmet_demand_there_is_no_chart():
    calm = {"districts": [{**row, "unfilled_slots": 0, "needs_without_candidates": None} for row in STATS["districts"]]}
    assert unmet_chart(calm) is None


def test_one_unmet_figure_anywhere_draws_the_chart():
    one = {"districts": [STATS["districts"][1], {**STATS["districts"][1], "needs_without_candidates": 1}]}
    assert "<svg" in str(unmet_chart(one))


def test_no_districts_at_all_draws_the_chart_saying_there_are_no_figures_yet():
    assert "Ingen tall ennå." in str(unmet_chart({"districts": []}))
