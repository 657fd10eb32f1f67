"""gunicorn's access log without secrets: link codes in paths and referrers, and token values, are redacted."""
from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
_CODE_AFTER_PREFIX = re.compile(r"(/(?:r|confirm|calendar|sign-in)/)[^/?#\s\".]+")
_LONG_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_-]{40,}")  # too long to be an id: a UUID is 36 characters
_SECRET_IN_QUERY = re.compile(r"(?<=[?&;])((?:code|token|key|api_key|manage_token)=)[^&;#\s\"]*", re.IGNORECASE)
_SECRET_HEADERS = ("{authorization}i", "{cookie}i", "{http_authorization}e", "{http_cookie}e")


def redact(text: str) -> str:
    """The text with link codes and token values replaced by a marker."""
    text = _LONG_SEGMENT.sub(REDACTED, _CODE_AFTER_PREFIX.sub(r"\1" + REDACTED, text))
    text = _SECRET_IN_QUERY.sub(lambda m: m.group(1) + REDACTED, text)
    if text.startswith(("code=", "token=", "key=")):  # a bare query string has no leading "?"
        text = _SECRET_IN_QUERY.sub(lambda m: m.group(1) + REDACTED, "?" + text)[1:]
    return text


class RedactingLogger(Logger):
    """gunicorn's logger (--logger-class shared.accesslog.RedactingLogger) with every access-log atom redacted."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if key in _SECRET_HEADERS:
                atoms[key] = REDACTED
            elif isinstance(value, str):
                atoms[key] = redact(value)
        return atoms
