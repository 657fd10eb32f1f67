"""The needs service's rules: organisations, their needs and the events they record. No I/O."""
from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from typing import Any
from uuid import uuid4

from shared.clock import from_iso
from shared.confirmation import ALREADY, ASK, LinkSuperseded, announced, new_request
from shared.errors import Conflict, InvalidInput
from shared import signin, timeslots
from shared.events import Change, Event, new_event
from shared.orgnumber import is_valid_org_number, normalise_org_number

SOURCE = "/services/needs"
KINDS = ("association", "foundation", "volunteer_centre", "company", "municipal_service")

OPEN = "open"
PENDING = "pending_verification"
CLOSED = "closed"
NEED_STATUSES = (OPEN, PENDING, CLOSED)
CONFIRMATION_REQUESTED = "organisation.confirmation_requested"
SIGN_IN_REQUESTED = "organisation.sign_in_requested"
RESEND_AFTER = timedelta(minutes=10)  # a new confirmation link for the same contact at most this often

# Fields of a need that the matcher needs; none of them is personal data.
MATCHING_FIELDS = ("skills", "district", "schedule", "volunteers_needed", "requirements")
EDITABLE_FIELDS = ("title", "description", *MATCHING_FIELDS)
# Requirements written in the organisation's own words: served over HTTP, never put on Kafka.
FREE_TEXT_REQUIREMENTS = ("certificate_basis",)
# What PATCH /organisations/{id} may change, for now.
ORGANISATION_SETTINGS = ("certificate_max_age_months",)
BASIS_WITHOUT_CERTIFICATE = "Give a legal basis only for a need that requires a police certificate."


def new_organisation(data: dict[str, Any], api_key_hash: str, now: str) -> Change:
    """A registered organisation, not yet verified by staff, whose contact is asked to confirm the address."""
    number = normalise_org_number(data["org_number"])
    if not is_valid_org_number(number):
        raise InvalidInput("Invalid organisation number.",
                           {"org_number": ["Not a valid Norwegian organisation number (9 digits, modulus-11 check digit)."]})
    if data["kind"] == "municipal_service" and not data.get("unit"):
        raise InvalidInput("A municipal service must name its unit.", {"unit": ["Required for a municipal service."]})
    organisation = {"_id": str(uuid4()), **data, "org_number": number, "verified": False, "contact_confirmed": False,
                    "confirmation": new_request(now), "api_key_hash": api_key_hash, "created_at": now}
    return Change(organisation, (organisation_event(CONFIRMATION_REQUESTED, organisation),))


def change_settings(organisation: dict[str, Any], changes: dict[str, Any], now: str) -> Change:
    """The organisation's settings changed (e.g. how old a police certificate may be); the same values again
    change nothing."""
    updated = {**organisation, **{k: changes[k] for k in ORGANISATION_SETTINGS if k in changes}}
    if all(updated.get(k) == organisation.get(k) for k in ORGANISATION_SETTINGS):
        return Change(organisation)
    return Change({**updated, "updated_at": now})


def organisation_event(type_: str, organisation: dict[str, Any]) -> Event:
    """An event about an organisation: its id, state and version, never its contact details; a confirmation
    request also carries the request notify makes the link from."""
    data: dict[str, Any] = {"id": organisation["_id"], "verified": organisation["verified"],
                            "contact_confirmed": organisation.get("contact_confirmed", False),
                            "version": organisation.get("version", 0) + 1}
    if type_ == CONFIRMATION_REQUESTED:
        data["confirmation"] = announced(organisation["confirmation"])
    return new_event(SOURCE, type_, organisation["_id"], data)


def awaiting_confirmation(organisation: dict[str, Any]) -> bool:
    """True while the contact address waits to be confirmed."""
    return not organisation.get("contact_confirmed", False) and "confirmation" in organisation


def link_state(organisation: dict[str, Any], nonce: str) -> str:
    """What the contact's confirmation link does now: ASK, or ALREADY once used; LinkSuperseded for another request."""
    if (organisation.get("confirmation") or {}).get("nonce") != nonce:
        raise LinkSuperseded("This link no longer works.")
    return ASK if awaiting_confirmation(organisation) else ALREADY


def confirm_contact(organisation: dict[str, Any], nonce: str, now: str) -> Change:
    """The contact pressed the button of a confirmation link; pressing again changes nothing."""
    if link_state(organisation, nonce) == ALREADY:
        return Change(organisation)
    request = organisation["confirmation"]
    return Change({**organisation, "contact_confirmed": True, "contact_confirmed_at": now,
                   "confirmation": {**request, "confirmed_at": now}})


def renew_confirmation(organisation: dict[str, Any], now: str) -> Change:
    """A new confirmation link for the contact (the old one expired or got lost); older links stop working."""
    if organisation.get("contact_confirmed", False):
        raise Conflict("The contact has already confirmed the e-mail address.")
    requested = (organisation.get("confirmation") or {}).get("requested_at")
    if requested and from_iso(now) - from_iso(requested) < RESEND_AFTER:
        raise Conflict(f"A confirmation link was sent less than {RESEND_AFTER.seconds // 60} minutes ago; "
                       "please look for it, or ask again later.")
    renewed = {**organisation, "confirmation": new_request(now)}
    return Change(renewed, (organisation_event(CONFIRMATION_REQUESTED, renewed),))


