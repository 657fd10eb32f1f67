"""A volunteer with a confirmed assignment is reminded once per occurrence starting within 24 hours."""
from __future__ import annotations

from datetime import datetime

import pytest

from deploy import standins
from shared.timeslots import OSLO
from services.notify.app import create_app
from services.notify.delivery import deliver_due
from services.notify.handlers import on_match_cancelled, on_match_confirmed, plan_reminders
from tests.integration.notify_fixtures import STAFF_TOKEN, add_pair, match_event
from tests.integration.notify_fixtures import (  # noqa: F401  (fixtures, found by name)
    clock, directory, make_notifier, notifier, notify_config, notify_db, sms_sink)

MONDAY_EVENING = datetime(2026, 3, 2, 18, 0, tzinfo=OSLO)
TUESDAY_MORNING = {"start": "2026-03-03T10:00:00+01:00", "end": "2026-03-03T14:00:00+01:00"}


def _reminders(mailbox) -> list[str]:
    return [m.message["subject"] for m in mailbox if m.message["subject"].startswith(("Påminnelse", "Reminder"))]


def _confirmed(notifier, directory, **pair_options):
    pair = add_pair(directory, status="confirmed", **pair_options)
    on_match_confirmed(match_event("match.confirmed", pair), notifier)
    return pair


@pytest.mark.parametrize("schedule, starts", [
    pytest.param(None, "tir. 3.3. kl. 17.30", id="weekly"),
    pytest.param(TUESDAY_MORNING, "tir. 3.3. kl. 10.00", id="single"),
])
def test_running_the_task_twice_sends_one_reminder(schedule, starts, notifier, directory, clock, smtp_server):
    clock.now = MONDAY_EVENING
    pair = _confirmed(notifier, directory, schedule=schedule)

    plan_reminders(notifier)
    clock.advance(minutes=1)
    plan_reminders(notifier)
    deliver_due(notifier)

    assert _reminders(smtp_server.to(pair.volunteer_email)) == [
        f"Påminnelse: «Besøksvenn på Fjell bo- og omsorgssenter» starter {starts}"]


def test_reminder_goes_on_every_channel_the_volunteer_chose_in_their_language(notifier, directory, clock,
                                                                               smtp_server, sms_sink):
    clock.now = MONDAY_EVENING
    pair = _confirmed(notifier, directory, channels=("email", "sms"), languages=("en",))

    plan_reminders(notifier)
    plan_reminders(notifier)

    assert [s.split(" starts ")[1] for s in _reminders(smtp_server.to(pair.volunteer_email))] == ["Tue 3 Mar 17:30"]
    texts = [sms["text"] for sms in sms_sink.to(pair.volunteer_phone)]
    assert [text for text in texts if text.startswith("Reminder")] == [texts[-1]]
    assert smtp_server.to(pair.contact_email)[-1].message["subject"].startswith("Bekreftet: Kari Nordmann")


def test_no_reminder_until_the_occurrence_is_within_24_hours(notifier, directory, clock, smtp_server):
    clock.now = datetime(2026, 3, 2, 17, 0, tzinfo=OSLO)
    pair = _confirmed(notifier, directory)

    assert plan_reminders(notifier) == 0
    clock.now = datetime(2026, 3, 2, 17, 31, tzinfo=OSLO)
    assert plan_reminders(notifier) == 2

    assert len(_reminders(smtp_server.to(pair.volunteer_email))) == 1


def test_each_weekly_occurrence_gets_its_own_reminder(notifier, directory, clock, smtp_server):
    clock.now = MONDAY_EVENING
    pair = _confirmed(notifier, directory)

    plan_reminders(notifier)
    clock.advance(days=7)
    plan_reminders(notifier)

    assert [s.split(" starter ")[1] for s in _reminders(smtp_server.to(pair.volunteer_email))] == [
        "tir. 3.3. kl. 17.30", "tir. 10.3. kl. 17.30"]


@pytest.mark.parametrize("reason", ["need_closed", "need_filled", "offer_withdrawn"])
def test_no_reminder_goes_out_for_a_cancelled_assignment(reason, notifier, directory, clock, smtp_server):
    clock.now = MONDAY_EVENING
    pair = _confirmed(notifier, directory)
    on_match_cancelled(match_event("match.cancelled", pair, reason=reason), notifier)

    assert plan_reminders(notifier) == 0
    assert _reminders(smtp_server.to(pair.volunteer_email)) == []
    assert notifier.repo.assignment(pair.match_id)["status"] == "ended"


def test_cancellation_seen_before_the_confirmation_still_ends_the_assignment(notifier, directory, clock, smtp_server):
    clock.now = MONDAY_EVENING
    pair = add_pair(directory, status="cancelled")
    on_match_cancelled(match_event("match.cancelled", pair, reason="need_closed"), notifier)
    on_match_confirmed(match_event("match.confirmed", pair), notifier)

    assert plan_reminders(notifier) == 0


def test_reminder_planned_before_a_cancellation_was_seen_is_not_sent(make_notifier, directory, clock, smtp_server):
    clock.now = MONDAY_EVENING
    down = make_notifier(smtp_port=standins.free_port())
    pair = _confirmed(down, directory)
    plan_reminders(down)
    directory.matches[pair.match_id]["status"] = "cancelled"

    clock.advance(hours=1)
    deliver_due(make_notifier())

    assert _reminders(smtp_server.to(pair.volunteer_email)) == []
    [reminder] = [n for n in down.repo.for_match(pair.match_id) if n["kind"] == "reminder" and n["channel"] == "email"]
    assert (reminder["status"], reminder["reason"]) == ("skipped", "match_not_confirmed")


def test_assignment_keeps_ids_only(notifier, directory, clock):
    pair = _confirmed(notifier, directory)

    assignment = notifier.repo.assignment(pair.match_id)

    assert set(assignment) == {"_id", "need_id", "offer_id", "organisation_id", "status", "created_at"}
    assert (assignment["need_id"], assignment["offer_id"]) == (pair.need_id, pair.offer_id)


def test_reminder_shows_in_the_delivery_log_with_its_occurrence(notifier, directory, clock):
    clock.now = MONDAY_EVENING
    pair = _confirmed(notifier, directory)
    plan_reminders(notifier)

    response = create_app(notifier.config).test_client().get(
        "/notifications", query_string={"match_id": pair.match_id}, headers={"Authorization": f"Bearer {STAFF_TOKEN}"})

    [reminder] = [n for n in response.get_json()["items"] if n["kind"] == "reminder" and n["channel"] == "email"]
    assert (reminder["status"], reminder["event_type"]) == ("sent", None)
    assert reminder["occurrence_start"] == "2026-03-03T16:30:00.000000+00:00"
