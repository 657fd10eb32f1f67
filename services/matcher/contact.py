"""The contact details one side of a match sees of the other, fetched from their owners when asked, never kept."""
from __future__ import annotations

from typing import Any

from shared.directory import Directory
from shared.errors import NotFound
from services.matcher.lifecycle import ORGANISATION, VOLUNTEER

PERSON_FIELDS = ("name", "email", "phone")


def _person(details: dict[str, Any]) -> dict[str, Any]:
    return {key: details.get(key) for key in PERSON_FIELDS}


def _volunteer(match: dict[str, Any], directory: Directory) -> dict[str, Any] | None:
    """The volunteer's name, e-mail and phone, from the offers service; None once erased."""
    volunteer = (directory.offer(match["offer_id"]) or {}).get("volunteer")
    return _person(volunteer) if volunteer else None


def _organisation(match: dict[str, Any], directory: Directory) -> dict[str, Any] | None:
    """The organisation's name (and unit) and its contact person, from the needs service."""
    organisation = directory.organisation(match["organisation_id"]) or {}
    if not organisation.get("contact"):
        return None
    return {"id": organisation.get("id", match["organisation_id"]), "name": organisation.get("name"),
            "unit": organisation.get("unit"), "contact": _person(organisation["contact"])}


def contact_of(match: dict[str, Any], side: str | None, directory: Directory) -> dict[str, Any]:
    """What `side` sees of the other side (staff, side None, see both); 404 when the other side's details are gone."""
    found = {"volunteer": _volunteer(match, directory) if side in (None, ORGANISATION) else None,
             "organisation": _organisation(match, directory) if side in (None, VOLUNTEER) else None}
    shown = {key: value for key, value in found.items() if value}
    if side is not None and not shown:
        raise NotFound("The other side's contact details are no longer held.")
    return {"id": match["_id"], **shown}
