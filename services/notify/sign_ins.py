"""Sign-in links by e-mail: a volunteer's for an offer, an organisation contact's for the organisation.

One message per event, by e-mail only: the notification's _id is that key, as for confirmation messages, in
a collection of their own. The link is signed here from the request the event carries (shared.signin) and
opens the web. It goes to the confirmed address, fetched at send time from the owning service with the
service token, which also says when the sign-in request waiting to be used was made: nothing is sent once
that request was used or replaced, the subject erased, or the link's time is over. The person asked for it a
moment ago, so it is not held over quiet hours; storing and delivering is as for confirmations (requested.py).
"""
from __future__ import annotations

from typing import Any

from shared import signin
from shared.clock import to_iso
from shared.config import Config
from shared.events import Event
from shared.wording import organisation_name
from services.notify import model
from services.notify.delivery import Notifier
from services.notify.requested import OFFER, ORGANISATION, RequestedMessages

KIND = "sign_in"
COLLECTION = "sign_ins"


def new_sign_in(event: Event, now: str) -> dict[str, Any]:
    """A sign-in message to be delivered: ids and the request its link is made from, no address and no body."""
    return SIGN_INS.new(event, model.EMAIL, now)


def on_sign_in_requested(event: Event, n: Notifier) -> None:
    """Create the sign-in message an event asks for (once), then try to deliver it."""
    doc = new_sign_in(event, to_iso(n.clock()))
    SIGN_INS.create(n, doc)  # on a redelivered event, the message made the first time is the one
    SIGN_INS.deliver_one(doc["_id"], n)


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
        person = {**(subject.get("contact") or {}), "organisation_name": organisation_name(subject)}
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


SIGN_INS = RequestedMessages(KIND, COLLECTION, "sign-in message", "sign_in", recipient, _context)
deliver_due = SIGN_INS.deliver_due
