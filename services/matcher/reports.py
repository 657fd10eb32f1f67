"""Hours given, per organisation and district, from the occurrences recorded on matches. No I/O.

A recorded occurrence counts in the report of the dates it lies on, whatever the match's status is now: hours given
before an assignment ended or was cancelled were given all the same. An absence counts for nothing; the district is
the need's.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from shared.directory import ORGANISATION, STAFF, TokenInfo
from shared.errors import Forbidden, InvalidInput
from shared.occurrences import ATTENDED, NO_SHOW, Tally, hours, parse_day, recorded_in
from shared.schemas import PLAUSIBLE_YEARS

MAX_YEARS = 3
HEADER = ("organisation_id", "organisation_name", "district", "attended", "no_show", "minutes", "hours", "volunteers")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so is run as a formula by spreadsheets

Key = tuple[str, str]  # (organisation id, district code)


def _day(text: str | None) -> date | None:
    """A date given as YYYY-MM-DD, or None when none was given (a form's empty field); ValueError otherwise."""
    if text is None or not text.strip():
        return None
    day = parse_day(text.strip())
    if day.year not in PLAUSIBLE_YEARS:
        raise ValueError(f"{text!r} is out of range")
    return day


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return date(day.year + years, 3, 1)


def period(first: str | None, last: str | None, today: date) -> tuple[date, date]:
    """The report's dates, both included: `to` defaults to today, `from` to 1 January of the year of `to` (an
    empty value is none).
    422 for a date not written YYYY-MM-DD, `from` after `to`, or a range of more than three years."""
    given: dict[str, date | None] = {}
    problems: dict[str, list[str]] = {}
    for name, text in (("from", first), ("to", last)):
        try:
            given[name] = _day(text)
        except ValueError:
            problems[name] = ["Not a date between the years 2000 and 2100; use YYYY-MM-DD."]
    if problems:
        raise InvalidInput("Dates are written YYYY-MM-DD.", problems)
    end = given["to"] or today
    start = given["from"] or date(end.year, 1, 1)
    if start > end:
        raise InvalidInput("The report's start is after its end.", {"to": ["Must be on or after from."]})
    if end >= _years_after(start, MAX_YEARS):
        raise InvalidInput(f"A report covers at most {MAX_YEARS} years.",
                           {"to": [f"Must be less than {MAX_YEARS} years after from."]})
    return start, end


def tallies(matches: Iterable[Mapping[str, Any]], needs: Mapping[str, Mapping[str, Any]], first: date, last: date,
            organisation_id: str | None = None) -> dict[Key, Tally]:
    """Attendance between the two dates per organisation and district, of one organisation or of all; only
    organisations and districts with something attended or missed."""
    found: dict[Key, Tally] = {}
    for match in matches:
        need = needs.get(match["need_id"]) or {}
        owner = need.get("organisation_id") or match["organisation_id"]
        if organisation_id is not None and owner != organisation_id:
            continue
        key = (owner, need.get("district") or "")
        for _, record in recorded_in(match, first, last):
            if record["status"] in (ATTENDED, NO_SHOW):
                found[key] = found.get(key, Tally()).add(record["status"], record.get("minutes", 0), match["offer_id"])
    return found


def _cell(text: str) -> str:
    """A text cell a spreadsheet shows as text, never runs as a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def rows(found: Mapping[Key, Tally], names: Mapping[str, str]) -> list[list[Any]]:
    """The report's rows under HEADER, by organisation name, id and district; no volunteer is named."""
    ordered = sorted(found.items(), key=lambda item: (names.get(item[0][0], "").casefold(), item[0]))
    return [[org_id, _cell(names.get(org_id, "")), district, t.attended, t.no_show, t.minutes, str(hours(t.minutes)),
             len(t.volunteers)] for (org_id, district), t in ordered]


def to_csv(report_rows: Iterable[list[Any]]) -> str:
    """Comma-separated text with the header row, lines ended by CRLF (RFC 4180)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(report_rows)
    return out.getvalue()


def file_name(first: date, last: date) -> str:
    """The name the report is saved under."""
    return f"timer-{first.isoformat()}-{last.isoformat()}.csv"


def scope_of(who: TokenInfo) -> str | None:
    """Whose needs a caller's report covers: every organisation's for staff (None), its own for an organisation;
    403 for anyone else."""
    if who.kind == STAFF:
        return None
    if who.kind == ORGANISATION and who.organisation_id:
        return who.organisation_id
    raise Forbidden("The hours report is for municipal staff and organisations.")