def request_sign_in(organisation: dict[str, Any], now: str) -> Change:
    """The contact asks for a sign-in link: once the contact address is confirmed, the organisation stores a new
    request and records organisation.sign_in_requested with only that request; before, or while the last request
    is less than a minute old, nothing changes."""
    if not organisation.get("contact_confirmed", False) or not signin.may_ask_again(organisation, now):
        return Change(organisation)
    asked = {**organisation, "sign_in": new_request(now)}
    data = {"id": organisation["_id"], "sign_in": announced(asked["sign_in"])}
    return Change(asked, (new_event(SOURCE, SIGN_IN_REQUESTED, organisation["_id"], data),))


def check_verifiable(organisation: dict[str, Any]) -> None:
    """Staff may verify an organisation only once its contact has confirmed the address."""
    if not organisation.get("contact_confirmed", False):
        raise Conflict("The organisation's contact has not confirmed their e-mail address yet; "
                       "they were sent a link to do so. Verify the organisation after that.")


def matching_data(need: dict[str, Any]) -> dict[str, Any]:
    """The need's matching attributes, its requirements without the ones written as free text."""
    data = {f: need[f] for f in MATCHING_FIELDS}
    data["requirements"] = {k: v for k, v in need["requirements"].items() if k not in FREE_TEXT_REQUIREMENTS}
    return data


def requirements_after(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The requirements once `changes` are applied. A blank or null legal basis removes it; a need that no longer
    requires a police certificate loses its basis; a basis given for a need that requires none is refused."""
    merged = {**current, **changes}
    if not merged.get("certificate_basis"):
        merged.pop("certificate_basis", None)
    if not merged.get("police_certificate"):
        if changes.get("certificate_basis"):
            raise InvalidInput(BASIS_WITHOUT_CERTIFICATE, {"requirements.certificate_basis": [
                BASIS_WITHOUT_CERTIFICATE + " Set police_certificate to true, or leave the basis out."]})
        merged.pop("certificate_basis", None)
    return merged


def need_event(type_: str, need: dict[str, Any]) -> Event:
    """An event about a need: ids and matching attributes, never free text or contact details."""
    data = {"id": need["_id"], "organisation_id": need["organisation_id"], "status": need["status"],
            "version": need.get("version", 0) + 1, **matching_data(need)}
    if need.get("published_at"):
        data["published_at"] = need["published_at"]
    if need.get("close_reason"):
        data["close_reason"] = need["close_reason"]
    return new_event(SOURCE, type_, need["_id"], data)


def new_need(data: dict[str, Any], organisation: dict[str, Any], now: str) -> Change:
    """A need; published at once when its organisation is verified, else held for verification."""
    need = {"_id": str(uuid4()), "organisation_id": organisation["_id"], "description": "",
            "requirements": {}, "created_at": now, "updated_at": now, **data}
    need["requirements"] = requirements_after({}, need["requirements"])
    if organisation["verified"]:
        need.update(status=OPEN, published_at=now)
        return Change(need, (need_event("need.published", need),))
    return Change({**need, "status": PENDING})


def publish_pending(need: dict[str, Any], now: str) -> Change:
    """Publish a need that waited for its organisation's verification."""
    if need["status"] != PENDING:
        return Change(need)
    published = {**need, "status": OPEN, "published_at": now, "updated_at": now}
    return Change(published, (need_event("need.published", published),))


def update_need(need: dict[str, Any], changes: dict[str, Any], now: str) -> Change:
    """Apply a partial update; matching attributes changing on a published need is an event."""
    if need["status"] == CLOSED:
        raise Conflict("A closed need cannot be changed.")
    updated = {**need, **{k: v for k, v in changes.items() if k in EDITABLE_FIELDS}, "updated_at": now}
    # A patch names only the requirements it changes; the others stay (a PATCH loads no defaults).
    updated["requirements"] = requirements_after(need["requirements"], changes.get("requirements", {}))
    if need["status"] == OPEN and matching_data(updated) != matching_data(need):
        return Change(updated, (need_event("need.updated", updated),))
    return Change(updated)


def is_over(need: dict[str, Any], now: datetime) -> bool:
    """Whether no occurrence of the need starts from now on: its last date is past."""
    return timeslots.is_over(timeslots.parse_schedule(need["schedule"]), now)


def close_need(need: dict[str, Any], now: str, reason: str = "closed_by_owner") -> Change:
    """Close a need (by its owner, or by the system once it is over: reason "over"); closing twice changes
    nothing."""
    if need["status"] == CLOSED:
        return Change(need)
    closed = {**need, "status": CLOSED, "closed_at": now, "close_reason": reason, "updated_at": now}
    if need["status"] == PENDING:
        return Change(closed)
    event = need_event("need.closed", closed)
    return Change(closed, (event,))
