"""W3C trace context through every service, and OpenTelemetry export when OTEL_EXPORTER_OTLP_ENDPOINT is set.

A trace context names a trace and the span the current work is in. It is read from an incoming request's
`traceparent` header (or started), current while the request or a handled event is worked on, sent on outgoing
HTTP calls (TracedSession) and written into every event made meanwhile as the CloudEvents distributed-tracing
extension (shared.events), so what one request sets off, through the outbox, the broker and the other services'
consumers, carries one trace id into every log line. Without an endpoint the ids are made here and only logged,
and OpenTelemetry is never imported; with one, each span is also an OpenTelemetry span, exported over OTLP/HTTP.
"""
from __future__ import annotations

import os
import re
import secrets
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlsplit

import requests

TRACEPARENT, TRACESTATE = "traceparent", "tracestate"
ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"
INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER = "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"
SAMPLED = "01"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "_OTHER"  # any other word a client sends as its method, so it cannot name spans

_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-[ -~]*)?")
_TRACESTATE = re.compile(r"[ -~]{1,512}")  # printable ASCII within the length W3C asks vendors to keep
_ZERO_TRACE, _ZERO_SPAN = "0" * 32, "0" * 16


@dataclass(frozen=True)
class TraceContext:
    """A trace id, the id of the span the work is in, the trace flags and any vendors' tracestate."""

    trace_id: str
    span_id: str
    flags: str = SAMPLED
    state: str | None = None

    @property
    def traceparent(self) -> str:
        """The W3C traceparent value (version 00)."""
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"

    def headers(self) -> dict[str, str]:
        """The HTTP headers that carry this context to the next service."""
        return {TRACEPARENT: self.traceparent, **({TRACESTATE: self.state} if self.state else {})}


def parse(traceparent: object, tracestate: object = None) -> TraceContext | None:
    """The context a traceparent (and tracestate) names; None when it is missing or not valid by W3C's rules
    (a version 00 value of another length, version ff, all-zero ids), so that a new trace is started instead."""
    if not isinstance(traceparent, str):
        return None
    match = _TRACEPARENT.fullmatch(traceparent.strip())
    if match is None:
        return None
    version, trace_id, span_id, flags, rest = match.groups()
    if version == "ff" or (version == "00" and rest) or trace_id == _ZERO_TRACE or span_id == _ZERO_SPAN:
        return None
    state = tracestate.strip() if isinstance(tracestate, str) and _TRACESTATE.fullmatch(tracestate.strip()) else None
    return TraceContext(trace_id, span_id, flags, state)


_current: ContextVar[TraceContext | None] = ContextVar("trace_context", default=None)


def current() -> TraceContext | None:
    """The context of the work under way in this thread, if any."""
    return _current.get()


def for_event() -> TraceContext:
    """The context an event made now carries: the current one, or a new trace for an event made outside any."""
    return _current.get() or TraceContext(secrets.token_hex(16), secrets.token_hex(8))


class _OpenTelemetry:
    """The OpenTelemetry SDK, imported only once spans are to be exported."""

    def __init__(self, service: str, role: str, processor: Any) -> None:
        from opentelemetry import context, trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider

        self.context, self.trace = context, trace
        resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME") or service,
                                    "service.namespace": "frivillig", "frivillig.role": role})
        self.provider = TracerProvider(resource=resource)
        self.provider.add_span_processor(processor)
        self.tracer = self.provider.get_tracer("frivillig")

    def start(self, name: str, kind: str, parent: TraceContext | None, attributes: Mapping[str, Any]) -> Any:
        """An OpenTelemetry span, child of the parent (remote or ours) or the root of a new trace."""
        trace = self.trace
        if parent is None:
            within = self.context.Context()
        else:
            state = trace.TraceState.from_header([parent.state]) if parent.state else None
            remote = trace.SpanContext(int(parent.trace_id, 16), int(parent.span_id, 16), is_remote=True,
                                       trace_flags=trace.TraceFlags(int(parent.flags, 16)), trace_state=state)
            within = trace.set_span_in_context(trace.NonRecordingSpan(remote))
        return self.tracer.start_span(name, context=within, kind=trace.SpanKind[kind], attributes=dict(attributes))

    def failed(self, span: Any, error: BaseException | None, description: str) -> None:
        if error is not None:
            span.record_exception(error)
        span.set_status(self.trace.Status(self.trace.StatusCode.ERROR, description))


_exporting: _OpenTelemetry | None = None


def configure(service: str, role: str, environ: Mapping[str, str] | None = None) -> bool:
    """Export spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads it and the other
    OTEL_EXPORTER_OTLP_* variables itself), as the service's api or worker; once per process. False, importing
    nothing, when it is unset."""
    if _exporting is not None:
        return True
    if not (os.environ if environ is None else environ).get(ENDPOINT_VARIABLE):
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    export_to(service, role, BatchSpanProcessor(OTLPSpanExporter()))
    return True


