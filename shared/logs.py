"""One log format for every process: a JSON line per record (python-json-logger) with the service, the current
trace and the record's own fields; and the line each HTTP request and each handled event writes.

Lines carry ids, types, statuses and times, never names, e-mail addresses, phone numbers or tokens: paths are
redacted of link codes, and any e-mail address or +-prefixed phone number that reaches a message (an error
text, a traceback) is masked before the line is written.
"""
from __future__ import annotations

import logging
import re
import sys
import time
from datetime import datetime, timezone
from typing import Any, Mapping, TextIO

from pythonjsonlogger.json import JsonFormatter

from shared import tracing

REDACTED = "[redacted]"
_CODE_AFTER_PREFIX = re.compile(r"(/(?:r|confirm|calendar|sign-in|logg-inn/[a-z]+)/)[^/?#\s\".]+")
_LONG_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_-]{40,}")  # too long to be an id: a UUID is 36 characters
_SECRET_IN_QUERY = re.compile(r"(?<=[?&;])((?:code|token|key|api_key|manage_token)=)[^&;#\s\"]*", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+\d[\d ]{6,16}\d")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

REQUESTS = logging.getLogger("frivillig.http")
EVENTS = logging.getLogger("frivillig.events")
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes: logged only when they fail
UNMATCHED_ROUTE = "unmatched"
METHODS = tracing.METHODS
# The ids a request's path or query, or an event's data, may name, by the field a log line gives each.
ID_FIELDS = {"match_id": "match_id", "need_id": "need_id", "offer_id": "offer_id", "org_id": "organisation_id",
             "organisation_id": "organisation_id", "stands_in_for": "stands_in_for"}
SUBJECT_FIELDS = {"match": "match_id", "need": "need_id", "offer": "offer_id", "organisation": "organisation_id",
                  "notification": "match_id"}

_identity = {"service": "frivillig", "role": "main"}  # "role": api or worker ("process" is the record's pid)


def redact(text: str) -> str:
    """The text with link codes and token values replaced by a marker."""
    text = _LONG_SEGMENT.sub(REDACTED, _CODE_AFTER_PREFIX.sub(r"\1" + REDACTED, text))
    text = _SECRET_IN_QUERY.sub(lambda m: m.group(1) + REDACTED, text)
    if text.startswith(("code=", "token=", "key=")):  # a bare query string has no leading "?"
        text = _SECRET_IN_QUERY.sub(lambda m: m.group(1) + REDACTED, "?" + text)[1:]
    return text


def mask(text: str) -> str:
    """The text with e-mail addresses and international phone numbers masked."""
    if "@" in text:
        text = _EMAIL.sub("[email]", text)
    return _PHONE.sub("[phone]", text) if "+" in text else text


def is_id(value: object) -> bool:
    """Whether a value is an id in its canonical form (a lower-case UUID), so safe to log as one."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


class _Context(logging.Filter):
    """Adds the process's service and the current trace to every record that does not carry its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _identity.items():
            if not hasattr(record, key):
                setattr(record, key, value)
        context = tracing.current()
        if context is not None and not hasattr(record, "trace_id"):
            record.trace_id, record.span_id = context.trace_id, context.span_id
        return True


class JsonLines(JsonFormatter):
    """time, level, logger and message, then the record's fields, as one JSON object; text values masked."""

    def __init__(self) -> None:
        super().__init__("{asctime}{levelname}{name}{message}", style="{", json_ensure_ascii=False,
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: mask(value) if isinstance(value, str) else value for key, value in log_data.items()}


def adopt(handler: logging.Handler) -> logging.Handler:
    """Make a handler write JSON lines with the service and the trace."""
    handler.setFormatter(JsonLines())
    handler.addFilter(_Context())
    return handler


def json_handler(stream: TextIO | None = None) -> logging.Handler:
    """A handler writing JSON lines to the stream (standard error by default)."""
    handler = adopt(logging.StreamHandler(stream or sys.stderr))
    handler.set_name("frivillig-json")
    return handler


def configure(service: str, role: str, level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """Send every record of this process at `level` and above to one JSON handler (replacing an earlier one)."""
    _identity.update(service=service, role=role)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == "frivillig-json"]:
        root.removeHandler(handler)
    root.addHandler(json_handler(stream))
    root.setLevel(level)
    logging.getLogger("kafka").setLevel(logging.WARNING)


def service_of(module: str, default: str = "frivillig") -> str:
    """The service a module or gunicorn app belongs to: "offers" for "services.offers.app:create_app()"."""
    match = re.match(r"services\.([a-z_]+)\.", module)
    return match.group(1) if match else default


def service_of_main() -> str:
    """The service a `python -m services.<name>.worker` process belongs to."""
    return service_of(getattr(getattr(sys.modules.get("__main__"), "__spec__", None), "name", "") or "")


def ids_of(values: Mapping[str, Any]) -> dict[str, str]:
    """The ids among the values (path parameters, query arguments, event data) under their log fields."""
    return {field: values[key] for key, field in ID_FIELDS.items() if is_id(values.get(key))}


def event_fields(event: Any) -> dict[str, Any]:
    """What a log line says of an event: its id, type and subject, and the ids it names."""
    fields = {"event_id": event.id, "event_type": event.type, "subject": event.subject, **ids_of(event.data)}
    subject_field = SUBJECT_FIELDS.get(event.type.partition(".")[0])
    if subject_field and is_id(event.subject):
        fields.setdefault(subject_field, event.subject)
    return fields


def _query_ids(request: Any) -> dict[str, str]:
    """The ids in the query string; none from one that is not UTF-8 (it was answered 400 already)."""
    if not request.query_string:
        return {}
    try:
        return ids_of(request.args)
    except UnicodeDecodeError:
        return {}


def name_ids(**ids: Any) -> None:
    """Put on this request's log line ids its path does not carry, such as those of what a POST created."""
    from flask import g
    g.log_ids = {**g.get("log_ids", {}), **ids_of(ids)}


def init_app(app: Any, service: str) -> None:
    """One line per request the Flask app answers: route, redacted path, status, time taken, ids and trace."""
    from flask import g, request

    def started() -> None:
        g.log_started = time.perf_counter()

    def answered(response: Any) -> Any:
        route = request.url_rule.rule if request.url_rule else UNMATCHED_ROUTE
        method = request.method if request.method in METHODS else "other"
        status = response.status_code
        fields = {"service": service, "method": method, "route": route, "path": redact(request.path),
                  "status": status, **_query_ids(request), **ids_of(request.view_args or {}), **g.get("log_ids", {})}
        if "log_started" in g:
            fields["duration_ms"] = round((time.perf_counter() - g.log_started) * 1000, 1)
        level = logging.WARNING if status >= 500 else logging.INFO
        if route in QUIET_ROUTES and status < 400:
            level = logging.DEBUG
        REQUESTS.log(level, "%s %s %d", method, fields["path"], status, extra=fields)
        return response

    app.before_request(started)
    app.after_request(answered)
