"""Passwordless sign-in: a one-time link to a confirmed address, redeemed for a session token.

Asking (`POST /sign-in`) stores a sign-in request (nonce and requested_at, as for address confirmation) on
each subject whose confirmed address it names, and publishes `*.sign_in_requested` carrying only that
request; notify signs the link from it, as it signs confirmation links, and mails it to the address it
fetches at send time. The answer is the same whether or not the address is known. The link opens the web
and works for VALID_FOR, once: redeeming it (`POST /sessions`) removes the request in the same conditional
write that checks its nonce, so of two redemptions one wins, and a newer request makes older links worthless.
Whether a link would still work can be asked without using it (`POST /sessions/check`), so the page it opens
shows the button only for one that would.

A subject's own credential (an offer's manage_token, an organisation's api_key) may also be exchanged for a
session (`POST /sessions` with it as the bearer token and no code), so that a client that was handed the
credential at sign-up need keep only the session. A session is never exchanged for another: it ends when it
ends.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable

from shared import confirmation
from shared.auth import Caller
from shared.clock import from_iso, to_iso
from shared.config import Config
from shared.errors import Forbidden, LinkGone, Unauthorized
from shared.sessions import Sessions

OFFER_PURPOSE, CONTACT_PURPOSE = "sign-in-offer", "sign-in-contact"
VALID_FOR = timedelta(minutes=30)
REPEAT_AFTER = timedelta(minutes=1)  # a new request for one subject at most this often; until then the last stands
ACCEPTED = {"status": "accepted", "message": "If the address is known, a sign-in link is on its way."}
OFFER_PAGE, CONTACT_PAGE = "frivillig", "organisasjon"  # the web's sign-in pages: /logg-inn/<page>/<code>


USED = "This sign-in link has been used already, or a newer one replaced it; ask for a new one."
USABLE = "usable"


class LinkUsed(LinkGone):
    """A genuine sign-in link whose request was used already, or replaced by a newer one."""

    code = "link_used"


def may_ask_again(subject: dict[str, Any], now: str) -> bool:
    """True when a new sign-in request may be made: none is stored, or the last is REPEAT_AFTER old."""
    last = subject.get("sign_in")
    return last is None or from_iso(now) - from_iso(last["requested_at"]) >= REPEAT_AFTER


def is_expired(request: dict[str, str], now: str) -> bool:
    """True when the links of a sign-in request no longer work."""
    return confirmation.expires_at(request, VALID_FOR) <= from_iso(now)


def link(config: Config, page: str, purpose: str, subject_id: str, request: dict[str, str]) -> str:
    """The sign-in link of one request: the web's page for the subject's kind and the signed code."""
    code = confirmation.make_code(config, purpose, subject_id, request, VALID_FOR)
    return f"{config.web_url.rstrip('/')}/logg-inn/{page}/{code}"


def offer_link(config: Config, offer_id: str, request: dict[str, str]) -> str:
    """The link that signs a volunteer in to one offer."""
    return link(config, OFFER_PAGE, OFFER_PURPOSE, offer_id, request)


def contact_link(config: Config, organisation_id: str, request: dict[str, str]) -> str:
    """The link that signs an organisation's contact in for the organisation."""
    return link(config, CONTACT_PAGE, CONTACT_PURPOSE, organisation_id, request)


def _opened(subject_id: str, sessions: Sessions) -> dict[str, str]:
    token, expires_at = sessions.open(subject_id)
    return {"subject_id": subject_id, "token": token, "expires_at": to_iso(expires_at)}


def redeem(config: Config, purpose: str, code: str, now: str, use: Callable[[str, str], bool],
           sessions: Sessions) -> dict[str, str]:
    """A new session for the subject of a sign-in link: {"subject_id", "token", "expires_at"}. InvalidLink for a
    forged code, LinkExpired for an old one, LinkUsed when use(subject_id, nonce) finds the request gone."""
    claim = confirmation.read_code(config, purpose, code, now)
    if not use(claim.subject_id, claim.nonce):
        raise LinkUsed(USED)
    return _opened(claim.subject_id, sessions)


def check(config: Config, purpose: str, code: str, now: str, waiting: Callable[[str, str], bool]) -> dict[str, str]:
    """Whether a sign-in link would open a session now, changing nothing: {"state": "usable"} when
    waiting(subject_id, nonce) finds its request stored; else what redeem() would raise for it."""
    claim = confirmation.read_code(config, purpose, code, now)
    if not waiting(claim.subject_id, claim.nonce):
        raise LinkUsed(USED)
    return {"state": USABLE}


def exchange(caller: Caller | None, own: Callable[[str], str | None], known: Callable[[str], bool],
             sessions: Sessions) -> dict[str, str]:
    """A new session for the subject whose own credential the caller holds (own(token) names the subject):
    {"subject_id", "token", "expires_at"}. 401 without a token or for one nobody holds; 403 for staff, a service,
    a session token, or another credential this service knows (`known`) that opens no session."""
    if caller is None:
        raise Unauthorized("This needs a sign-in link's code, or the subject's own credential as "
                           "'Authorization: Bearer <token>'.")
    if caller.is_staff or caller.is_service:
        raise Forbidden("Only a volunteer's or an organisation's own credential is exchanged for a session.")
    subject_id = own(caller.token)
    if subject_id is not None:
        return _opened(subject_id, sessions)
    if sessions.subject_of(caller.token) is not None:
        raise Forbidden("A session token is not exchanged for another session; sign in again when it ends.")
    if known(caller.token):
        raise Forbidden("This credential no longer opens a session.")
    raise Unauthorized("Unknown credential.")


def sign_out(caller: Caller | None, sessions: Sessions, known: Callable[[str], bool]) -> None:
    """End the caller's session; 403 for another credential this service knows, 401 for anything else."""
    if caller is None:
        raise Unauthorized("This needs the session token as 'Authorization: Bearer <token>'.")
    if sessions.revoke(caller.token):
        return
    if caller.is_staff or caller.is_service or known(caller.token):
        raise Forbidden("This is not a session token; only a session is signed out.")
    raise Unauthorized("Unknown or ended session token.")
