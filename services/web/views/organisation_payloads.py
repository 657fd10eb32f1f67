"""Between the organisation's forms and the needs API: the JSON a form sends, a need as form data, and where
each 422 field path goes on the page with a plain message. Plain functions of dicts, so they test alone."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.wording import local_time
from services.web.form_values import (BAD_EMAIL, END_AFTER_START, NAME_MAX_LENGTH, calendar_day, clock,
                                      is_whole_number, oslo_iso)
from services.web.forms import Where
from services.web.organisation_forms import (BAD_DATE, BAD_PHONE, BAD_TIME, BAD_VOLUNTEERS_NEEDED, BASIS_TOO_LONG,
                                             DESCRIPTION_TOO_LONG, KIND_MISSING, ORG_NUMBER_WRONG, PERIOD,
                                             UNIT_MISSING, WEEKLY)
from services.web.texts import Lazy, lazy

PERIOD_PAST = lazy("Tidspunktet har allerede vært. Velg en dato fram i tid.",
                   "That time has already passed. Choose a date in the future.")
BASIS_WITHOUT_CERTIFICATE = lazy("Kryss av for at den frivillige må ha politiattest, eller la lovhjemmelen stå tom.",
                                 "Tick that the volunteer needs a police certificate, or leave the legal basis empty.")
UNTIL_BEFORE_FROM = lazy("Til-datoen må være samme dag som fra-datoen eller senere.",
                         "The until date must be the same day as the from date or later.")
UNTIL_PAST = lazy("Til-datoen har allerede vært. Velg en dato fram i tid.",
                  "The until date has already passed. Choose a date in the future.")

REGISTER_FIELDS: dict[str, tuple[str, Lazy]] = {
    "name": ("name", lazy(f"Skriv navnet på organisasjonen på én linje, høyst {NAME_MAX_LENGTH} tegn.",
                          f"Enter the organisation's name on one line, at most {NAME_MAX_LENGTH} characters.")),
    "org_number": ("org_number", ORG_NUMBER_WRONG),
    "kind": ("kind", KIND_MISSING),
    "unit": ("unit", UNIT_MISSING),
    "contact.name": ("contact_name", lazy("Skriv navnet ditt på én linje.", "Enter your name on one line.")),
    "contact.email": ("contact_email", BAD_EMAIL),
    "contact.phone": ("contact_phone", BAD_PHONE),
}

NEED_FIELDS: dict[str, tuple[str, Lazy]] = {
    "title": ("title", lazy("Skriv tittelen på én linje, høyst 140 tegn.",
                            "Enter the title on one line, at most 140 characters.")),
    "description": ("description", DESCRIPTION_TOO_LONG),
    "skills": ("skills", lazy("Velg blant oppgavene i listen.", "Choose among the tasks in the list.")),
    "district": ("district", lazy("Velg en av bydelene.", "Choose one of the districts.")),
    "volunteers_needed": ("volunteers_needed", BAD_VOLUNTEERS_NEEDED),
    "requirements.min_age": ("min_age", lazy("Skriv en alder fra 0 til 100.", "Enter an age from 0 to 100.")),
    "requirements.languages": ("languages", lazy("Velg blant språkene i listen.",
                                                 "Choose among the languages in the list.")),
    "requirements.police_certificate": ("police_certificate",
                                        lazy("Kryss av eller la stå tomt.", "Tick or leave empty.")),
    "requirements.certificate_basis": ("certificate_basis", BASIS_TOO_LONG),
    "schedule.weekday": ("weekday", lazy("Velg en ukedag.", "Choose a weekday.")),
    "schedule.start_time": ("weekly_start", BAD_TIME),
    "schedule.end_time": ("weekly_end", END_AFTER_START),
    "schedule.from_date": ("from_date", BAD_DATE),
    "schedule.start": ("period_date", BAD_DATE),
}


def register_where(path: str) -> tuple[str, Lazy] | None:
    """Where a 422 path of POST /organisations goes on the registration form."""
    return REGISTER_FIELDS.get(_without_index(path))


def need_where(body: dict[str, Any]) -> Where:
    """Where a 422 path of POST or PATCH /needs goes on the need form. Which message a schedule path gets
    depends on what was sent: an end not after its start, or a time that has passed."""
    schedule = body.get("schedule") or {}

    def where(path: str) -> tuple[str, Lazy] | None:
        if path == "schedule.end":
            before = _not_after(schedule.get("end"), schedule.get("start"))
            return "period_end", END_AFTER_START if before else PERIOD_PAST
        if path == "requirements.certificate_basis" and not (body.get("requirements") or {}).get("police_certificate"):
            return "certificate_basis", BASIS_WITHOUT_CERTIFICATE
        if path == "schedule.until_date":
            before = schedule.get("from_date") and schedule.get("until_date", "") < schedule["from_date"]
            return "until_date", UNTIL_BEFORE_FROM if before else UNTIL_PAST
        return NEED_FIELDS.get(_without_index(path))
    return where


def _not_after(end: str | None, start: str | None) -> bool:
    """Whether the end sent is at or before the start sent (both ISO instants)."""
    try:
        return datetime.fromisoformat(end) <= datetime.fromisoformat(start)
    except (TypeError, ValueError):
        return False


def _without_index(path: str) -> str:
    """'skills[2]' -> 'skills': an item's error belongs to its list's field."""
    return path.split("[", 1)[0] if path.endswith("]") else path


def organisation_json(data: dict[str, Any]) -> dict[str, Any]:
    """POST /organisations from the registration form's data; the unit only for a municipal service."""
    body: dict[str, Any] = {"name": data["name"].strip(), "org_number": data["org_number"].strip(),
                            "kind": data["kind"],
                            "contact": {"name": data["contact_name"].strip(), "email": data["contact_email"].strip()}}
    if (data.get("contact_phone") or "").strip():
        body["contact"]["phone"] = data["contact_phone"].strip()
    if data["kind"] == "municipal_service":
        body["unit"] = data["unit"].strip()
    return body


