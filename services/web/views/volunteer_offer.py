"""The offer form's data as the contract's POST /offers body, and an offer back as form data.

Pure functions of plain data (what `OfferForm.data` holds), so they are tested without a server. The web
parses only what it must to write the JSON (numbers, dates, clock times); every rule stays in the service.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from shared.timeslots import OSLO, oslo_instant
from shared.wording import local_time
from services.web.texts import Lazy
from services.web.views.volunteer_errors import (BAD_BIRTH_YEAR, BAD_COUNT, DATES, NEED_DATE, NEED_DAY, NEED_END,
                                                 NEED_START, NO_TIMES, WEEKLY)

_CLOCK = re.compile(r"^\s*([01]?\d|2[0-3])(?:[:.]?([0-5]\d))?\s*$")
_NORWEGIAN_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")


@dataclass
class Draft:
    """The body to send, the form row behind each `availability` entry ("weekly-0"), and what the web could
    not even write down (field name -> message)."""

    body: dict[str, Any]
    rows: list[str] = field(default_factory=list)
    problems: dict[str, Lazy] = field(default_factory=dict)


def clock(text: str | None) -> str | None:
    """A clock time as HH:MM ("17", "17.30", "1730" and "17:30" all count), or None when it is not one."""
    found = _CLOCK.match(text or "")
    return f"{int(found.group(1)):02d}:{found.group(2) or '00'}" if found else None


def calendar_day(text: str | None) -> date | None:
    """A date written YYYY-MM-DD (a browser's date field) or dd.mm.yyyy (as Norwegians write it), else None."""
    text = (text or "").strip()
    found = _NORWEGIAN_DATE.match(text)
    try:
        if found:
            return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
        return date.fromisoformat(text)
    except ValueError:
        return None


def oslo_iso(day: date, wall: str) -> str:
    """The instant Oslo clocks show `wall` on `day`, in ISO 8601 with that date's offset (+01:00 or +02:00)."""
    return oslo_instant(datetime.combine(day, time.fromisoformat(wall))).astimezone(OSLO).isoformat()


def _blank(row: dict[str, Any]) -> bool:
    return not any((value or "").strip() for value in row.values())


def _times(row: dict[str, Any], name: str, problems: dict[str, Lazy]) -> tuple[str | None, str | None]:
    """The row's start and end as HH:MM, with a problem noted for each that is missing or no clock time."""
    found = clock(row.get("start_time")), clock(row.get("end_time"))
    for key, value, problem in (("start_time", found[0], NEED_START), ("end_time", found[1], NEED_END)):
        if value is None:
            problems[f"{name}-{key}"] = problem
    return found


def availability(data: dict[str, Any], problems: dict[str, Lazy]) -> tuple[list[dict[str, Any]], list[str]]:
    """The filled-in rows as contract slots (weekly first, then single dates), and the row behind each."""
    slots, rows, filled = [], [], 0
    for index, row in enumerate(data.get(WEEKLY) or []):
        name = f"{WEEKLY}-{index}"
        if _blank(row):
            continue
        filled += 1
        start, end = _times(row, name, problems)
        if not (row.get("weekday") or "").isdigit():
            problems[f"{name}-weekday"] = NEED_DAY
        elif start and end:
            slots.append({"weekday": int(row["weekday"]), "start_time": start, "end_time": end})
            rows.append(name)
    for index, row in enumerate(data.get(DATES) or []):
        name = f"{DATES}-{index}"
        if _blank(row):
            continue
        filled += 1
        start, end = _times(row, name, problems)
        day = calendar_day(row.get("day"))
        if day is None:
            problems[f"{name}-day"] = NEED_DATE
        elif start and end:
            slots.append({"start": oslo_iso(day, start), "end": oslo_iso(day, end)})
            rows.append(name)
    if not filled:
        problems[f"{WEEKLY}-0-weekday"] = NO_TIMES
    return slots, rows


def _whole(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def offer_body(data: dict[str, Any]) -> Draft:
    """The contract's offer JSON from the form's data; optional fields left empty are sent as null, so an edit
    clears them."""
    problems: dict[str, Lazy] = {}
    birth_year = _whole(data.get("birth_year"))
    if (data.get("birth_year") or "").strip() and birth_year is None:
        problems["birth_year"] = BAD_BIRTH_YEAR
    count = _whole(data.get("max_active_matches"))
    if count is None:
        problems["max_active_matches"] = BAD_COUNT
    slots, rows = availability(data, problems)
    body = {
        "volunteer": {"name": (data.get("name") or "").strip(), "email": (data.get("email") or "").strip(),
                      "phone": (data.get("phone") or "").strip() or None, "birth_year": birth_year,
                      "languages": list(data.get("languages") or [])},
        "skills": list(data.get("skills") or []),
        "districts": list(data.get("districts") or []),
        "availability": slots,
        "police_certificate": data.get("police_certificate") == "yes",
        "max_active_matches": count,
        "contact_channels": list(data.get("contact_channels") or []),
        "note": (data.get("note") or "").strip() or None,
    }
    return Draft(body, rows, problems)


def form_data(offer: dict[str, Any], now: datetime) -> dict[str, Any]:
    """An offer as the form's data, for editing it; single dates already over are left out (they cannot be
    sent again)."""
    volunteer = offer.get("volunteer") or {}
    weekly, dates = [], []
    for slot in offer.get("availability") or []:
        if "weekday" in slot:
            weekly.append({"weekday": str(slot["weekday"]), "start_time": slot["start_time"],
                           "end_time": slot["end_time"]})
        elif local_time(slot["end"]) > now:
            start, end = local_time(slot["start"]), local_time(slot["end"])
            dates.append({"day": start.date().isoformat(), "start_time": f"{start:%H:%M}", "end_time": f"{end:%H:%M}"})
    birth_year = volunteer.get("birth_year")
    return {
        "name": volunteer.get("name", ""), "email": volunteer.get("email", ""), "phone": volunteer.get("phone") or "",
        "birth_year": "" if birth_year is None else str(birth_year), "languages": volunteer.get("languages") or [],
        "skills": offer.get("skills") or [], "districts": offer.get("districts") or [],
        WEEKLY: weekly, DATES: dates,
        "police_certificate": "yes" if offer.get("police_certificate") else "no",
        "max_active_matches": str(offer.get("max_active_matches", 1)),
        "contact_channels": offer.get("contact_channels") or ["email"], "note": offer.get("note") or "",
    }
