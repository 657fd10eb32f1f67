"""The matcher's hours report made into a file Norwegian Excel opens as a table: a UTF-8 byte-order mark (so
æøå come out right), semicolons between the cells, decimal commas, and column headings in the page language.

The matcher serves the report as plain CSV (RFC 4180: commas, decimal points, its field names), which suits
programs; Excel set to Norwegian reads such a file as one column and "1.5" as a date or text. The web converts it
cell by cell and leaves the values as the matcher wrote them (an organisation name that would run as a formula
comes already quoted). A column the matcher adds later keeps its field name as its heading. No Flask, no I/O.
"""
from __future__ import annotations

import csv
import io
import re

from services.web.texts import lazy

BOM = "\ufeff"
SEPARATOR = ";"
HEADINGS = {
    "organisation_id": lazy("Organisasjons-ID", "Organisation ID"),
    "organisation_name": lazy("Organisasjon", "Organisation"),
    "district": lazy("Bydel", "District"),
    "attended": lazy("Oppmøter", "Attended"),
    "no_show": lazy("Ikke møtt", "Did not attend"),
    "minutes": lazy("Minutter", "Minutes"),
    "hours": lazy("Timer", "Hours"),
    "volunteers": lazy("Frivillige", "Volunteers"),
}
TEXT_COLUMNS = ("organisation_name",)  # free text, kept as written whatever it looks like
DECIMAL = re.compile(r"-?\d+\.\d+")


def decimal_comma(cell: str) -> str:
    """A decimal number with a comma for its point ("1.5" -> "1,5"); any other cell as it is."""
    return cell.replace(".", ",") if DECIMAL.fullmatch(cell) else cell


def for_excel(body: bytes) -> bytes:
    """The matcher's CSV as Norwegian Excel opens it, the headings in the page language."""
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=SEPARATOR, lineterminator="\r\n")
    if rows:
        header, *data = rows
        text = {i for i, name in enumerate(header) if name in TEXT_COLUMNS}
        writer.writerow([str(HEADINGS.get(name, name)) for name in header])
        writer.writerows([cell if i in text else decimal_comma(cell) for i, cell in enumerate(row)] for row in data)
    return out.getvalue().encode("utf-8")