def need_json(data: dict[str, Any]) -> dict[str, Any]:
    """POST /needs from a valid need form's data: the chosen schedule only, instants with the Oslo offset; the
    legal basis for a police certificate only when one is given."""
    min_age = (data.get("min_age") or "").strip()
    requirements: dict[str, Any] = {"police_certificate": bool(data.get("police_certificate")),
                                    "min_age": int(min_age) if min_age else None,
                                    "languages": list(data.get("languages") or [])}
    if (data.get("certificate_basis") or "").strip():
        requirements["certificate_basis"] = data["certificate_basis"].strip()
    return {"title": data["title"].strip(), "description": (data.get("description") or "").strip(),
            "skills": list(data.get("skills") or []), "district": data["district"],
            "schedule": schedule_json(data), "volunteers_needed": int(data["volunteers_needed"]),
            "requirements": requirements}


def schedule_json(data: dict[str, Any]) -> dict[str, Any]:
    """The schedule of the chosen kind: weekly wall-clock times, or a period between two Oslo instants."""
    if data.get("schedule_kind") == PERIOD:
        on = calendar_day(data["period_date"])
        return {"start": oslo_iso(on, clock(data["period_start"])), "end": oslo_iso(on, clock(data["period_end"]))}
    weekday = data.get("weekday") or ""
    schedule: dict[str, Any] = {"weekday": int(weekday) if is_whole_number(weekday) else weekday,
                                "start_time": clock(data["weekly_start"]), "end_time": clock(data["weekly_end"])}
    for name in ("from_date", "until_date"):
        if (data.get(name) or "").strip():
            schedule[name] = calendar_day(data[name]).isoformat()
    return schedule


def need_form_data(need: dict[str, Any]) -> dict[str, Any]:
    """A need as the need form's data, for the edit page."""
    schedule, requirements = need.get("schedule") or {}, need.get("requirements") or {}
    data: dict[str, Any] = {"title": need.get("title", ""), "description": need.get("description", ""),
                            "skills": need.get("skills") or [], "district": need.get("district"),
                            "volunteers_needed": str(need.get("volunteers_needed", 1)),
                            "police_certificate": bool(requirements.get("police_certificate")),
                            "certificate_basis": requirements.get("certificate_basis") or "",
                            "min_age": "" if requirements.get("min_age") is None else str(requirements["min_age"]),
                            "languages": requirements.get("languages") or []}
    if "start" in schedule:
        start, end = local_time(schedule["start"]), local_time(schedule["end"])
        data.update(schedule_kind=PERIOD, period_date=start.date().isoformat(), period_start=f"{start:%H:%M}",
                    period_end=f"{end:%H:%M}")
    else:
        data.update(schedule_kind=WEEKLY, weekday=str(schedule.get("weekday", "")),
                    weekly_start=schedule.get("start_time", ""), weekly_end=schedule.get("end_time", ""),
                    from_date=schedule.get("from_date", ""), until_date=schedule.get("until_date", ""))
    return data


def need_changes(need: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """PATCH /needs/{id}: only what the form changed (requirements whole, as the form shows them all; a legal
    basis the form emptied is sent as null, which takes it away)."""
    kept = _requirements(need.get("requirements") or {})
    known = {**need, "description": need.get("description", ""), "skills": need.get("skills") or [],
             "requirements": kept}
    changes = {name: value for name, value in body.items() if known.get(name) != value}
    if "certificate_basis" in kept and "certificate_basis" not in body.get("requirements", {}):
        changes["requirements"] = {**body["requirements"], "certificate_basis": None}
    return changes


def _requirements(requirements: dict[str, Any]) -> dict[str, Any]:
    shown = {"police_certificate": bool(requirements.get("police_certificate")),
             "min_age": requirements.get("min_age"), "languages": requirements.get("languages") or []}
    if requirements.get("certificate_basis"):
        shown["certificate_basis"] = requirements["certificate_basis"]
    return shown

