"""Bearer tokens: made random, shown once, stored only as a hash, compared in constant time."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flask import request

from shared.config import Config
from shared.errors import Forbidden, Unauthorized

STAFF = "staff"
SERVICE = "service"
BEARER = "bearer"


def new_token() -> str:
    """A fresh token of 256 random bits."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a token (tokens are random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str | None, token_hash: str | None) -> bool:
    """True when the token hashes to the stored hash."""
    return bool(token and token_hash) and hmac.compare_digest(hash_token(token), token_hash)


@dataclass(frozen=True)
class Caller:
    """Who is calling: staff, another service, or the holder of some bearer token."""

    kind: str
    token: str

    @property
    def is_staff(self) -> bool:
        return self.kind == STAFF

    @property
    def is_service(self) -> bool:
        return self.kind == SERVICE


def _same(a: str, b: str) -> bool:
    return bool(a) and hmac.compare_digest(a.encode(), b.encode())


def optional_caller(config: Config) -> Caller | None:
    """The caller named by the Authorization header, or None when there is none."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    if _same(config.admin_token, token):
        return Caller(STAFF, token)
    if _same(config.service_token, token):
        return Caller(SERVICE, token)
    return Caller(BEARER, token)


def require_caller(config: Config) -> Caller:
    """The caller, or 401 when the request carries no bearer token."""
    caller = optional_caller(config)
    if caller is None:
        raise Unauthorized("This needs an 'Authorization: Bearer <token>' header.")
    return caller


def _nobody(token: str) -> bool:
    return False


def require_staff(config: Config, known: Callable[[str], bool] = _nobody) -> Caller:
    """The caller if it is municipal staff; else 403 for a caller this service knows (another service, or a
    token `known` recognises as one of its own), and 401 for anyone else."""
    caller = require_caller(config)
    if caller.is_staff:
        return caller
    if caller.is_service or known(caller.token):
        raise Forbidden("Only municipal staff may do this.")
    raise Unauthorized("This needs the staff token.")
