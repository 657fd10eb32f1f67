"""Who is told what about a match, on which channel, and when. No I/O."""
from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from shared import phones
from shared.clock import from_iso, to_iso
from shared.events import Event, new_event
from shared.occurrences import ABSENT, on
from shared.timeslots import OSLO, is_over, occurrences, oslo_date, parse_schedule

SOURCE = "/services/notify"
VOLUNTEER, ORGANISATION = "volunteer", "organisation"
EMAIL, SMS = "email", "sms"
CHANNELS = (EMAIL, SMS)
REMINDER = "reminder"
REMINDER_HORIZON = timedelta(hours=24)
ANSWER_REMINDER = "answer_reminder"
WAITING_FOR_ORGANISATION = ("volunteer_accepted", ANSWER_REMINDER)
SHOWS_THE_VOLUNTEER = ("volunteer_accepted", ANSWER_REMINDER, "confirmed_organisation",
                       "certificate_expired_organisation")
# What the organisation hears of a candidate it was told about; of a stand-in it is told nothing before they accept.
ABOUT_A_CANDIDATE = ("declined_organisation", "expired_organisation", "withdrawn_organisation")
FOLDED = "covered_by_assignment"  # a stand-in match closed because its date is on the volunteer's standing match
FOLDED_KIND = "stand_in_folded_volunteer"
FOLDED_ORGANISATION_KIND = "stand_in_folded_organisation"  # the organisation's calendar loses the one-date event
# The e-mails that carry the assignment as a calendar file: to add it, or to take it out again.
CALENDAR_PUBLISHED = ("confirmed_volunteer", "confirmed_organisation")
CALENDAR_CANCELLED = ("cancelled_volunteer", "cancelled_organisation", "ended_volunteer", "ended_organisation",
                      "ended_by_volunteer", "ended_by_organisation", FOLDED_KIND, FOLDED_ORGANISATION_KIND)
# Receipts of what the person just did on a page, and a folded stand-in date, which changes nothing for the day.
EMAIL_ONLY = ("ended_by_volunteer", "ended_by_organisation", FOLDED_KIND, FOLDED_ORGANISATION_KIND)


def channels_for(kind: str) -> tuple[str, ...]:
    """The channels a message of this kind goes out on (each then as the person allows)."""
    return (EMAIL,) if kind in EMAIL_ONLY else CHANNELS
# The facts of a match event a message says (dates and numbers, nothing personal), kept on its notification.
FACTS = ("for_date", "date", "from", "until", "seen_on", "max_age_months", "was_confirmed")

PENDING, HELD, RETRYING, SENT, FAILED, SKIPPED = "pending", "held", "retrying", "sent", "failed", "skipped"
SENDING = "sending"  # sent under a lease: if the worker dies mid-send, it is due again when the lease runs out
FINAL = (SENT, FAILED, SKIPPED)
MAY_STILL_GO = (PENDING, HELD, RETRYING, SENDING)
ACTIVE, ENDED = "active", "ended"
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)


BY_THE_VOLUNTEER = ("offer_withdrawn", "offer_changed")  # cancellations the volunteer's own act caused


