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
The person asked for this message a moment ago, so it is not held over quiet hours; storing and delivering
is as for sign-in messages (requested.py).
"""
from __future__ import annotations

from typing import Any

from shared import confirmation
from shared.clock import to_iso
from shared.config import Config
from shared.events import Event
from shared.wording import organisation_name
from services.notify import model
from services.notify.delivery import Notifier
from services.notify.requested import OFFER, ORGANISATION, RequestedMessages

KIND = "confirm_address"
COLLECTION = "confirmations"


def new_confirmation(event: Event, channel: str, now: str) -> dict[str, Any]:
    """A confirmation message to be delivered: ids and the request its link is made from, no address and no body."""
    return CONFIRMATIONS.new(event, channel, now)


def on_confirmation_requested(event: Event, n: Notifier) -> None:
    """Create the confirmation messages an event asks for (once per channel), then try to deliver them."""
    now = to_iso(n.clock())
    docs = [new_confirmation(event, channel, now) for channel in model.CHANNELS]
    for doc in docs:
        CONFIRMATIONS.create(n, doc)
    for doc in docs:
        CONFIRMATIONS.deliver_one(doc["_id"], n)


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
        return {**(subject.get("contact") or {}), "organisation_name": organisation_name(subject)}, None
    person = model.person_of(model.VOLUNTEER, subject, None) or {}
    # The e-mail address is what is being confirmed, so it is written to whichever channels were chosen.
    person["contact_channels"] = [model.EMAIL, *(c for c in person.get("contact_channels", []) if c != model.EMAIL)]
    if subject.get("pending_email"):
        if doc["channel"] == model.SMS:
            return None, "email_change"
        person = {**person, "email": subject["pending_email"]}
    return person, None


def confirm_url(doc: dict[str, Any], config: Config) -> str:
    """The link of the message's confirmation request, signed here as the owning service checks it."""
    make = confirmation.offer_link if doc["subject_type"] == OFFER else confirmation.contact_link
    return make(config, doc["subject_id"], doc["request"])


def _context(doc: dict[str, Any], person: dict[str, Any], config: Config) -> dict[str, Any]:
    return {"subject_kind": doc["subject_type"], "person_name": person.get("name", ""),
            "confirm_url": confirm_url(doc, config), "organisation_name": person.get("organisation_name", ""),
            "valid_days": confirmation.VALID_FOR.days}


CONFIRMATIONS = RequestedMessages(KIND, COLLECTION, "confirmation", "confirmation",
                                  lambda doc, subject, now: recipient(doc, subject), _context)
deliver_due = CONFIRMATIONS.deliver_due
