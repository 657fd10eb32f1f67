"""Who is told what about a match, on which channel, and when. No I/O."""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from shared.events import Event, new_event
from shared.timeslots import OSLO

SOURCE = "/services/notify"
VOLUNTEER, ORGANISATION = "volunteer", "organisation"
EMAIL, SMS = "email", "sms"
CHANNELS = (EMAIL, SMS)

PENDING, HELD, RETRYING, SENT, FAILED, SKIPPED = "pending", "held", "retrying", "sent", "failed", "skipped"
FINAL = (SENT, FAILED, SKIPPED)
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)


def recipients(event: Event) -> list[tuple[str, str]]:
    """(role, message kind) for everyone who should hear about this match event."""
    by, reason = event.data.get("by"), event.data.get("reason")
    table: dict[str, list[tuple[str, str]]] = {
        "match.proposed": [(VOLUNTEER, "proposal"), (ORGANISATION, "candidate_found")],
        "match.confirmed": [(VOLUNTEER, "confirmed_volunteer"), (ORGANISATION, "confirmed_organisation")],
        "match.declined": [(ORGANISATION, "declined_organisation")] if by == VOLUNTEER else [(VOLUNTEER, "declined_volunteer")],
        "match.expired": [(VOLUNTEER, "expired_volunteer"), (ORGANISATION, "expired_organisation")],
        "match.cancelled": [(ORGANISATION, "cancelled_organisation")] if reason == "offer_withdrawn"
        else [(VOLUNTEER, "cancelled_volunteer")],
    }
    return table.get(event.type, [])


def notification_id(event_id: str, role: str, channel: str) -> str:
    """The idempotency key: one message per event, recipient and channel."""
    return f"{event_id}:{role}:{channel}"


def message_id(notification: str, domain: str) -> str:
    """A stable e-mail Message-ID, so a resend after a crash is recognisable as the same message."""
    return f"<{hashlib.sha256(notification.encode()).hexdigest()[:32]}@{domain}>"


def new_notification(event: Event, role: str, kind: str, channel: str, now: str) -> dict[str, Any]:
    """A notification to be delivered; it holds no contact details and no message body."""
    return {"_id": notification_id(event.id, role, channel), "match_id": event.subject, "event_id": event.id,
            "event_type": event.type, "role": role, "kind": kind, "channel": channel, "status": PENDING,
            "attempts": 0, "created_at": now, "updated_at": now, "next_attempt_at": now, "log": []}


def channels_allowed(role: str, channel: str, person: dict[str, Any] | None, sms_enabled: bool) -> str | None:
    """The address to use on this channel, or None when the person is gone, did not allow it, or has none."""
    if person is None:
        return None
    if channel == EMAIL:
        return person.get("email")
    allowed = role == ORGANISATION or SMS in person.get("contact_channels", [EMAIL])
    return person.get("phone") if sms_enabled and allowed else None


def in_quiet_hours(moment: datetime) -> bool:
    """True between 21:00 and 08:00 Oslo time, when no SMS is sent."""
    local = moment.astimezone(OSLO).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def end_of_quiet_hours(moment: datetime) -> datetime:
    """The next 08:00 Oslo time after a moment in quiet hours."""
    local = moment.astimezone(OSLO)
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=OSLO)


def backoff_seconds(attempt: int, base: float, cap: float = 3600.0, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: a random wait up to base * 2^(attempt-1), capped."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def outcome_event(notification: dict[str, Any]) -> Event:
    """notification.sent or notification.failed: ids, channel and counts, no addresses."""
    type_ = "notification.sent" if notification["status"] == SENT else "notification.failed"
    data = {"id": notification["_id"], "match_id": notification["match_id"], "event_id": notification["event_id"],
            "role": notification["role"], "kind": notification["kind"], "channel": notification["channel"],
            "attempts": notification["attempts"]}
    return new_event(SOURCE, type_, notification["match_id"], data)
