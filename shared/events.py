"""Topics, event types and the CloudEvents 1.0 envelope, declared once for every service."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from uuid import uuid4

from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from shared import tracing

OFFERS_TOPIC = "offers.v1"
NEEDS_TOPIC = "needs.v1"
MATCHES_TOPIC = "matches.v1"
NOTIFICATIONS_TOPIC = "notifications.v1"

EVENT_TYPES: dict[str, tuple[str, ...]] = {
    OFFERS_TOPIC: ("offer.published", "offer.updated", "offer.withdrawn", "offer.confirmation_requested",
                   "offer.sign_in_requested"),
    NEEDS_TOPIC: ("need.published", "need.updated", "need.closed", "organisation.confirmation_requested",
                  "organisation.sign_in_requested"),
    MATCHES_TOPIC: (
        "match.proposed", "match.accepted", "match.declined",
        "match.confirmed", "match.expired", "match.cancelled",
        "match.occurrence_recorded", "match.absence_reported", "match.paused", "match.ended",
        "match.certificate_expired",
    ),
    NOTIFICATIONS_TOPIC: ("notification.sent", "notification.failed"),
}
TOPIC_OF_TYPE = {etype: topic for topic, types in EVENT_TYPES.items() for etype in types}
ALL_TOPICS = tuple(EVENT_TYPES)


def dlq_topic(topic: str) -> str:
    """The dead-letter topic of a source topic."""
    return f"{topic}.dlq"


class MalformedEvent(ValueError):
    """A message that is not a valid CloudEvents 1.0 JSON document of a known shape."""


class InvalidEvent(ValueError):
    """A well-formed event whose data a handler cannot read: permanent, so it is dead-lettered at once."""


_FORMAT = JSONFormat()


@dataclass(frozen=True)
class Event:
    """One fact that happened, as carried on a topic: small, past tense, no personal data. `trace` is the work
    that made it (the current trace context when it was made), carried as the distributed-tracing extension."""

    type: str
    subject: str
    data: dict[str, Any]
    source: str
    id: str = field(default_factory=lambda: str(uuid4()))
    time: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    trace: tracing.TraceContext | None = field(default_factory=tracing.for_event, compare=False)

    @property
    def topic(self) -> str:
        """The topic this event type belongs on."""
        return TOPIC_OF_TYPE[self.type]

    def to_json(self) -> bytes:
        """Serialise as a structured-mode CloudEvents JSON document."""
        attributes = {
            "specversion": "1.0", "id": self.id, "source": self.source, "type": self.type,
            "time": datetime.fromisoformat(self.time), "subject": self.subject,
            "datacontenttype": "application/json",
        }
        if self.trace is not None:
            attributes[tracing.TRACEPARENT] = self.trace.traceparent
            if self.trace.state:
                attributes[tracing.TRACESTATE] = self.trace.state
        return _FORMAT.write(CloudEvent(attributes, self.data))


@dataclass(frozen=True)
class Change:
    """A document as it should be stored, and the events that record the change (none when nothing changed)."""

    doc: dict[str, Any]
    events: tuple[Event, ...] = ()


def new_event(source: str, type_: str, subject: str, data: dict[str, Any], **extra: Any) -> Event:
    """Create an event of a declared type; refuses undeclared types."""
    if type_ not in TOPIC_OF_TYPE:
        raise ValueError(f"undeclared event type {type_!r}")
    return Event(type=type_, subject=subject, data=data, source=source, **extra)


def parse_event(raw: bytes | str) -> Event:
    """Read a structured CloudEvents JSON document; MalformedEvent if it is not one. A traceparent that is not
    valid is left out, as if none was sent."""
    try:
        ce = _FORMAT.read(None, raw)
        data = ce.get_data()
        if isinstance(data, (bytes, str)):
            data = json.loads(data)
    except Exception as exc:  # the SDK raises many kinds of errors for bad input
        raise MalformedEvent(f"not a CloudEvents JSON document: {exc}") from exc
    if not isinstance(data, dict) or not ce.get_subject():
        raise MalformedEvent("event must carry a subject and a JSON object as data")
    when = ce.get_time() or datetime.now(timezone.utc)
    trace = tracing.parse(ce.get_extension(tracing.TRACEPARENT), ce.get_extension(tracing.TRACESTATE))
    return Event(type=ce.get_type(), subject=ce.get_subject(), data=data,
                 source=ce.get_source(), id=ce.get_id(), time=when.isoformat(), trace=trace)
