"""Use cases and event handlers of the notify service; the table at the bottom routes events to them.

Exactly one message per (event, recipient, channel): the notification's _id is that key, so a
redelivered event finds the notifications it created before. Before a send, the notification is
saved as 'sending' with a lease (optimistic concurrency: one worker wins). A crash after the
server took the message but before 'sent' was saved is the one window left; we close it towards
delivery: when the lease runs out the message is sent again with the same Message-ID (e-mail) or
Idempotency-Key (SMS), which receivers use to drop the copy. Losing a message is worse than a
recognisable duplicate.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from shared.clock import to_iso
from shared.config import Config
from shared.directory import Directory, DirectoryUnavailable
from shared.events import Event
from shared.mongo import VersionConflict
from shared.reference import district_name
from services.notify import model
from services.notify.messages import language_for, render
from services.notify.repository import SENDING, NotifyRepository
from services.notify.senders import PermanentFailure, SmsSender, SmtpSender, TransientFailure

SEND_LEASE = timedelta(seconds=60)


@dataclass
class Notifier:
    """Everything a delivery needs."""

    repo: NotifyRepository
    directory: Directory
    smtp: SmtpSender
    sms: SmsSender
    config: Config
    clock: Callable[[], datetime]


def on_match_event(event: Event, n: Notifier) -> None:
    """Create the notifications an event calls for (once), then try to deliver them."""
    now = to_iso(n.clock())
    for role, kind in model.recipients(event):
        for channel in model.CHANNELS:
            n.repo.create(model.new_notification(event, role, kind, channel, now))
    for notification in n.repo.for_event(event.id):
        deliver(notification["_id"], n)


def deliver_due(n: Notifier) -> int:
    """Deliver what is due: retries after backoff, SMS held over the night, leases that ran out."""
    due = n.repo.due(to_iso(n.clock()))
    for notification in due:
        deliver(notification["_id"], n)
    return len(due)


def _context(match: dict[str, Any], n: Notifier) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any]]:
    """Template context, the volunteer's offer (None if erased) and the organisation, fetched now."""
    need = n.directory.need(match["need_id"]) or {}
    organisation = n.directory.organisation(match["organisation_id"]) or {}
    offer = n.directory.offer(match["offer_id"])
    if offer is not None and offer.get("status") != "open" and "volunteer" not in offer:
        offer = None
    volunteer = (offer or {}).get("volunteer", {})
    contact = organisation.get("contact", {})
    context = {
        "need_title": need.get("title", ""), "need_description": need.get("description") or None,
        "district_name": district_name(need["district"]) if need.get("district") else "",
        "schedule": need.get("schedule", {}), "organisation_name": organisation.get("name", ""),
        "volunteer_name": volunteer.get("name", ""), "volunteer_email": volunteer.get("email", ""),
        "volunteer_phone": volunteer.get("phone"), "contact_name": contact.get("name", ""),
        "contact_email": contact.get("email", ""), "contact_phone": contact.get("phone"),
        "respond_url": match.get("links", {}).get(model.VOLUNTEER, ""), "expires_at": match.get("expires_at", ""),
        "occurrence_start": match.get("occurrence_start", ""),
    }
    return context, offer, organisation


def _person(role: str, offer: dict[str, Any] | None, organisation: dict[str, Any]) -> dict[str, Any] | None:
    if role == model.VOLUNTEER:
        return None if offer is None else {**offer["volunteer"], "contact_channels": offer.get("contact_channels", [])}
    return organisation.get("contact")


def _save(n: Notifier, doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    updated = {**doc, **changes, "updated_at": to_iso(n.clock())}
    events = (model.outcome_event(updated),) if changes.get("status") in (model.SENT, model.FAILED) else ()
    return n.repo.notifications.save(updated, events)


def _logged(doc: dict[str, Any], now: datetime, outcome: str) -> list[dict[str, Any]]:
    return [*doc.get("log", []), {"at": to_iso(now), "attempt": doc["attempts"], "outcome": outcome[:300]}]


def deliver(notification_id: str, n: Notifier) -> None:
    """One delivery attempt for a notification that is due; a lost race with another worker is fine."""
    try:
        _deliver(notification_id, n)
    except VersionConflict:
        return


def _deliver(notification_id: str, n: Notifier) -> None:
    doc = n.repo.notifications.get(notification_id)
    now = n.clock()
    if doc is None or doc["status"] in model.FINAL or doc["next_attempt_at"] > to_iso(now):
        return
    try:
        match = n.directory.match(doc["match_id"])
        if match is None:
            _save(n, doc, status=model.SKIPPED, reason="match_unknown")
            return
        context, offer, organisation = _context(match, n)
    except DirectoryUnavailable as exc:
        _retry_later(n, doc, now, f"contact details unavailable: {exc}", count_attempt=False)
        return
    address = model.channels_allowed(doc["role"], doc["channel"], _person(doc["role"], offer, organisation),
                                     n.sms.enabled)
    if address is None:
        _save(n, doc, status=model.SKIPPED, reason="no_consent_or_address")
        return
    if doc["channel"] == model.SMS and model.in_quiet_hours(now):
        _save(n, doc, status=model.HELD, next_attempt_at=to_iso(model.end_of_quiet_hours(now)))
        return
    lang = language_for((offer or {}).get("volunteer", {}).get("languages", [])) if doc["role"] == model.VOLUNTEER else "nb"
    message = render(doc["kind"], lang, context)
    doc = _save(n, doc, status=SENDING, attempts=doc["attempts"] + 1, next_attempt_at=to_iso(now + SEND_LEASE))
    try:
        if doc["channel"] == model.EMAIL:
            n.smtp.send(address, message, model.message_id(doc["_id"], n.config.smtp_from.rpartition("@")[2] or "localhost"))
        else:
            n.sms.send(address, message.sms, doc["_id"])
    except PermanentFailure as exc:
        _save(n, doc, status=model.FAILED, log=_logged(doc, now, f"failed: {exc}"))
        return
    except TransientFailure as exc:
        _retry_later(n, doc, now, f"retry: {exc}")
        return
    _save(n, doc, status=model.SENT, sent_at=to_iso(n.clock()), lang=lang, log=_logged(doc, now, "sent"))


def _retry_later(n: Notifier, doc: dict[str, Any], now: datetime, outcome: str, count_attempt: bool = True) -> None:
    if count_attempt and doc["attempts"] >= n.config.notify_max_attempts:
        _save(n, doc, status=model.FAILED, log=_logged(doc, now, f"gave up: {outcome}"))
        return
    wait = model.backoff_seconds(max(1, doc["attempts"]), n.config.notify_retry_base_seconds)
    _save(n, doc, status=model.RETRYING, next_attempt_at=to_iso(now + timedelta(seconds=wait)),
          log=_logged(doc, now, outcome))


EVENT_HANDLERS: dict[str, Callable[[Event, Notifier], None]] = {
    event_type: on_match_event
    for event_type in ("match.proposed", "match.confirmed", "match.declined", "match.expired", "match.cancelled")
}
