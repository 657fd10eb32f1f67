"""Bearer tokens: made random, shown once, stored only as a hash, compared in constant time."""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import request

from shared.config import Config
from shared.errors import Forbidden, Unauthorized
from shared.http import deps

STAFF = "staff"
SERVICE = "service"
BEARER = "bearer"
INTROSPECTION_REFUSALS = {401: "No token, or one this service does not know (unauthorized)",
                          403: "The staff token, or a token this service issued: only the other services ask "
                               "(forbidden)"}
INTROSPECTION_FORM = {"content": {"application/x-www-form-urlencoded": {  # RFC 7662 sends a form
    "schema": {"$ref": "#/components/schemas/TokenIntrospectionIn"}}}}
View = TypeVar("View", bound=Callable[..., Any])
Known = Callable[[str, Any], bool]


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


def _require(config: Config, kind: str, known: Callable[[str], bool], who: str) -> Caller:
    """The caller if it is of this kind; else 403 for a caller this service knows (staff, another service, or a
    token `known` recognises as one of its own), and 401 for anyone else."""
    caller = require_caller(config)
    if caller.kind == kind:
        return caller
    if caller.is_staff or caller.is_service or known(caller.token):
        raise Forbidden(f"Only {who} may do this.")
    raise Unauthorized(f"This needs the {kind} token.")


def require_staff(config: Config, known: Callable[[str], bool] = _nobody) -> Caller:
    """The caller if it is municipal staff; 403 for a caller this service knows, 401 for anyone else."""
    return _require(config, STAFF, known, "municipal staff")


def require_service(config: Config, known: Callable[[str], bool] = _nobody) -> Caller:
    """The caller if it is another service; 403 for staff or a token `known` recognises, 401 for anyone else."""
    return _require(config, SERVICE, known, "the other services")


def require_known(config: Config, known: Callable[[str], bool]) -> Caller:
    """The caller if it is staff, a service or a token `known` recognises; 401 for a missing or unknown token."""
    caller = require_caller(config)
    if caller.kind == BEARER and not known(caller.token):
        raise Unauthorized("Unknown token.")
    return caller


def caller_first(check: Callable[[Config, Callable[[str], bool]], Caller], known: Known) -> Callable[[View], View]:
    """A view decorator, placed above @blp.arguments: the caller is checked before the body is read, so a
    stranger gets 401 rather than a list of field errors. `known(token, repo)` says whether the token is this
    service's own."""
    def decorate(view: View) -> View:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            d = deps()
            check(d.config, functools.partial(known, repo=d.repo))
            return view(*args, **kwargs)
        return checked  # type: ignore[return-value]
    return decorate


def introspection(config: Config, token: str, holder: Callable[[str], dict[str, Any] | None]) -> dict[str, Any]:
    """RFC 7662's answer for a token: staff, a service, or what `holder` says of a token it issued (e.g.
    {"kind": "volunteer", "offer_id": ...}); {"active": False} and nothing else for any other token."""
    if _same(config.admin_token, token):
        return {"active": True, "kind": STAFF}
    if _same(config.service_token, token):
        return {"active": True, "kind": SERVICE}
    found = holder(token) if token else None
    return {"active": True, **found} if found else {"active": False}
