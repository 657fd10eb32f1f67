"""Signed link codes: a payload and a truncated HMAC-SHA256 bound to a purpose, verifiable under every current key."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from uuid import UUID

from shared.config import Config
from shared.errors import InvalidLink

MAC_BYTES = 16


def _mac(key: str, purpose: str, payload: bytes) -> bytes:
    message = purpose.encode() + b"\x00" + payload
    return hmac.new(key.encode(), message, hashlib.sha256).digest()[:MAC_BYTES]


def _keys(config: Config) -> tuple[str, ...]:
    keys = tuple(k for k in config.link_signing_keys if k)
    if not keys:
        raise RuntimeError("LINK_SIGNING_KEY is empty: links cannot be signed or verified")
    return keys


def sign(config: Config, purpose: str, payload: bytes) -> str:
    """A URL-safe code carrying the payload, signed with the first key for this purpose only."""
    if "\x00" in purpose or not purpose:
        raise ValueError("a link purpose is a non-empty name without NUL")
    raw = payload + _mac(_keys(config)[0], purpose, payload)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(code: str) -> bytes:
    if not code or len(code) > 1024 or len(code) % 4 == 1:
        raise InvalidLink("This link is not valid.")
    try:
        return base64.b64decode(code + "=" * (-len(code) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise InvalidLink("This link is not valid.") from None


def verify(config: Config, purpose: str, code: str) -> bytes:
    """The payload of a code signed for this purpose by any current key; InvalidLink for anything else."""
    raw = _decode(code)
    if len(raw) <= MAC_BYTES:
        raise InvalidLink("This link is not valid.")
    payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    matched = False
    for key in _keys(config):
        matched |= hmac.compare_digest(_mac(key, purpose, payload), mac)
    if not matched:
        raise InvalidLink("This link is not valid.")
    return payload


ANSWER = "respond"
SIDES = ("volunteer", "organisation")


def answer_url(config: Config, match_id: str, side: str) -> str:
    """The link that opens one side's answer page of a proposal: match id and side, signed, short enough for an
    SMS. Notify makes it when it writes the message, so no service hands answer links out."""
    code = sign(config, ANSWER, UUID(match_id).bytes + bytes([SIDES.index(side)]))
    return f"{config.public_base_url}/r/{code}"


def read_answer_code(config: Config, code: str) -> tuple[str, str]:
    """The match id and side an answer link proves; InvalidLink for a code not signed here for that purpose."""
    payload = verify(config, ANSWER, code)
    if len(payload) != 17 or payload[16] >= len(SIDES):
        raise InvalidLink("This link is not valid.")
    return str(UUID(bytes=payload[:16])), SIDES[payload[16]]
