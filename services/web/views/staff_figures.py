"""The matcher's GET /stats shaped for staff: a table, a chart of unmet demand, and a CSV file.

The figures are the matcher's; this only says them per district, in the page language.
"""
from __future__ import annotations

import csv
import io
from typing import Any

from markupsafe import Markup

from services.web.chart import Group, Series, bar_chart
from services.web.texts import lazy, tr
from services.web.views.public_words import district_text, short_district

# The figures the dashboard's table shows, in its column order, with their headings.
COLUMNS = (
    ("open_needs", lazy("Åpne behov", "Open needs")),
    ("unfilled_slots", lazy("Ubesatte plasser", "Unfilled places")),
    ("needs_without_candidates", lazy("Behov uten kandidat", "Needs with no candidate")),
    ("proposals", lazy("Forslag", "Proposals")),
    ("confirmed_matches", lazy("Bekreftede oppdrag", "Confirmed assignments")),
    ("median_minutes_to_first_proposal", lazy("Median minutter til første forslag",
                                              "Median minutes to first proposal")),
    ("attended_occurrences", lazy("Oppmøter", "Attendances")),
    ("attended_hours", lazy("Timer gitt", "Hours given")),
)
BOM = "\ufeff"
UNMET = (("unfilled_slots", "#0a4f8f"), ("needs_without_candidates", "#8a5300"))  # both >= 6:1 on white


def rows(stats: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per district, in the matcher's order, with the district's name."""
    return [{**row, "name": district_text(row.get("district", ""))} for row in stats.get("districts") or []]


def heading(key: str) -> str:
    return str(dict(COLUMNS)[key])


def unmet_chart(stats: dict[str, Any]) -> Markup | None:
    """Unfilled places and needs with no candidate, per district, as an SVG bar chart; None when there are
    districts and all those figures are 0, which the page says in a sentence instead of a row of zeros."""
    series = [Series(key, heading(key), colour) for key, colour in UNMET]
    groups = [Group(short_district(row.get("district", "")), {key: row.get(key) or 0 for key, _ in UNMET})
              for row in stats.get("districts") or []]
    if groups and not any(value > 0 for group in groups for value in group.values.values()):
        return None
    return bar_chart(
        groups, series, tr("Udekket behov per bydel", "Unmet demand per district"),
        tr("Ubesatte plasser og behov uten kandidat i hver bydel. De samme tallene står i tabellen under.",
           "Unfilled places and needs with no candidate in each district. The same figures are in the table below."),
        ident="unmet-chart", empty=tr("Ingen tall ennå.", "No figures yet."))


def stats_csv(stats: dict[str, Any]) -> str:
    """The district figures as CSV: a byte-order mark (so Excel reads the file as UTF-8, æøå and all), a header
    row of the API's field names (and the district's name), then one row per district. Fields the matcher adds
    later come along as further columns."""
    districts = stats.get("districts") or []
    known = [key for key, _ in COLUMNS]
    extra = [key for row in districts for key in row if key not in known and key != "district"]
    columns = ["district", "district_name", *known, *dict.fromkeys(extra)]
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in districts:
        values = {**row, "district_name": district_text(row.get("district", ""))}
        writer.writerow(["" if values.get(column) is None else values.get(column) for column in columns])
    return out.getvalue()
