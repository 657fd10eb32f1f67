"""Messages asking a person to confirm their address: a new volunteer's, or an organisation's contact's.

One message per (event, channel): the notification's _id is that key, as for match messages. They are
kept in their own collection, beside the match notifications, because they concern no match. The link
is made here from the request the event carries (shared.confirmation), so no service hands links out;
the address is fetched at send time from the owning service with the service token, which also says
when the request waiting to be confirmed was made: nothing is sent once the address is confirmed, the
subject erased, or a newer request made.
E-mail goes to the address being confirmed, even to a volunteer who chose only SMS; an SMS with the
link goes too where the volunteer chose SMS (and the gateway is on), but not for a changed e-mail
address, which only the e-mail can prove.
The person asked for this message a moment ago, so it is not held over quiet hours.
"""
from __future__ import annotations

import logging
from typing import Any

from jinja2 import TemplateError
from pymongo.errors import DuplicateKeyError

from shared import confirmation
from shared.clock import to_iso
from shared.config import Config
from shared.directory import DirectoryUnavailable
from shared.events import Event
from shared.mongo import DocumentStore, VersionConflict
from services.notify import model
from services.notify.delivery import Notifier, logged, retry_later, send_and_record
from services.notify.messages import language_for, render

log = logging.getLogger(__name__)

KIND = "confirm_address"
COLLECTION = "confirmations"
OFFER, ORGANISATION = "offer", "organisation"


def store(n: Notifier) -> DocumentStore:
    """The confirmation messages, in the notify database."""
    return DocumentStore(n.repo.db[COLLECTION])


def ensure_indexes(n: Notifier) -> None:
    """Index what the retry round reads."""
    n.repo.db[COLLECTION].create_index([("status", 1), ("next_attempt_at", 1)])


def new_confirmation(event: Event, channel: str, now: str) -> dict[str, Any]:
    """A confirmation message to be delivered: ids and the request its link is made from, no address and no body."""
    subject_type = OFFER if event.type.startswith("offer.") else ORGANISATION
    role = model.VOLUNTEER if subject_type == OFFER else model.ORGANISATION
    return {"_id": model.notification_id(event.id, role, channel), "subject_type": subject_type,
            "subject_id": event.subject, "role": role, "kind": KIND, "channel": channel, "status": model.PENDING,
            "request": event.data.get("confirmation"), "attempts": 0, "event_id": event.id, "event_type": event.type,
            "created_at": now, "updated_at": now, "next_attempt_at": now, "log": []}


def on_confirmation_requested(event: Event, n: Notifier) -> None:
    """Create the confirmation messages an event asks for (once per channel), then try to deliver them."""
    now = to_iso(n.clock())
    docs = [new_confirmation(event, channel, now) for channel in model.CHANNELS]
    for doc in docs:
        _create(n, doc)
    for doc in docs:
        deliver_one(doc["_id"], n)


def _create(n: Notifier, doc: dict[str, Any]) -> bool:
    """Store a new confirmation message; False when it exists already (a redelivered event)."""
    try:
        store(n).insert(doc)
        return True
    except DuplicateKeyError:
        return False


def deliver_due(n: Notifier) -> int:
    """Retry the confirmation messages that are due (after backoff, or a send lease that ran out)."""
    query = {"status": {"$in": [model.PENDING, model.RETRYING, model.SENDING]},
             "next_attempt_at": {"$lte": to_iso(n.clock())}}
    due = [doc["_id"] for doc in n.repo.db[COLLECTION].find(query, {"_id": 1}).limit(200)]
    for notification_id in due:
        deliver_one(notification_id, n)
    return len(due)


def deliver_one(notification_id: str, n: Notifier) -> None:
    """One attempt; a lost race with another worker is fine, an unforeseen error leaves the message due."""
    try:
        _deliver(notification_id, n)
    except VersionConflict:
        return
    except Exception:  # an unforeseen error in one delivery must not stop the others
        log.exception("delivering confirmation %s failed; it stays due and is tried again", notification_id)


def recipient(doc: dict[str, Any], subject: dict[str, Any] | None) -> tuple[dict[str, Any] | None, str | None]:
    """The person to write to (address and chosen channels), or why nothing is to be sent."""
    if subject is None or subject.get("status") == "withdrawn":
        return None, "erased"
    waiting = subject.get("confirmation_requested_at")
    if not waiting:
        return None, "already_confirmed"
    if waiting != (doc.get("request") or {}).get("requested_at"):
        return None, "superseded"
    if doc["subject_type"] == ORGANISATION:
        return {**(subject.get("contact") or {}), "organisation_name": subject.get("name", "")}, None
    person = model.person_of(model.VOLUNTEER, subject, None) or {}
    # The e-mail address is what is being confirmed, so it is written to whichever channels were chosen.
    person["contact_channels"] = [model.EMAIL, *(c for c in person.get("contact_channels", []) if c != model.EMAIL)]
    if subject.get("pending_email"):
        if doc["channel"] == model.SMS:
            return None, "email_change"
        person = {**person, "email": subject["pending_email"]}
    return person, None


def _fetch(doc: dict[str, Any], n: Notifier) -> dict[str, Any] | None:
    if doc["subject_type"] == OFFER:
        return n.directory.offer(doc["subject_id"])
    return n.directory.organisation(doc["subject_id"])


def confirm_url(doc: dict[str, Any], config: Config) -> str:
    """The link of the message's confirmation request, signed here as the owning service checks it."""
    make = confirmation.offer_link if doc["subject_type"] == OFFER else confirmation.contact_link
    return make(config, doc["subject_id"], doc["request"])


def _context(doc: dict[str, Any], person: dict[str, Any], config: Config) -> dict[str, Any]:
    return {"subject_kind": doc["subject_type"], "person_name": person.get("name", ""),
            "confirm_url": confirm_url(doc, config), "organisation_name": person.get("organisation_name", ""),
            "valid_days": confirmation.VALID_FOR.days}


def _save(n: Notifier, doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return store(n).save({**doc, **changes, "updated_at": to_iso(n.clock())})


def _deliver(notification_id: str, n: Notifier) -> None:
    doc = store(n).get(notification_id)
    now = n.clock()
    if doc is None or doc["status"] in model.FINAL or doc["next_attempt_at"] > to_iso(now):
        return
    try:
        subject = _fetch(doc, n)
    except DirectoryUnavailable as exc:
        retry_later(n, doc, now, f"address unavailable: {exc}", count_attempt=False, save=_save)
        return
    person, reason = recipient(doc, subject)
    address, unreachable = model.reach(doc["channel"], person, n.sms.enabled)[:2] if person else (None, reason)
    if reason or unreachable:
        _save(n, doc, status=model.SKIPPED, reason=reason or unreachable,
              log=logged(doc, now, f"skipped: {reason or unreachable}"))
        return
    lang = "nb" if doc["subject_type"] == ORGANISATION else language_for(person.get("languages", []))
    try:
        message = render(KIND, lang, _context(doc, person, n.config))
    except (KeyError, ValueError, TemplateError) as exc:
        _save(n, doc, status=model.FAILED, log=logged(doc, now, f"cannot render: {exc!r}"))
        return
    send_and_record(n, doc, address, message, lang, now, save=_save, retry_unexpected=False)
