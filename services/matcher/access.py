"""Who may read or answer a match: staff, services, the volunteer and the organisation of the pair."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.auth import Caller
from shared.directory import SERVICE, STAFF, Directory, TokenInfo, is_uuid
from shared.errors import Forbidden, NotFound, Unauthorized
from services.matcher.lifecycle import (EXPIRED as EXPIRED_STATUS, ORGANISATION, PROPOSED, VOLUNTEER, contact_shown,
                                        is_expired)

READ, ANSWER, LIST, CONTACT = "read", "answer", "list", "contact"
OPEN, DECIDED, EXPIRED = "open", "decided", "expired"


def link_state(match: dict[str, Any], now: datetime) -> str:
    """Whether an answer link still works: OPEN while the proposal waits, else DECIDED or EXPIRED."""
    if match["status"] == PROPOSED and not is_expired(match, now):
        return OPEN
    return EXPIRED if match["status"] in (PROPOSED, EXPIRED_STATUS) else DECIDED


def identify(caller: Caller | None, directory: Directory) -> TokenInfo:
    """Who the caller is, resolved once: staff, a service, or the holder the issuer names; 401 for nobody."""
    if caller is None:
        raise Unauthorized("This needs the volunteer's manage_token, the organisation's api_key or the staff token.")
    if caller.is_staff:
        return TokenInfo(True, STAFF)
    if caller.is_service:
        return TokenInfo(True, SERVICE)
    info = directory.introspect(caller.token)
    if not info.active:
        raise Unauthorized("Unknown token.")
    return info


def side_of(who: TokenInfo, resource: dict[str, Any]) -> str | None:
    """The side of a match (or of a need's or offer's listing) the token holder is, if any."""
    if who.kind == VOLUNTEER and who.offer_id and who.offer_id == resource.get("offer_id"):
        return VOLUNTEER
    if who.kind == ORGANISATION and who.organisation_id and who.organisation_id == resource.get("organisation_id"):
        return ORGANISATION
    return None


def authorize(who: TokenInfo, action: str, resource: dict[str, Any]) -> str | None:
    """Refuse what this caller may not do; the side it acts for (None for staff and services).

    READ a match: staff, services and both sides; 404 to anyone else, to whom it is private.
    ANSWER a proposal: only the two sides (403 for staff and services, 404 for anyone else).
    LIST one need's or one offer's matches: staff and the owner; 403 for everyone else.
    CONTACT, the other side's contact details: staff, and each side once the match shows them (403 before, and
    to services); 404 to anyone else.
    """
    side = side_of(who, resource)
    if action == READ:
        if who.kind in (STAFF, SERVICE) or side:
            return side
        raise NotFound("No such match.")
    if action == CONTACT:
        if who.kind == STAFF:
            return None
        if who.kind == SERVICE:
            raise Forbidden("Services ask the owning service for contact details.")
        if not side:
            raise NotFound("No such match.")
        if contact_shown(resource, side):
            return side
        raise Forbidden("The organisation sees the volunteer's contact once the volunteer has accepted, and the "
                        "volunteer the organisation's once the match is confirmed.")
    if action == ANSWER:
        if who.kind in (STAFF, SERVICE):
            raise Forbidden("Only the volunteer or the organisation can answer a proposal.")
        if side:
            return side
        raise NotFound("No such match.")
    if who.kind == STAFF or side:
        return side
    raise Forbidden("Only staff and the owner may list these matches.")


def match_id_of(value: str) -> str:
    """A match id from a path, or 404 for anything that is not one."""
    if not is_uuid(value):
        raise NotFound("No such match.")
    return value
