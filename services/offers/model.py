"""The offers service's rules: a volunteer's offer, the confirmation of its address, its changes and withdrawal. No I/O.

A new offer waits, `pending_confirmation`, until the volunteer confirms the address through the link
sent to it; only then is it `open` and published to the matcher. A change of e-mail address asks for
a new confirmation: on a pending offer the new address simply replaces the old one (older links stop
working); on an open offer the confirmed address stays in use until the new one is confirmed.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

from shared import phones, signin
from shared.clock import from_iso
from shared.confirmation import ALREADY, ASK, LinkSuperseded, announced, is_expired, new_request
from shared.errors import Conflict, InvalidInput
from shared.events import Change, Event, new_event

SOURCE = "/services/offers"
PENDING = "pending_confirmation"
OPEN = "open"
WITHDRAWN = "withdrawn"
STATUSES = (PENDING, OPEN, WITHDRAWN)
CONFIRMATION_REQUESTED = "offer.confirmation_requested"
SIGN_IN_REQUESTED = "offer.sign_in_requested"
UNCONFIRMED = "unconfirmed"  # why an offer whose address was never confirmed was erased
RESEND_AFTER = timedelta(minutes=10)  # a new confirmation link for the same offer at most this often

# What the matcher needs to know about an offer. Names, e-mail and phone never leave this service;
# the birth year travels because minimum-age rules need it.
MATCHING_FIELDS = ("skills", "districts", "availability", "police_certificate",
                   "max_active_matches", "headcount")
EDITABLE_FIELDS = (*MATCHING_FIELDS, "volunteer", "contact_channels", "note")


def channel_problems(offer: dict[str, Any]) -> dict[str, list[str]]:
    """Why the offer's chosen channels cannot reach the volunteer, by field path; empty when they can. SMS needs
    a phone number, and one that can receive SMS (a mobile number, not a landline)."""
    if "sms" not in offer.get("contact_channels", []):
        return {}
    phone = (offer.get("volunteer") or {}).get("phone")
    if not phone:
        return {"contact_channels": ["SMS needs volunteer.phone."]}
    if not phones.receives_sms(phone):
        return {"volunteer.phone": [phones.CANNOT_RECEIVE_SMS]}
    return {}


def offer_event(type_: str, offer: dict[str, Any]) -> Event:
    """An event about an offer: matching attributes only, never contact details; a confirmation request
    also carries the request notify makes the link from."""
    data: dict[str, Any] = {"id": offer["_id"], "status": offer["status"], "version": offer.get("version", 0) + 1}
    if offer["status"] == OPEN:
        volunteer = offer["volunteer"]
        data.update({f: offer[f] for f in MATCHING_FIELDS},
                    birth_year=volunteer.get("birth_year"), languages=volunteer.get("languages", []))
    if type_ == CONFIRMATION_REQUESTED:
        data["confirmation"] = announced(offer["confirmation"])
    return new_event(SOURCE, type_, offer["_id"], data)


def new_offer(data: dict[str, Any], token_hash: str, now: str) -> Change:
    """A new offer, waiting for its address to be confirmed: offer.confirmation_requested, nothing published."""
    offer = {"_id": str(uuid4()), **data, "status": PENDING, "manage_token_hash": token_hash,
             "confirmation": new_request(now), "created_at": now, "updated_at": now}
    return Change(offer, (offer_event(CONFIRMATION_REQUESTED, offer),))


def awaiting_confirmation(offer: dict[str, Any]) -> bool:
    """True while an address of the offer waits to be confirmed (a new offer's, or a changed one's)."""
    request = offer.get("confirmation")
    if not request or "confirmed_at" in request:
        return False
    return offer["status"] == PENDING or (offer["status"] == OPEN and "pending_email" in offer)


def link_state(offer: dict[str, Any], nonce: str) -> str:
    """What the link of a confirmation request does now: ASK, or ALREADY once used; LinkSuperseded for a link
    to an older request, a cancelled one, or a withdrawn offer."""
    request = offer.get("confirmation") or {}
    if offer["status"] == WITHDRAWN or request.get("nonce") != nonce:
        raise LinkSuperseded("This link no longer works.")
    if "confirmed_at" in request:
        return ALREADY
    if not awaiting_confirmation(offer):
        raise LinkSuperseded("This link no longer works.")
    return ASK


def confirm_address(offer: dict[str, Any], nonce: str, now: str) -> Change:
    """The volunteer pressed the button of a confirmation link: a pending offer opens and is published;
    an open offer's new address replaces the old. Confirming again changes nothing."""
    if link_state(offer, nonce) == ALREADY:
        return Change(offer)
    request = offer["confirmation"]
    confirmed = {**offer, "confirmation": {**request, "confirmed_at": now}, "updated_at": now}
    if offer["status"] == PENDING:
        confirmed.update(status=OPEN, published_at=now)
        return Change(confirmed, (offer_event("offer.published", confirmed),))
    confirmed["volunteer"] = {**offer["volunteer"], "email": offer.get("pending_email", offer["volunteer"]["email"])}
    confirmed.pop("pending_email", None)
    confirmed.pop("sign_in", None)  # a sign-in link sent to the old address no longer works
    return Change(confirmed)


