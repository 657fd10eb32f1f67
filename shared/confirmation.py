"""Address-confirmation links: a signed code naming what is confirmed, which request it answers, and its expiry.

The offers service confirms a volunteer's address and the needs service an organisation's contact
address the same way, so the code and the page it opens are made here once. The code carries the
subject's id, the nonce of the confirmation request it answers (a new request, e.g. after a change of
address, makes older links worthless) and when it stops working; nothing is stored per link.
The request (nonce and requested_at, no personal data) travels in the `*.confirmation_requested` event,
and notify makes the link from it when it writes the message, so no service hands confirmation links out.
"""
from __future__ import annotations

import secrets
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any, Callable
from uuid import UUID

from jinja2 import Environment, FileSystemLoader, select_autoescape

from shared import links
from shared.clock import from_iso, to_iso
from shared.config import Config
from shared.errors import InvalidLink, LinkGone
from shared.events import Change, Event
from shared.http import deps

OFFER_PURPOSE, CONTACT_PURPOSE = "confirm-offer", "confirm-contact"
VALID_FOR = timedelta(days=7)
NONCE_BYTES = 8
_LAYOUT = struct.Struct(f">16s{NONCE_BYTES}sI")  # subject UUID, request nonce, expiry in Unix seconds

# What a page says, by outcome: asking to confirm, confirmed now, confirmed before, or a link that does not work.
ASK, CONFIRMED, ALREADY, INVALID, EXPIRED, GONE = "ask", "confirmed", "already", "invalid", "expired", "gone"
PAGE_STATUS = {ASK: 200, CONFIRMED: 200, ALREADY: 200, INVALID: 404, EXPIRED: 410, GONE: 410}
PAGE_RESPONSES = {str(status): {"description": text, "content": {"text/html": {"schema": {"type": "string"}}}}
                  for status, text in ((200, "The page: asking to confirm, confirmed now, or confirmed before"),
                                       (404, "An invalid or forged link"),
                                       (410, "The link expired, or a newer one replaced it, or the subject is gone"))}


class LinkExpired(LinkGone):
    """A genuine link whose time is up."""

    code = "link_expired"


class LinkSuperseded(LinkGone):
    """A genuine link to a confirmation request that a newer one replaced, or to a subject that is gone."""

    code = "link_superseded"


@dataclass(frozen=True)
class Claim:
    """What a valid code says: which subject, and which confirmation request it answers."""

    subject_id: str
    nonce: str


def new_request(now: str) -> dict[str, str]:
    """A fresh confirmation request, stored on the subject: its nonce and when it was made."""
    return {"nonce": secrets.token_hex(NONCE_BYTES), "requested_at": now}


def announced(request: dict[str, str]) -> dict[str, str]:
    """What a confirmation_requested event tells of its request: the nonce and requested_at the link is made from."""
    return {"nonce": request["nonce"], "requested_at": request["requested_at"]}


def expires_at(request: dict[str, str], valid_for: timedelta = VALID_FOR) -> datetime:
    """When the links of a request (a confirmation request unless valid_for says otherwise) stop working."""
    return from_iso(request["requested_at"]) + valid_for


def is_expired(request: dict[str, str], now: str) -> bool:
    """True when the request's links no longer work."""
    return expires_at(request) <= from_iso(now)


def requested_before(now: str) -> str:
    """The stored instant before which a request's links have expired."""
    return to_iso(from_iso(now) - VALID_FOR)


def make_code(config: Config, purpose: str, subject_id: str, request: dict[str, str],
              valid_for: timedelta = VALID_FOR) -> str:
    """The signed code of a request, working for valid_for after it was made (the same every time it is asked for)."""
    expiry = int(expires_at(request, valid_for).timestamp())
    payload = _LAYOUT.pack(UUID(subject_id).bytes, bytes.fromhex(request["nonce"]), expiry)
    return links.sign(config, purpose, payload)


def read_code(config: Config, purpose: str, code: str, now: str) -> Claim:
    """The claim of a code signed for this purpose; InvalidLink if forged or mangled, LinkExpired if too old."""
    payload = links.verify(config, purpose, code)
    if len(payload) != _LAYOUT.size:
        raise InvalidLink("This link is not valid.")
    subject, nonce, expiry = _LAYOUT.unpack(payload)
    if datetime.fromtimestamp(expiry, timezone.utc) <= from_iso(now):
        raise LinkExpired("This link has expired.")
    return Claim(str(UUID(bytes=subject)), nonce.hex())


def claimed(config: Config, purpose: str, code: str, now: str, load: Callable[[str], dict[str, Any] | None],
            gone: str) -> tuple[Claim, dict[str, Any]]:
    """What a code claims and the subject load() finds by its id; LinkSuperseded saying gone when there is none."""
    claim = read_code(config, purpose, code, now)
    subject = load(claim.subject_id)
    if subject is None:
        raise LinkSuperseded(gone)
    return claim, subject


def settle(subject: dict[str, Any], change: Change,
           save: Callable[[dict[str, Any], tuple[Event, ...]], object]) -> str:
    """Save a confirming change: CONFIRMED, or ALREADY when it leaves the subject as it was and nothing is saved."""
    if change.doc is subject:
        return ALREADY
    save(change.doc, change.events)
    return CONFIRMED


def link(base_url: str, code: str) -> str:
    """The address a person opens: the owning service's public URL and the code."""
    return f"{base_url.rstrip('/')}/confirm/{code}"


def offer_link(config: Config, offer_id: str, request: dict[str, str]) -> str:
    """The link that confirms a volunteer's address for one request of an offer."""
    code = make_code(config, OFFER_PURPOSE, offer_id, request)
    return link(config.offers_public_url or config.offers_url, code)


def contact_link(config: Config, organisation_id: str, request: dict[str, str]) -> str:
    """The link that confirms an organisation's contact address for one request."""
    code = make_code(config, CONTACT_PURPOSE, organisation_id, request)
    return link(config.needs_public_url or config.needs_url, code)


def outcome_of(error: InvalidLink) -> str:
    """The page to show for a link that does not work."""
    if isinstance(error, LinkExpired):
        return EXPIRED
    if isinstance(error, LinkSuperseded):
        return GONE
    return INVALID


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                       autoescape=select_autoescape(["html", "html.j2"]), trim_blocks=True, lstrip_blocks=True)


def page(subject: str, outcome: str) -> tuple[str, int, dict[str, str]]:
    """The confirmation page ("offer" or "contact") for an outcome, as a Flask response tuple."""
    html = _environment().get_template("confirm_address.html.j2").render(
        subject=subject, outcome=outcome, web_url=deps().config.web_url.rstrip("/"))
    return html, PAGE_STATUS[outcome], {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
                                        "Referrer-Policy": "no-referrer"}


def respond(subject: str, use_case: Callable[..., str], *args: object) -> tuple[str, int, dict[str, str]]:
    """The page for what use_case(*args) says of a link, or for why the link does not work."""
    try:
        return page(subject, use_case(*args))
    except InvalidLink as error:
        return page(subject, outcome_of(error))
