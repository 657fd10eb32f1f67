"""A match's life: proposed, accepted by each side, confirmed, declined, expired or cancelled. No I/O."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from shared.clock import from_iso, to_iso
from shared.errors import Conflict
from shared.events import Change, Event, new_event

SOURCE = "/services/matcher"
PROPOSED, CONFIRMED, DECLINED, EXPIRED, CANCELLED = "proposed", "confirmed", "declined", "expired", "cancelled"
STATUSES = (PROPOSED, CONFIRMED, DECLINED, EXPIRED, CANCELLED)
LIVE = (PROPOSED, CONFIRMED)
VOLUNTEER, ORGANISATION = "volunteer", "organisation"
ROLES = (VOLUNTEER, ORGANISATION)


def match_event(type_: str, match: dict[str, Any], **extra: Any) -> Event:
    """An event about a match: ids, status and numbers only."""
    data = {"id": match["_id"], "need_id": match["need_id"], "offer_id": match["offer_id"],
            "organisation_id": match["organisation_id"], "status": match["status"], "slots": match["slots"],
            "expires_at": match["expires_at"], **extra}
    return new_event(SOURCE, type_, match["_id"], data)


def propose(need_id: str, organisation_id: str, offer_id: str, slots: int, score: float,
            reasons: dict[str, Any], now: datetime, ttl: timedelta) -> Change:
    """A new proposal that expires after the time-to-live."""
    match = {"_id": str(uuid4()), "need_id": need_id, "offer_id": offer_id, "organisation_id": organisation_id,
             "status": PROPOSED, "slots": slots, "score": score, "reasons": reasons,
             "accepted_by": [], "created_at": to_iso(now), "updated_at": to_iso(now),
             "expires_at": to_iso(now + ttl)}
    return Change(match, (match_event("match.proposed", match, score=score),))


def _moved(match: dict[str, Any], status: str, now: datetime, **fields: Any) -> dict[str, Any]:
    return {**match, "status": status, "updated_at": to_iso(now), **fields}


def accept(match: dict[str, Any], role: str, now: datetime) -> Change:
    """One side accepts; when both have, the match is confirmed. Accepting again changes nothing."""
    if match["status"] == CONFIRMED or (match["status"] == PROPOSED and role in match["accepted_by"]):
        return Change(match)
    if match["status"] != PROPOSED:
        raise Conflict(f"This match is {match['status']} and can no longer be accepted.")
    if is_expired(match, now):
        raise Conflict("This proposal has expired.")
    accepted_by = sorted({*match["accepted_by"], role})
    if set(accepted_by) == set(ROLES):
        confirmed = _moved(match, CONFIRMED, now, accepted_by=accepted_by, confirmed_at=to_iso(now))
        return Change(confirmed, (match_event("match.accepted", confirmed, by=role),
                                  match_event("match.confirmed", confirmed)))
    accepted = {**match, "accepted_by": accepted_by, "updated_at": to_iso(now)}
    return Change(accepted, (match_event("match.accepted", accepted, by=role),))


def decline(match: dict[str, Any], role: str, now: datetime) -> Change:
    """Either side declines a proposal; the pair is never proposed again."""
    if match["status"] == DECLINED:
        return Change(match)
    if match["status"] != PROPOSED:
        raise Conflict(f"This match is {match['status']} and can no longer be declined.")
    declined = _moved(match, DECLINED, now, declined_by=role)
    return Change(declined, (match_event("match.declined", declined, by=role),))


def is_expired(match: dict[str, Any], now: datetime) -> bool:
    """True when a proposal's answer time has run out."""
    return match["status"] == PROPOSED and from_iso(match["expires_at"]) <= now


def expire(match: dict[str, Any], now: datetime) -> Change:
    """A proposal nobody answered in time."""
    if not is_expired(match, now):
        return Change(match)
    expired = _moved(match, EXPIRED, now)
    return Change(expired, (match_event("match.expired", expired),))


def cancel(match: dict[str, Any], reason: str, now: datetime) -> Change:
    """The offer was withdrawn or the need closed or filled."""
    if match["status"] not in LIVE:
        return Change(match)
    cancelled = _moved(match, CANCELLED, now, cancel_reason=reason)
    return Change(cancelled, (match_event("match.cancelled", cancelled, reason=reason),))


def public_view(match: dict[str, Any]) -> dict[str, Any]:
    """What the contract shows of a match."""
    keys = ("need_id", "offer_id", "organisation_id", "status", "slots", "score", "reasons", "accepted_by",
            "created_at", "updated_at", "expires_at", "confirmed_at", "declined_by", "cancel_reason")
    return {"id": match["_id"], **{k: match[k] for k in keys if k in match}}