def renew_confirmation(offer: dict[str, Any], now: str) -> Change:
    """A new link for the address waiting to be confirmed (the first got lost); older links stop working."""
    if not awaiting_confirmation(offer):
        raise Conflict("No address of this offer is waiting to be confirmed.")
    if from_iso(now) - from_iso(offer["confirmation"]["requested_at"]) < RESEND_AFTER:
        raise Conflict(f"A confirmation link was sent less than {RESEND_AFTER.seconds // 60} minutes ago; "
                       "please look for it, or ask again later.")
    renewed = {**offer, "confirmation": new_request(now), "updated_at": now}
    return Change(renewed, (offer_event(CONFIRMATION_REQUESTED, renewed),))


def _with_address(offer: dict[str, Any], merged: dict[str, Any], email: str | None,
                  now: str) -> tuple[dict[str, Any], bool]:
    """The merged offer with a change of e-mail (None: no change named one) handled, and whether a new
    confirmation is asked for."""
    old = offer["volunteer"]["email"]
    if email is None:
        return merged, False
    if offer["status"] == PENDING:
        if email == old:
            return merged, False
        return {**merged, "confirmation": new_request(now)}, True
    merged["volunteer"] = {**merged["volunteer"], "email": old}
    if email == old:
        merged.pop("pending_email", None)
        return merged, False
    if email == offer.get("pending_email") and awaiting_confirmation(offer):
        return merged, False
    return {**merged, "pending_email": email, "confirmation": new_request(now)}, True


def update_offer(offer: dict[str, Any], changes: dict[str, Any], now: str) -> Change:
    """Apply a partial update; the volunteer's sub-fields merge; matching changes of an open offer are an event,
    and a new e-mail address is a new confirmation request."""
    if offer["status"] == WITHDRAWN:
        raise Conflict("A withdrawn offer cannot be changed.")
    merged = {**offer, **{k: v for k, v in changes.items() if k in EDITABLE_FIELDS}, "updated_at": now}
    merged["volunteer"] = {**offer["volunteer"], **changes.get("volunteer", {})}
    if "contact_channels" in changes or "phone" in changes.get("volunteer", {}):
        problems = channel_problems(merged)
        if problems:
            raise InvalidInput("The chosen channels cannot reach the volunteer.", problems)
    merged, reconfirm = _with_address(offer, merged, changes.get("volunteer", {}).get("email"), now)
    events = [offer_event(CONFIRMATION_REQUESTED, merged)] if reconfirm else []
    if offer["status"] == OPEN:
        before, after = offer_event("offer.updated", offer).data, offer_event("offer.updated", merged).data
        if before != after:
            events.append(offer_event("offer.updated", merged))
    return Change(merged, tuple(events))


def withdraw_offer(offer: dict[str, Any], now: str, reason: str | None = None) -> Change:
    """Withdraw an offer and erase the volunteer's personal data, leaving a tombstone. An offer that was never
    published is erased without an event: the matcher never heard of it."""
    if offer["status"] == WITHDRAWN:
        return Change(offer)
    # Events still waiting in the outbox carry the birth year; the withdrawal supersedes them.
    tombstone = {key: offer[key] for key in ("_id", "version", "created_at", "manage_token_hash") if key in offer}
    tombstone.update(status=WITHDRAWN, withdrawn_at=now, updated_at=now)
    if reason:
        tombstone["withdrawn_reason"] = reason
    if offer["status"] == PENDING:
        return Change(tombstone)
    return Change(tombstone, (offer_event("offer.withdrawn", tombstone),))


def request_sign_in(offer: dict[str, Any], now: str) -> Change:
    """The volunteer asks for a sign-in link: an open offer (its address confirmed) stores a new request and
    records offer.sign_in_requested with only that request; nothing changes for any other offer, or while the
    last request is less than a minute old."""
    if offer["status"] != OPEN or not signin.may_ask_again(offer, now):
        return Change(offer)
    asked = {**offer, "sign_in": new_request(now)}
    data = {"id": offer["_id"], "sign_in": announced(asked["sign_in"])}
    return Change(asked, (new_event(SOURCE, SIGN_IN_REQUESTED, offer["_id"], data),))


def unconfirmed_too_long(offer: dict[str, Any], now: str) -> bool:
    """True for a new offer whose address was not confirmed before its links expired."""
    return offer["status"] == PENDING and is_expired(offer["confirmation"], now)
