"""Messages a person asked for a moment ago (an address confirmation, a sign-in link), about an offer or an
organisation rather than a match.

Each kind is kept in a collection of its own, one message per (event, channel). The address is fetched at send
time from the owning service with the service token; the kind decides whom to write to, or why not, and what the
message says. The person is waiting for it, so it is not held over quiet hours.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from jinja2 import TemplateError
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shared import metrics
from shared.clock import to_iso
from shared.config import Config
from shared.directory import DirectoryUnavailable
from shared.events import Event
from shared.mongo import DocumentStore, VersionConflict
from services.notify import model
from services.notify.delivery import Notifier, logged, retry_later, send_and_record
from services.notify.messages import language_for, render

log = logging.getLogger(__name__)

OFFER, ORGANISATION = "offer", "organisation"

# recipient(doc, subject, now) -> (the person to write to, None) or (None, why nothing is to be sent)
Recipient = Callable[[dict[str, Any], dict[str, Any] | None, str], tuple[dict[str, Any] | None, str | None]]
# context(doc, person, config) -> the template values
Context = Callable[[dict[str, Any], dict[str, Any], Config], dict[str, Any]]


@dataclass(frozen=True)
class RequestedMessages:
    """One kind of requested message: its template, its collection, and how one is addressed and written."""

    kind: str
    collection: str
    name: str  # how the log names one message, e.g. "sign-in message"
    request_field: str  # the event data that carries the request the link is made from
    recipient: Recipient
    context: Context

    def store(self, n: Notifier) -> DocumentStore:
        """The messages of this kind, in the notify database."""
        return DocumentStore(n.repo.db[self.collection])

    def ensure_indexes(self, db: Database) -> None:
        """Index what the retry round reads (idempotent)."""
        db[self.collection].create_index([("status", 1), ("next_attempt_at", 1)])

    def new(self, event: Event, channel: str, now: str) -> dict[str, Any]:
        """A message to be delivered: ids and the request its link is made from, no address and no body."""
        subject_type = OFFER if event.type.startswith("offer.") else ORGANISATION
        role = model.VOLUNTEER if subject_type == OFFER else model.ORGANISATION
        return {"_id": model.notification_id(event.id, role, channel), "subject_type": subject_type,
                "subject_id": event.subject, "role": role, "kind": self.kind, "channel": channel,
                "status": model.PENDING, "request": event.data.get(self.request_field), "attempts": 0,
                "event_id": event.id, "event_type": event.type, "created_at": now, "updated_at": now,
                "next_attempt_at": now, "log": []}

    def create(self, n: Notifier, doc: dict[str, Any]) -> bool:
        """Store a new message; False when it exists already (a redelivered event)."""
        try:
            self.store(n).insert(doc)
            return True
        except DuplicateKeyError:
            return False

    def deliver_due(self, n: Notifier) -> int:
        """Retry the messages that are due (after backoff, or a send lease that ran out)."""
        query = {"status": {"$in": [model.PENDING, model.RETRYING, model.SENDING]},
                 "next_attempt_at": {"$lte": to_iso(n.clock())}}
        due = [doc["_id"] for doc in n.repo.db[self.collection].find(query, {"_id": 1}).limit(200)]
        for notification_id in due:
            self.deliver_one(notification_id, n)
        return len(due)

    def deliver_one(self, notification_id: str, n: Notifier) -> None:
        """One attempt; a lost race with another worker is fine, an unforeseen error leaves the message due."""
        try:
            self._deliver(notification_id, n)
        except VersionConflict:
            return
        except Exception:  # an unforeseen error in one delivery must not stop the others
            log.exception("delivering %s %s failed; it stays due and is tried again", self.name, notification_id)

    def _save(self, n: Notifier, doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
        saved = self.store(n).save({**doc, **changes, "updated_at": to_iso(n.clock())})
        metrics.notification_outcome(doc["channel"], changes.get("status"))
        return saved

    def _deliver(self, notification_id: str, n: Notifier) -> None:
        doc = self.store(n).get(notification_id)
        now = n.clock()
        if doc is None or doc["status"] in model.FINAL or doc["next_attempt_at"] > to_iso(now):
            return
        try:
            subject = _fetch(doc, n)
        except DirectoryUnavailable as exc:
            retry_later(n, doc, now, f"address unavailable: {exc}", count_attempt=False, save=self._save)
            return
        person, reason = self.recipient(doc, subject, to_iso(now))
        address, unreachable = model.reach(doc["channel"], person, n.sms.enabled)[:2] if person else (None, reason)
        if reason or unreachable:
            self._save(n, doc, status=model.SKIPPED, reason=reason or unreachable,
                       log=logged(doc, now, f"skipped: {reason or unreachable}"))
            return
        lang = "nb" if doc["subject_type"] == ORGANISATION else language_for(person.get("languages", []))
        try:
            message = render(self.kind, lang, self.context(doc, person, n.config))
        except (KeyError, ValueError, TemplateError) as exc:
            self._save(n, doc, status=model.FAILED, log=logged(doc, now, f"cannot render: {exc!r}"))
            return
        send_and_record(n, doc, address, message, lang, now, save=self._save, retry_unexpected=False)


def _fetch(doc: dict[str, Any], n: Notifier) -> dict[str, Any] | None:
    """The offer or organisation the message is about, as its owning service knows it now."""
    if doc["subject_type"] == OFFER:
        return n.directory.offer(doc["subject_id"])
    return n.directory.organisation(doc["subject_id"])
