"""The offer form's data as the contract's POST /offers body, and an offer back as form data.

Pure functions of plain data (what `OfferForm.data` holds), so they are tested without a server. The web
reads only what it must to write the JSON (dates and clock times into instants); every rule, required
fields included, stays in the service, so one answer names every problem in the form.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.wording import local_time
from services.web.form_values import calendar_day, clock, is_whole_number, oslo_iso
from services.web.texts import Lazy
from services.web.views.volunteer_errors import DATES, NEED_DATE, NEED_END, NEED_START, WEEKLY


@dataclass
class Draft:
    """The body to send, the form row behind each `availability` entry ("weekly-0"), and what the web could
    not even write down (field name -> message; the body is then one the service refuses)."""

    body: dict[str, Any]
    rows: list[str] = field(default_factory=list)
    problems: dict[str, Lazy] = field(default_factory=dict)


def _blank(row: dict[str, Any]) -> bool:
    return not any((value or "").strip() for value in row.values())


def weekly_slot(row: dict[str, Any]) -> dict[str, Any]:
    """A weekly row as a slot: what is left empty is left out and what is no clock time is sent as written,
    for the service to name."""
    slot: dict[str, Any] = {}
    weekday = (row.get("weekday") or "").strip()
    if weekday:
        slot["weekday"] = int(weekday) if is_whole_number(weekday) else weekday
    for key in ("start_time", "end_time"):
        text = (row.get(key) or "").strip()
        if text:
            slot[key] = clock(text) or text
    return slot


def date_slot(row: dict[str, Any], name: str, problems: dict[str, Lazy]) -> dict[str, Any]:
    """A single-date row as a period in Oslo time. When its date or a time cannot be read, the problem is noted
    beside the field and the slot is {}, which the service refuses: so the offer is never saved, and the
    service's answer still names every other problem in the form at once."""
    day, start, end = calendar_day(row.get("day")), clock(row.get("start_time")), clock(row.get("end_time"))
    read = (("day", day, NEED_DATE), ("start_time", start, NEED_START), ("end_time", end, NEED_END))
    for key, found, problem in read:
        if found is None:
            problems[f"{name}-{key}"] = problem
    if day is None or start is None or end is None:
        return {}
    return {"start": oslo_iso(day, start), "end": oslo_iso(day, end)}


def availability(data: dict[str, Any], problems: dict[str, Lazy]) -> tuple[list[dict[str, Any]], list[str]]:
    """The filled-in rows as contract slots (weekly first, then single dates), and the row behind each."""
    slots, rows = [], []
    for kind in (WEEKLY, DATES):
        for index, row in enumerate(data.get(kind) or []):
            if not _blank(row):
                name = f"{kind}-{index}"
                slots.append(weekly_slot(row) if kind == WEEKLY else date_slot(row, name, problems))
                rows.append(name)
    return slots, rows


def _number(text: str | None) -> int | str | None:
    """A whole number as int; empty as None; anything else as written (the service takes only numbers)."""
    text = (text or "").strip()
    return int(text) if is_whole_number(text) else (text or None)


def offer_body(data: dict[str, Any]) -> Draft:
    """The contract's offer JSON from the form's data; optional fields left empty are sent as null, so an edit
    clears them. The service checks it all; the web only writes it down."""
    problems: dict[str, Lazy] = {}
    slots, rows = availability(data, problems)
    body = {
        "volunteer": {"name": (data.get("name") or "").strip(), "email": (data.get("email") or "").strip(),
                      "phone": (data.get("phone") or "").strip() or None, "birth_year": _number(data.get("birth_year")),
                      "languages": list(data.get("languages") or [])},
        "skills": list(data.get("skills") or []),
        "districts": list(data.get("districts") or []),
        "availability": slots,
        "police_certificate": data.get("police_certificate") == "yes",
        "max_active_matches": _number(data.get("max_active_matches")),
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
