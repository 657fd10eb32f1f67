"""The server-drawn bar chart: bars in proportion, every bar labelled with its number, named for screen readers."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from services.web.chart import Group, Series, bar_chart, bar_length, number_text

SVG = "{http://www.w3.org/2000/svg}"
SERIES = [Series("unfilled_slots", "Ubesatte plasser", "#0a4f8f"),
          Series("needs_without_candidates", "Behov uten kandidat", "#8a5300")]


def drawn(groups: list[Group]) -> ET.Element:
    return ET.fromstring(str(bar_chart(groups, SERIES, "Udekket behov", "Per bydel", ident="c", empty="Ingen tall")))


def bars(svg: ET.Element) -> list[ET.Element]:
    """The bars, without the legend's swatches (which are the only rects with no title)."""
    return [rect for rect in svg.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]


def texts(svg: ET.Element) -> list[str]:
    return [text.text for text in svg.iter(f"{SVG}text")]


@pytest.mark.parametrize("value, largest, span, length", [
    (10, 10, 300, 300), (5, 10, 300, 150), (1, 3, 300, 100), (0, 10, 300, 0), (4, 0, 300, 0), (12, 10, 300, 300)])
def test_a_bar_is_as_long_as_its_share_of_the_largest_value(value, largest, span, length):
    assert bar_length(value, largest, span) == length


def test_the_largest_bar_fills_the_span_and_the_others_scale_with_it():
    widths = [float(rect.get("width")) for rect in bars(drawn([Group("Fjell", {"unfilled_slots": 8,
                                                                                "needs_without_candidates": 2}),
                                                                 Group("Konnerud", {"unfilled_slots": 4})]))]
    assert widths[0] == max(widths) > 0
    assert widths[1] == pytest.approx(widths[0] / 4, abs=0.1)
    assert widths[2] == pytest.approx(widths[0] / 2, abs=0.1)
    assert widths[3] == 0  # a missing figure is a zero


def test_every_bar_is_labelled_with_its_number_and_every_group_with_its_name():
    svg = drawn([Group("Fjell", {"unfilled_slots": 3, "needs_without_candidates": 0}),
                 Group("Bragernes & Øren", {"unfilled_slots": 1, "needs_without_candidates": 2})])
    shown = texts(svg)
    assert ["Fjell", "3", "0", "Bragernes & Øren", "1", "2"] == [t for t in shown if t not in
                                                                   ("Ubesatte plasser", "Behov uten kandidat")]
    assert [rect.find(f"{SVG}title").text for rect in bars(svg)][1] == "Fjell, Behov uten kandidat: 0"


def test_the_legend_names_each_series_with_its_colour():
    svg = drawn([Group("Fjell", {"unfilled_slots": 1})])
    swatches = [rect.get("fill") for rect in svg.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is None]
    assert swatches == ["#0a4f8f", "#8a5300"]
    assert texts(svg)[:2] == ["Ubesatte plasser", "Behov uten kandidat"]


def test_the_chart_is_one_image_named_by_its_title_and_description():
    svg = drawn([Group("Fjell", {"unfilled_slots": 1})])
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c-title c-desc"
    assert svg.find(f"{SVG}title").get("id") == "c-title" and svg.find(f"{SVG}title").text == "Udekket behov"
    assert svg.find(f"{SVG}desc").get("id") == "c-desc"


def test_text_is_large_enough_to_read():
    svg = drawn([Group("Fjell", {"unfilled_slots": 1})])
    assert min(int(text.get("font-size")) for text in svg.iter(f"{SVG}text")) >= 14


def test_without_data_the_chart_says_so_and_draws_no_bars():
    svg = drawn([])
    assert bars(svg) == []
    assert "Ingen tall" in texts(svg)


def test_all_zero_figures_draw_empty_bars_labelled_zero():
    svg = drawn([Group("Fjell", {"unfilled_slots": 0, "needs_without_candidates": 0})])
    assert [float(rect.get("width")) for rect in bars(svg)] == [0, 0]
    assert texts(svg).count("0") == 2


def test_names_are_escaped():
    markup = str(bar_chart([Group("<script>", {"unfilled_slots": 1})], SERIES, "a & b", "<desc>"))
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert re.search(r"<title[^>]*>a &amp; b</title>", markup)


@pytest.mark.parametrize("value, text", [(3, "3"), (3.0, "3"), (2.5, "2.5")])
def test_numbers_are_whole_where_they_can_be(value, text):
    assert number_text(value) == text