def recipients(event: Event) -> list[tuple[str, str]]:
    """(role, message kind) for everyone who should hear about this match event.

    The side that acted is not told about its own act, except the volunteer who declines, who is
    thanked for answering. Once the volunteer has accepted, the organisation is sent the volunteer's
    contact and its answer link; if it then declines or lets the answer time run out, the volunteer is
    told so. A proposal the organisation turns down before the volunteer answered is off for the volunteer.
    A cancelled match is an agreement called off once confirmed, and a request withdrawn before that; a stand-in
    match folded into the volunteer's own standing match is neither (see told_of_cancellation).
    A stand-in proposal (data with for_date) goes to the volunteer alone. Of an assignment, the organisation is
    told of an absence, a pause and a police certificate grown too old; an ending is told to the side that did
    not end it, and the side that did gets a receipt by e-mail with the calendar's cancellation (so the event the
    confirmation added leaves its calendar too); a recorded occurrence is told to nobody.
    """
    by, reason = event.data.get("by"), event.data.get("reason")
    volunteer_accepted = VOLUNTEER in event.data.get("accepted_by", [])
    confirmed = event.data.get("was_confirmed", True)  # events from before the field was added: as before
    ended = {VOLUNTEER: [(ORGANISATION, "ended_organisation"), (VOLUNTEER, "ended_by_volunteer")],
             ORGANISATION: [(VOLUNTEER, "ended_volunteer"), (ORGANISATION, "ended_by_organisation")]}
    table: dict[str, list[tuple[str, str]]] = {
        "match.proposed": [(VOLUNTEER, "stand_in_proposal")] if event.data.get("for_date")
        else [(VOLUNTEER, "proposal"), (ORGANISATION, "candidate_found")],
        "match.accepted": [(ORGANISATION, "volunteer_accepted")] if by == VOLUNTEER else [],
        "match.confirmed": [(VOLUNTEER, "confirmed_volunteer"), (ORGANISATION, "confirmed_organisation")],
        "match.declined": [(VOLUNTEER, "declined_volunteer"), (ORGANISATION, "declined_organisation")]
        if by == VOLUNTEER else [(VOLUNTEER, "turned_down_volunteer" if volunteer_accepted else "withdrawn_volunteer")],
        "match.expired": [(VOLUNTEER, "unconfirmed_volunteer"), (ORGANISATION, "unconfirmed_organisation")]
        if volunteer_accepted else [(VOLUNTEER, "expired_volunteer"), (ORGANISATION, "expired_organisation")],
        "match.cancelled": told_of_cancellation(reason, confirmed),
        "match.ended": ended.get(by, [(ORGANISATION, "ended_organisation"), (VOLUNTEER, "ended_volunteer")]),
        "match.absence_reported": [(ORGANISATION, "absence_organisation")],
        "match.paused": [(ORGANISATION, "paused_organisation")],
        "match.certificate_expired": [(ORGANISATION, "certificate_expired_organisation")],
        "match.occurrence_recorded": [],
    }
    return table.get(event.type, [])


def told_of_cancellation(reason: str | None, confirmed: bool) -> list[tuple[str, str]]:
    """(role, message kind) for a cancelled match: the side that did not cause it.

    A stand-in match folded into its volunteer's standing match (FOLDED) calls nothing off: the volunteer still
    comes on its date, now on the standing assignment, and is told so. The organisation, which confirmed that
    standing match itself, is told only when the stand-in had been confirmed too: its confirmation put the date in
    the organisation's calendar as an event of its own, which this message takes out again.
    """
    if reason == FOLDED:
        return [(VOLUNTEER, FOLDED_KIND)] + ([(ORGANISATION, FOLDED_ORGANISATION_KIND)] if confirmed else [])
    if reason in BY_THE_VOLUNTEER:
        return [(ORGANISATION, "cancelled_organisation" if confirmed else "withdrawn_organisation")]
    return [(VOLUNTEER, "cancelled_volunteer" if confirmed else "withdrawn_volunteer")]


def answer_reminder_at(accepted_at: str, expires_at: str) -> str:
    """When the organisation is reminded to answer: half its answer time after the volunteer accepted."""
    start, end = from_iso(accepted_at), from_iso(expires_at)
    return to_iso(start + (end - start) / 2)


def notification_id(event_id: str, role: str, channel: str) -> str:
    """The idempotency key: one message per event, recipient and channel."""
    return f"{event_id}:{role}:{channel}"


def reminder_id(match_id: str, occurrence_start: datetime, channel: str) -> str:
    """The idempotency key of a reminder: one per match, occurrence and channel."""
    return f"reminder:{match_id}:{to_iso(occurrence_start)}:{channel}"


def message_id(notification: str, domain: str) -> str:
    """A stable e-mail Message-ID, so a resend after a crash is recognisable as the same message."""
    return f"<{hashlib.sha256(notification.encode()).hexdigest()[:32]}@{domain}>"


def _notification(id_: str, match_id: str, role: str, kind: str, channel: str, now: str,
                  **extra: Any) -> dict[str, Any]:
    return {"_id": id_, "match_id": match_id, "role": role, "kind": kind, "channel": channel, "status": PENDING,
            "attempts": 0, "created_at": now, "updated_at": now, "next_attempt_at": now, "log": [], **extra}


def new_notification(event: Event, role: str, kind: str, channel: str, now: str) -> dict[str, Any]:
    """A notification to be delivered; it holds no contact details and no message body, only the event's facts
    (dates and numbers) that its message says."""
    facts = {key: event.data[key] for key in FACTS if event.data.get(key) is not None}
    return _notification(notification_id(event.id, role, channel), event.subject, role, kind, channel, now,
                         event_id=event.id, event_type=event.type, **({"facts": facts} if facts else {}))


def new_answer_reminder(event: Event, channel: str, now: str) -> dict[str, Any]:
    """The one reminder to an organisation that has not answered a volunteer's acceptance, due at half time."""
    due = answer_reminder_at(event.data.get("accepted_at") or event.time, event.data["expires_at"])
    doc = _notification(f"answer-reminder:{event.subject}:{channel}", event.subject, ORGANISATION, ANSWER_REMINDER,
                        channel, now, event_id=event.id, event_type=event.type)
    return {**doc, "next_attempt_at": max(due, now)}


