"""Sign-in links by e-mail: a volunteer's for an offer, an organisation contact's for the organisation.

One message per event, by e-mail only: the notification's _id is that key, as for confirmation messages, in
a collection of their own. The link is signed here from the request the event carries (shared.signin) and
opens the web. It goes to the confirmed address, fetched at send time from the owning service with the
service token, which also says when the sign-in request waiting to be used was made: nothing is sent once
that request was used or replaced, the subject erased, or the link's time is over. The person asked for it a
moment ago, so it is not held over quiet hours.
"""
from __future__ import annotations

import logging
from typing import Any

from jinja2 import TemplateError
from pymongo.errors import DuplicateKeyError

from shared import signin
from shared.clock import to_iso
from shared.config import Config
from shared.directory import DirectoryUnavailable
from shared.events import Event
from shared.mongo import DocumentStore, VersionConflict
from services.notify import model
from services.notify.delivery import Notifier, logged, retry_later, send_and_record
from services.notify.messages import language_for, render

log = logging.getLogger(__name__)

KIND = "sign_in"
COLLECTION = "sign_ins"
OFFER, ORGANISATION = "offer", "organisation"


def store(n: Notifier) -> DocumentStore:
    """The sign-in messages, in the notify database."""
    return DocumentStore(n.repo.db[COLLECTION])


def ensure_indexes(n: Notifier) -> None:
    """Index what the retry round reads."""
    n.repo.db[COLLECTION].create_index([("status", 1), ("next_attempt_at", 1)])


def new_sign_in(event: Event, now: str) -> dict[str, Any]:
    """A sign-in message to be delivered: ids and the request its link is made from, no address and no body."""
    subject_type = OFFER if event.type.startswith("offer.") else ORGANISATION
    role = model.VOLUNTEER if subject_type == OFFER else model.ORGANISATION
    return {"_id": model.notification_id(event.id, role, model.EMAIL), "subject_type": subject_type,
            "subject_id": event.subject, "role": role, "kind": KIND, "channel": model.EMAIL,
            "status": model.PENDING, "request": event.data.get("sign_in"), "attempts": 0, "event_id": event.id,
            "event_type": event.type, "created_at": now, "updated_at": now, "next_attempt_at": now, "log": []}


def on_sign_in_requested(event: Event, n: Notifier) -> None:
    """Create the sign-in message an event asks for (once), then try to deliver it."""
    doc = new_sign_in(event, to_iso(n.clock()))
    try:
        store(n).insert(doc)
    except DuplicateKeyError:
        pass  # a redelivered event: the message made the first time is the one
    deliver_one(doc["_id"], n)


def deliver_due(n: Notifier) -> int:
    """Retry the sign-in messages that are due (after backoff, or a send lease that ran out)."""
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
        log.exception("delivering sign-in message %s failed; it stays due and is tried again", notification_id)


def _address_confirmed(doc: dict[str, Any], subject: dict[str, Any]) -> bool:
    """An organisation's contact address is confirmed when it says so; a volunteer's once the offer is open."""
    if doc["subject_type"] == ORGANISATION:
        return bool(subject.get("contact_confirmed"))
    return subject.get("status") == "open"


def recipient(doc: dict[str, Any], subject: dict[str, Any] | None,
              now: str) -> tuple[dict[str, Any] | None, str | None]:
    """The person to write to at the confirmed address, or why nothing is to be sent."""
    if subject is None or subject.get("status") == "withdrawn":
        return None, "erased"
    request = doc.get("request") or {}
    if not _address_confirmed(doc, subject):
        return None, "unconfirmed"
    if subject.get("sign_in_requested_at") != request.get("requested_at"):
        return None, "superseded"  # used already, or a newer request replaced it
    if signin.is_expired(request, now):
        return None, "expired"
    if doc["subject_type"] == ORGANISATION:
        person = {**(subject.get("contact") or {}), "organisation_name": subject.get("name", "")}
    else:
        person = model.person_of(model.VOLUNTEER, subject, None) or {}
    return {**person, "contact_channels": [model.EMAIL]}, None


def sign_in_url(doc: dict[str, Any], config: Config) -> str:
    """The link of the message's sign-in request, signed here as the owning service checks it."""
    make = signin.offer_link if doc["subject_type"] == OFFER else signin.contact_link
    return make(config, doc["subject_id"], doc["request"])


def _context(doc: dict[str, Any], person: dict[str, Any], config: Config) -> dict[str, Any]:
    return {"subject_kind": doc["subject_type"], "person_name": person.get("name", ""),
            "sign_in_url": sign_in_url(doc, config), "organisation_name": person.get("organisation_name", ""),
            "valid_minutes": int(signin.VALID_FOR.total_seconds() // 60)}


def _save(n: Notifier, doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return store(n).save({**doc, **changes, "updated_at": to_iso(n.clock())})


def _fetch(doc: dict[str, Any], n: Notifier) -> dict[str, Any] | None:
    if doc["subject_type"] == OFFER:
        return n.directory.offer(doc["subject_id"])
    return n.directory.organisation(doc["subject_id"])


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
    person, reason = recipient(doc, subject, to_iso(now))
    address, unreachable = model.reach(model.EMAIL, person, n.sms.enabled)[:2] if person else (None, reason)
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
