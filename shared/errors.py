"""Domain errors shared by every service, and the one table that maps them to HTTP."""
from __future__ import annotations


class DomainError(Exception):
    """A rule said no; carries a stable code, a message for people and optional field reasons."""

    code = "error"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidInput(DomainError):
    """The request is well-formed but breaks a rule about its content."""

    code = "validation_failed"


class NotFound(DomainError):
    """No such resource (or its existence is private to the caller)."""

    code = "not_found"


class InvalidLink(NotFound):
    """A link code that was forged, mangled, signed for another purpose or under a retired key."""

    code = "invalid_link"


class LinkGone(InvalidLink):
    """A genuine link that works no more: it expired, was used, or a newer one replaced it."""

    code = "link_gone"


class Unauthorized(DomainError):
    """No token, or a token that belongs to nobody."""

    code = "unauthorized"


class Forbidden(DomainError):
    """A valid token that may not touch this resource."""

    code = "forbidden"


class Conflict(DomainError):
    """The resource is in a state that does not allow this change."""

    code = "conflict"


class Unavailable(DomainError):
    """Something the request needs (the database, another service) is away for now; try again shortly."""

    code = "unavailable"


HTTP_STATUS: dict[type[DomainError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    LinkGone: 410,
    Unauthorized: 401,
    Forbidden: 403,
    Conflict: 409,
    Unavailable: 503,
}


def status_of(error: DomainError) -> int:
    """The HTTP status for a domain error (the most specific class in the table wins)."""
    for cls in type(error).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 400