def new_reminder(assignment: dict[str, Any], occurrence_start: datetime, channel: str, now: str) -> dict[str, Any]:
    """A reminder to the volunteer of an assignment about one occurrence."""
    return _notification(reminder_id(assignment["_id"], occurrence_start, channel), assignment["_id"], VOLUNTEER,
                         REMINDER, channel, now, event_id=None, event_type=None,
                         occurrence_start=to_iso(occurrence_start))


def new_assignment(event: Event, now: str) -> dict[str, Any]:
    """A confirmed match to remind the volunteer about and to list in its organisation's weekly digest: ids only,
    no personal data, and a stand-in's one date."""
    one_date = {"for_date": event.data["for_date"]} if event.data.get("for_date") else {}
    return {"_id": event.subject, "need_id": event.data["need_id"], "offer_id": event.data["offer_id"],
            "organisation_id": event.data.get("organisation_id"), "status": ACTIVE, "created_at": now, **one_date}


def twins(assignment: dict[str, Any], others: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The volunteer's other assignments of the same need that may hold one of this assignment's dates: the
    live ones, and stand-in matches folded into a standing match (their date moved to it, with any reminder of it)."""
    return [other for other in others if other["_id"] != assignment["_id"]
            and (other.get("offer_id"), other.get("need_id")) == (assignment["offer_id"], assignment["need_id"])
            and (other.get("status") == ACTIVE or other.get("ended_reason") == FOLDED)]


def reminder_to_plan(assignment: dict[str, Any], occurrence_start: datetime, channel: str, now: str,
                     twin_reminders: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The reminder of one occurrence on one channel, given the reminders of the assignment's twins, so that a
    volunteer is reminded of a date once whichever match holds it when reminders are planned: skipped when a twin's
    reminder of that date went out; None (nothing yet, decided again next round) while a twin's may still go
    (pending, held, retrying, being sent); else a reminder to send, also when the twin's was skipped or failed."""
    doc = new_reminder(assignment, occurrence_start, channel, now)
    day = _day(occurrence_start)
    same = [r for r in twin_reminders if r.get("kind") == REMINDER and r.get("channel") == channel
            and r.get("occurrence_start") and _day(from_iso(r["occurrence_start"])) == day]
    if any(r["status"] == SENT for r in same):
        reason = "reminded_on_standing_match" if assignment.get("for_date") else "reminded_as_stand_in"
        return {**doc, "status": SKIPPED, "reason": reason}
    if any(r["status"] in MAY_STILL_GO for r in same):
        return None
    return doc


def absent_dates(event: Event) -> dict[str, str]:
    """The occurrence dates an absence or a pause says the volunteer will not come, each with its reason."""
    if event.type == "match.paused":
        return {day: "paused" for day in event.data.get("dates", []) if isinstance(day, str)}
    day = event.data.get("date")
    return {day: event.data.get("reason") or "absent"} if isinstance(day, str) else {}


def reminder_starts(schedule: dict[str, Any], now: datetime, horizon: timedelta = REMINDER_HORIZON,
                    assignment: dict[str, Any] | None = None) -> list[datetime]:
    """Starts of the need's occurrences that begin after now and less than the horizon from now: of a stand-in's
    one date only, and none on a date the volunteer said they cannot come."""
    assignment = assignment or {}
    absent = assignment.get("absent") or {}
    only = assignment.get("for_date")
    found = occurrences(parse_schedule(schedule), now, now + horizon)
    return [period.start for period in found if period.start > now and _day(period.start) not in absent
            and (only is None or _day(period.start) == only)]


def _day(moment: datetime) -> str:
    return oslo_date(moment).isoformat()


def schedule_over(schedule: dict[str, Any], now: datetime, assignment: dict[str, Any] | None = None) -> bool:
    """True when no occurrence of the assignment starts from now on: of the need, or of a stand-in's one date."""
    parsed = parse_schedule(schedule)
    only = (assignment or {}).get("for_date")
    if only is None:
        return is_over(parsed, now)
    occurrence = on(parsed, date.fromisoformat(only))
    return occurrence is None or occurrence.period.start <= now


def calendar_method(notification: dict[str, Any]) -> str | None:
    """PUBLISH or CANCEL for an e-mail that carries the assignment as a calendar file; None for any other. A match
    closed before it was confirmed put no event in anyone's calendar, so there is none to cancel."""
    if notification["channel"] != EMAIL:
        return None
    if notification["kind"] in CALENDAR_PUBLISHED:
        return "PUBLISH"
    never_confirmed = (notification.get("facts") or {}).get("was_confirmed") is False
    return "CANCEL" if notification["kind"] in CALENDAR_CANCELLED and not never_confirmed else None


def person_of(role: str, offer: dict[str, Any] | None, organisation: dict[str, Any] | None) -> dict[str, Any] | None:
    """Contact details and chosen channels of one side, or None when the person is gone (erased)."""
    if role == ORGANISATION:
        return (organisation or {}).get("contact")
    if not offer or offer.get("status") == "withdrawn" or not offer.get("volunteer"):
        return None
    return {**offer["volunteer"], "contact_channels": offer.get("contact_channels", [EMAIL])}


class Reach(NamedTuple):
    """Where to send on one channel, or why the person cannot be reached there; fallback names why a channel
    the person did not choose is used all the same."""

    address: str | None
    reason: str | None = None
    fallback: str | None = None


def reach(channel: str, person: dict[str, Any] | None, sms_enabled: bool) -> Reach:
    """The address to use on this channel, or the reason there is none: 'erased' (the person is gone),
    'channel_not_chosen', 'no_address', or 'sms_off' (no SMS gateway is configured).

    Channels are opt-in: e-mail unless the person chose otherwise; SMS only when chosen, with a phone
    number that can receive SMS (a landline is no SMS address), and with a gateway configured. A person
    none of whose chosen channels can be used is written to by e-mail (fallback 'email_fallback'), so that
    exactly one channel still reaches them.
    """
    if person is None:
        return Reach(None, "erased")
    chosen = person.get("contact_channels", [EMAIL])
    if channel not in chosen:
        if channel == EMAIL and person.get("email") and not any(_usable(c, person, sms_enabled) for c in chosen):
            return Reach(person["email"], fallback="email_fallback")
        return Reach(None, "channel_not_chosen")
    if channel == SMS and not sms_enabled:
        return Reach(None, "sms_off")
    address = _address(channel, person)
    return Reach(address) if address else Reach(None, "no_address")


def _address(channel: str, person: dict[str, Any]) -> str | None:
    """The person's address on a channel: the e-mail address, or a phone number that can receive SMS."""
    if channel == EMAIL:
        return person.get("email") or None
    phone = person.get("phone")
    return phone if channel == SMS and phone and phones.receives_sms(phone) else None


def _usable(channel: str, person: dict[str, Any], sms_enabled: bool) -> bool:
    """True when a chosen channel has an address and, for SMS, a gateway."""
    return (sms_enabled or channel != SMS) and _address(channel, person) is not None


def skip_reason(notification: dict[str, Any], match: dict[str, Any] | None, need: dict[str, Any] | None,
                now: datetime, volunteer_known: bool = True) -> str | None:
    """Why a notification should not go out at all any more, or None."""
    if match is None:
        return "match_unknown"
    if need is None:
        return "need_unknown"
    if notification["kind"] in SHOWS_THE_VOLUNTEER and not volunteer_known:
        return "volunteer_erased"
    if notification["kind"] == REMINDER:
        if match.get("status") != "confirmed":
            return "match_not_confirmed"
        if notification["occurrence_start"] <= to_iso(now):
            return "occurrence_started"
        day = _day(from_iso(notification["occurrence_start"]))
        if ((match.get("occurrences") or {}).get(day) or {}).get("status") == ABSENT:
            return "absent"
    stand_in_unseen = match.get("for_date") and VOLUNTEER not in match.get("accepted_by", [])
    if notification["kind"] in ABOUT_A_CANDIDATE and stand_in_unseen:
        return "stand_in_not_accepted"
    if notification["kind"] in WAITING_FOR_ORGANISATION:
        if match.get("status") != "proposed" or ORGANISATION in match.get("accepted_by", []):
            return "answered"
        if "expires_at" in match and from_iso(match["expires_at"]) <= now:
            return "answer_time_over"
    return None


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
    """Exponential backoff with jitter: a random wait between half and all of base * 2^(attempt-1), capped."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def outcome_event(notification: dict[str, Any]) -> Event:
    """notification.sent or notification.failed: ids, channel and counts, no addresses."""
    type_ = "notification.sent" if notification["status"] == SENT else "notification.failed"
    keys = ("match_id", "event_id", "role", "kind", "channel", "attempts", "occurrence_start")
    data = {"id": notification["_id"], **{key: notification[key] for key in keys if key in notification}}
    return new_event(SOURCE, type_, notification["match_id"], data)