def export_to(service: str, role: str, processor: Any) -> None:
    """Make every span from now on an OpenTelemetry span handed to this span processor."""
    global _exporting
    _exporting = _OpenTelemetry(service, role, processor)


def stop_exporting() -> None:
    """Flush what is still to be exported and go back to ids only."""
    global _exporting
    exporting, _exporting = _exporting, None
    if exporting is not None:
        exporting.provider.shutdown()


def exporting() -> bool:
    """Whether spans are exported (OpenTelemetry is loaded)."""
    return _exporting is not None


class Span:
    """A unit of work in the current trace (a child of `parent`, else of the current span, else a new trace's
    root): current from enter to exit, and an exported OpenTelemetry span when export is on."""

    def __init__(self, name: str, kind: str = INTERNAL, parent: TraceContext | None = None,
                 attributes: Mapping[str, Any] | None = None):
        self.name, self.kind, self.parent = name, kind, parent
        self.attributes = {key: value for key, value in (attributes or {}).items() if value is not None}
        self.context: TraceContext | None = None
        self._otel: Any = None
        self._token: Token | None = None

    def __enter__(self) -> TraceContext:
        parent = self.parent or _current.get()
        if _exporting is None:
            self.context = TraceContext(parent.trace_id if parent else secrets.token_hex(16), secrets.token_hex(8),
                                        parent.flags if parent else SAMPLED, parent.state if parent else None)
        else:
            self._otel = _exporting.start(self.name, self.kind, parent, self.attributes)
            ids = self._otel.get_span_context()
            self.context = TraceContext(format(ids.trace_id, "032x"), format(ids.span_id, "016x"),
                                        format(int(ids.trace_flags), "02x"), parent.state if parent else None)
        self._token = _current.set(self.context)
        return self.context

    def set(self, key: str, value: Any) -> None:
        """Record an attribute on the exported span (nothing without export)."""
        if self._otel is not None and value is not None:
            self._otel.set_attribute(key, value)

    def failed(self, description: str, error: BaseException | None = None) -> None:
        """Mark the exported span as an error."""
        if self._otel is not None and _exporting is not None:
            _exporting.failed(self._otel, error, description)

    def __exit__(self, exc_type: Any, error: BaseException | None, traceback: Any) -> None:
        if self._otel is not None:
            if error is not None:
                self.failed(f"{type(error).__name__}: {error}"[:200], error)
            self._otel.end()
            self._otel = None
        if self._token is not None:
            try:
                _current.reset(self._token)
            except ValueError:  # ended in another context than it began (a request torn down elsewhere)
                _current.set(None)
            self._token = None


class TracedSession(requests.Session):
    """A requests session that sends the current trace context on every call, each call a client span."""

    def request(self, method: str | bytes, url: str | bytes,  # type: ignore[override]
                **kwargs: Any) -> requests.Response:
        verb = (method.decode() if isinstance(method, bytes) else str(method)).upper()
        address = urlsplit(url.decode() if isinstance(url, bytes) else str(url))
        attributes = {"http.request.method": verb, "server.address": address.hostname, "server.port": address.port}
        span = Span(verb, CLIENT, attributes=attributes)
        with span as context:
            kwargs["headers"] = {**(kwargs.get("headers") or {}), **context.headers()}
            response = super().request(method, url, **kwargs)
            span.set("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.failed(f"HTTP {response.status_code}")
            return response


def init_app(app: Any, service: str) -> None:
    """Trace every request the Flask app answers: a server span, child of the caller's traceparent if it sent a
    valid one, current until the request is torn down."""
    from flask import g, request

    configure(service, "api")

    def started() -> None:
        route = request.url_rule.rule if request.url_rule else None
        method = request.method if request.method in METHODS else OTHER_METHOD
        parent = parse(request.headers.get(TRACEPARENT), request.headers.get(TRACESTATE))
        span = Span(f"{method} {route}" if route else method, SERVER, parent,
                    {"http.request.method": method, "http.route": route})
        span.__enter__()
        g.trace_span = span

    def answered(response: Any) -> Any:
        span = g.get("trace_span")
        if span is not None:
            span.set("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.failed(f"HTTP {response.status_code}")
        return response

    def ended(error: BaseException | None) -> None:
        span = g.pop("trace_span", None)
        if span is not None:
            span.__exit__(type(error) if error else None, error, None)

    app.before_request_funcs.setdefault(None, []).insert(0, started)  # first: every other hook runs in the span
    app.after_request(answered)
    app.teardown_request(ended)
