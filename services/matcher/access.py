"""Who may read or answer a match: staff, services, the volunteer and the organisation of the pair."""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from uuid import UUID

from shared.auth import Caller
from shared.config import Config
from shared.directory import Directory
from shared.errors import Forbidden, NotFound, Unauthorized
from services.matcher.lifecycle import ORGANISATION, ROLES, VOLUNTEER


def _mac(config: Config, match_id: str, role: str) -> bytes:
    message = f"respond:{match_id}:{role}".encode()
    return hmac.new(config.service_token.encode(), message, hashlib.sha256).digest()[:16]


def respond_code(config: Config, match_id: str, role: str) -> str:
    """The short code of a notification link: match id, role and a MAC, so nothing is stored or sent in events."""
    raw = UUID(match_id).bytes + bytes([ROLES.index(role)]) + _mac(config, match_id, role)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def respond_url(config: Config, match_id: str, role: str) -> str:
    """The link a person gets to open the answer page of a proposal (short enough for an SMS)."""
    return f"{config.public_base_url}/r/{respond_code(config, match_id, role)}"


def read_code(config: Config, code: str) -> tuple[str, str]:
    """The match id and role a link code proves, or 404 for a code that was not made here."""
    try:
        raw = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
        match_id, role = str(UUID(bytes=raw[:16])), ROLES[raw[16]]
    except (ValueError, IndexError):
        raise NotFound("This link is not valid.") from None
    if len(raw) != 33 or not hmac.compare_digest(_mac(config, match_id, role), raw[17:]):
        raise NotFound("This link is not valid.")
    return match_id, role


def role_of(caller: Caller | None, match: dict[str, Any], directory: Directory) -> str:
    """The side of the match the bearer token belongs to; staff and services are not a side."""
    if caller is None:
        raise Unauthorized("This needs the volunteer's manage_token or the organisation's api_key.")
    if caller.is_staff or caller.is_service:
        raise Forbidden("Only the volunteer or the organisation can answer a proposal.")
    if directory.holds_offer(match["offer_id"], caller.token):
        return VOLUNTEER
    if directory.organisation_id_of(caller.token) == match["organisation_id"]:
        return ORGANISATION
    raise NotFound("No such match.")


def check_reader(caller: Caller | None, match: dict[str, Any], directory: Directory) -> None:
    """Staff, services and both sides may read a match; anyone else is refused."""
    if caller is None:
        raise Unauthorized("This needs a bearer token.")
    if not (caller.is_staff or caller.is_service):
        role_of(caller, match, directory)


def check_need_reader(caller: Caller | None, organisation_id: str | None, directory: Directory) -> None:
    """Staff or the organisation that owns the need."""
    if caller is None:
        raise Unauthorized("This needs the organisation's api_key or the staff token.")
    if caller.is_staff:
        return
    if organisation_id is None or directory.organisation_id_of(caller.token) != organisation_id:
        raise Forbidden("Only the organisation that posted the need can list its matches.")


def check_offer_reader(caller: Caller | None, offer_id: str, directory: Directory) -> None:
    """Staff or the volunteer who holds the offer."""
    if caller is None:
        raise Unauthorized("This needs the offer's manage_token or the staff token.")
    if caller.is_staff:
        return
    if caller.is_service or not directory.holds_offer(offer_id, caller.token):
        raise Forbidden("Only the volunteer can list this offer's matches.")
