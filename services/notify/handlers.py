"""Event handlers of the notify service and the planning of reminders; the table at the bottom routes events.

Exactly one message per (event, recipient, channel), and one reminder per (match, occurrence, channel):
the notification's _id is that key, so a redelivered event or a reminder planned again finds the
notification made before. Delivery itself is in delivery.py.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable

from shared.clock import to_iso
from shared.directory import DirectoryUnavailable
from shared.events import Event
from services.notify import model
from services.notify.confirmations import on_confirmation_requested
from services.notify.delivery import Notifier, deliver_each
from services.notify.sign_ins import on_sign_in_requested

log = logging.getLogger(__name__)


def on_match_event(event: Event, n: Notifier) -> None:
    """Create the notifications an event calls for (once), then try to deliver them."""
    now = to_iso(n.clock())
    docs = [model.new_notification(event, role, kind, channel, now)
            for role, kind in model.recipients(event) for channel in model.channels_for(kind)]
    for doc in docs:
        n.repo.create(doc)
    deliver_each([doc["_id"] for doc in docs], n)


def on_match_accepted(event: Event, n: Notifier) -> None:
    """The volunteer accepted: the organisation gets the volunteer's contact and its answer link now, and one
    reminder at half its answer time, which is dropped at send time if it has answered by then."""
    if event.data.get("by") == model.VOLUNTEER:
        now = to_iso(n.clock())
        for channel in model.CHANNELS:
            n.repo.create(model.new_answer_reminder(event, channel, now))
    on_match_event(event, n)


def on_match_confirmed(event: Event, n: Notifier) -> None:
    """Remember the assignment for reminders, then tell both sides."""
    n.repo.record_assignment(model.new_assignment(event, to_iso(n.clock())))
    on_match_event(event, n)


def on_match_cancelled(event: Event, n: Notifier) -> None:
    """No more reminders for this match; tell the side that did not cancel. A stand-in match folded into its
    volunteer's standing match leaves its date to that match, reminder included: reminder planning counts one
    already sent of it for the standing match too (see model.reminder_to_plan)."""
    n.repo.end_assignment(event.subject, event.data.get("reason", "cancelled"), to_iso(n.clock()))
    on_match_event(event, n)


def on_match_ended(event: Event, n: Notifier) -> None:
    """No more reminders for this assignment; tell the side that did not end it."""
    n.repo.end_assignment(event.subject, "ended", to_iso(n.clock()))
    on_match_event(event, n)


def on_absence(event: Event, n: Notifier) -> None:
    """Keep the dates the volunteer will not come, so that they get no reminder of them; tell the organisation."""
    n.repo.add_absent_dates(event.subject, model.absent_dates(event))
    on_match_event(event, n)


def plan_reminders(n: Notifier) -> int:
    """Create a reminder for every occurrence of an assignment starting within 24 hours (once), and send it: of a
    stand-in's one date only, none of a date the volunteer said they cannot come, and none of a date their
    stand-in match and standing match of the need both hold but the other one reminds them of."""
    now = n.clock()
    schedules: dict[str, dict[str, Any] | None] = {}
    created: list[str] = []
    for assignment in n.repo.active_assignments():
        need_id = assignment["need_id"]
        if need_id not in schedules:
            schedules[need_id] = _schedule_of(need_id, n)
        if schedules[need_id]:
            created += _plan(assignment, schedules[need_id], now, n)
    deliver_each(created, n)
    return len(created)


def _schedule_of(need_id: str, n: Notifier) -> dict[str, Any] | None:
    try:
        return (n.directory.need(need_id) or {}).get("schedule")
    except DirectoryUnavailable as exc:
        log.warning("no reminders for need %s this round: %s", need_id, exc)
        return None


def _plan(assignment: dict[str, Any], schedule: dict[str, Any], now: datetime, n: Notifier) -> list[str]:
    """The ids of the reminders newly created for one assignment; an assignment whose need is over ends."""
    try:
        if model.schedule_over(schedule, now, assignment):
            n.repo.end_assignment(assignment["_id"], "over", to_iso(now))
            return []
        starts = model.reminder_starts(schedule, now, assignment=assignment)
    except ValueError as exc:
        log.warning("need %s has a schedule we cannot read: %s", assignment["need_id"], exc)
        return []
    return _create_reminders(assignment, starts, to_iso(now), n)


def _create_reminders(assignment: dict[str, Any], starts: list[datetime], now: str, n: Notifier) -> list[str]:
    """The ids of the reminders newly created to be sent for these occurrences. Each is weighed against the
    reminders of the assignment's twins (model.reminder_to_plan), so that a date is reminded of once: one a twin
    already sent is stored as skipped, and one a twin's may still send is left to a later round."""
    if not starts:
        return []
    twins = model.twins(assignment, n.repo.assignments_of(assignment["offer_id"], assignment["need_id"]))
    twin_reminders = n.repo.reminders_of([twin["_id"] for twin in twins])
    docs = [model.reminder_to_plan(assignment, start, channel, now, twin_reminders)
            for start in starts for channel in model.CHANNELS]
    return [doc["_id"] for doc in docs if doc is not None and n.repo.create(doc) and doc["status"] == model.PENDING]


EVENT_HANDLERS: dict[str, Callable[[Event, Notifier], None]] = {
    "match.proposed": on_match_event,
    "match.accepted": on_match_accepted,
    "match.confirmed": on_match_confirmed,
    "match.declined": on_match_event,
    "match.expired": on_match_event,
    "match.cancelled": on_match_cancelled,
    "match.ended": on_match_ended,
    "match.absence_reported": on_absence,
    "match.paused": on_absence,
    "match.certificate_expired": on_match_event,
    "offer.confirmation_requested": on_confirmation_requested,
    "organisation.confirmation_requested": on_confirmation_requested,
    "offer.sign_in_requested": on_sign_in_requested,
    "organisation.sign_in_requested": on_sign_in_requested,
}
