"""The offers service's rules: a volunteer's offer, its changes and withdrawal. No I/O."""
from __future__ import annotations

from typing import Any
from uuid import uuid4

from shared.errors import Conflict, InvalidInput
from shared.events import Change, Event, new_event

SOURCE = "/services/offers"
OPEN = "open"
WITHDRAWN = "withdrawn"
STATUSES = (OPEN, WITHDRAWN)

# What the matcher needs to know about an offer. Names, e-mail and phone never leave this service;
# the birth year travels because minimum-age rules need it.
MATCHING_FIELDS = ("skills", "districts", "availability", "police_certificate",
                   "max_active_matches", "headcount")
EDITABLE_FIELDS = (*MATCHING_FIELDS, "volunteer", "contact_channels", "note")


def offer_event(type_: str, offer: dict[str, Any]) -> Event:
    """An event about an offer: matching attributes only, never contact details."""
    data: dict[str, Any] = {"id": offer["_id"], "status": offer["status"], "version": offer.get("version", 0) + 1}
    if offer["status"] == OPEN:
        volunteer = offer["volunteer"]
        data.update({f: offer[f] for f in MATCHING_FIELDS},
                    birth_year=volunteer.get("birth_year"), languages=volunteer.get("languages", []))
    return new_event(SOURCE, type_, offer["_id"], data)


def new_offer(data: dict[str, Any], token_hash: str, now: str) -> Change:
    """A new open offer and its offer.published event."""
    offer = {"_id": str(uuid4()), **data, "status": OPEN, "manage_token_hash": token_hash,
             "created_at": now, "updated_at": now}
    return Change(offer, (offer_event("offer.published", offer),))


def update_offer(offer: dict[str, Any], changes: dict[str, Any], now: str) -> Change:
    """Apply a partial update; the volunteer's sub-fields merge; matching changes are an event."""
    if offer["status"] != OPEN:
        raise Conflict("A withdrawn offer cannot be changed.")
    merged = {**offer, **{k: v for k, v in changes.items() if k in EDITABLE_FIELDS}, "updated_at": now}
    merged["volunteer"] = {**offer["volunteer"], **changes.get("volunteer", {})}
    if "sms" in merged.get("contact_channels", []) and not merged["volunteer"].get("phone"):
        raise InvalidInput("SMS needs a phone number.", {"contact_channels": ["SMS needs volunteer.phone."]})
    before, after = offer_event("offer.updated", offer).data, offer_event("offer.updated", merged).data
    if before != after:
        return Change(merged, (offer_event("offer.updated", merged),))
    return Change(merged)


def withdraw_offer(offer: dict[str, Any], now: str) -> Change:
    """Withdraw an offer and erase the volunteer's personal data, leaving a tombstone."""
    if offer["status"] == WITHDRAWN:
        return Change(offer)
    # Events still waiting in the outbox carry the birth year; the withdrawal supersedes them.
    tombstone = {key: offer[key] for key in ("_id", "version", "created_at", "manage_token_hash") if key in offer}
    tombstone.update(status=WITHDRAWN, withdrawn_at=now, updated_at=now)
    return Change(tombstone, (offer_event("offer.withdrawn", tombstone),))
