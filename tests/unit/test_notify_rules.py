"""Notify's rules: who is told what, on which channel, when, and which reminders are due."""
from __future__ import annotations

import random
from datetime import datetime, timezone
from typing import Any

import pytest

from shared.clock import to_iso
from shared.events import new_event
from shared.timeslots import OSLO
from services.notify import model
from services.notify.senders import deliverable

WEEKLY = {"weekday": 2, "start_time": "17:30", "end_time": "19:00", "from_date": "2026-01-06",
          "until_date": "2026-06-30"}
SINGLE = {"start": "2026-03-03T10:00:00+01:00", "end": "2026-03-03T14:00:00+01:00"}
VOLUNTEER = {"name": "Kari Nordmann", "email": "kari@example.no", "phone": "+4791234567", "languages": ["nb"]}


def oslo(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=OSLO)


def event(type_: str, **data: Any):
    return new_event("/services/matcher", type_, "m1", {"id": "m1", "need_id": "n1", "offer_id": "o1", **data})


def offer(channels: tuple[str, ...] = ("email",), **volunteer: Any) -> dict[str, Any]:
    return {"id": "o1", "status": "open", "contact_channels": list(channels), "volunteer": {**VOLUNTEER, **volunteer}}


@pytest.mark.parametrize("type_, data, told", [
    ("match.proposed", {}, [("volunteer", "proposal"), ("organisation", "candidate_found")]),
    ("match.confirmed", {}, [("volunteer", "confirmed_volunteer"), ("organisation", "confirmed_organisation")]),
    ("match.declined", {"by": "volunteer"}, [("volunteer", "declined_volunteer"),
                                             ("organisation", "declined_organisation")]),
    ("match.declined", {"by": "organisation"}, [("volunteer", "withdrawn_volunteer")]),
    ("match.declined", {"by": "organisation", "accepted_by": ["volunteer"]}, [("volunteer", "turned_down_volunteer")]),
    ("match.expired", {}, [("volunteer", "expired_volunteer"), ("organisation", "expired_organisation")]),
    ("match.expired", {"accepted_by": ["volunteer"]}, [("volunteer", "unconfirmed_volunteer"),
                                                       ("organisation", "unconfirmed_organisation")]),
    ("match.cancelled", {"reason": "offer_withdrawn", "was_confirmed": True},
     [("organisation", "cancelled_organisation")]),
    ("match.cancelled", {"reason": "need_closed", "was_confirmed": True}, [("volunteer", "cancelled_volunteer")]),
    ("match.cancelled", {"reason": "offer_withdrawn", "was_confirmed": False},
     [("organisation", "withdrawn_organisation")]),
    ("match.cancelled", {"reason": "need_closed", "was_confirmed": False}, [("volunteer", "withdrawn_volunteer")]),
    ("match.cancelled", {"reason": "need_filled", "was_confirmed": False}, [("volunteer", "withdrawn_volunteer")]),
    ("match.cancelled", {"reason": "offer_changed", "was_confirmed": False},
     [("organisation", "withdrawn_organisation")]),
    ("match.cancelled", {"reason": "need_changed", "was_confirmed": False}, [("volunteer", "withdrawn_volunteer")]),
    ("match.cancelled", {"reason": "need_reduced", "was_confirmed": False}, [("volunteer", "withdrawn_volunteer")]),
    ("match.cancelled", {"reason": "need_closed"}, [("volunteer", "cancelled_volunteer")]),
    ("match.accepted", {"by": "volunteer"}, [("organisation", "volunteer_accepted")]),
    ("match.accepted", {"by": "organisation"}, []),
])
def test_each_event_tells_the_sides_that_did_not_act_themselves(type_, data, told):
    assert model.recipients(event(type_, **data)) == told


def test_the_organisation_is_reminded_once_when_half_its_answer_time_has_passed():
    accepted = event("match.accepted", by="volunteer", accepted_at="2026-03-02T09:00:00.000000+00:00",
                     expires_at="2026-03-04T09:00:00.000000+00:00")

    reminder = model.new_answer_reminder(accepted, "email", "2026-03-02T09:00:01.000000+00:00")

    assert (reminder["role"], reminder["kind"]) == ("organisation", "answer_reminder")
    assert reminder["next_attempt_at"] == "2026-03-03T09:00:00.000000+00:00"
    assert reminder["_id"] == model.new_answer_reminder(event("match.accepted", **accepted.data), "email", "x")["_id"]


def test_same_event_recipient_and_channel_always_give_the_same_key():
    once, again = event("match.proposed"), event("match.proposed")
    first = model.new_notification(once, "volunteer", "proposal", "sms", "2026-03-02T11:00:00+00:00")
    later = model.new_notification(once, "volunteer", "proposal", "sms", "2026-03-02T12:00:00+00:00")

    assert first["_id"] == later["_id"]
    assert model.new_notification(again, "volunteer", "proposal", "sms", "x")["_id"] != first["_id"]


def test_reminder_key_is_match_occurrence_and_channel():
    start = oslo(3, 17, 30)
    key = model.reminder_id("m1", start, "email")

    assert key == model.reminder_id("m1", start.astimezone(timezone.utc), "email")
    assert len({key, model.reminder_id("m1", start, "sms"), model.reminder_id("m1", oslo(10, 17, 30), "email"),
                model.reminder_id("m2", start, "email")}) == 4


@pytest.mark.parametrize("channels, channel, phone, gateway, reached", [
    (("email",), "email", "+4791234567", True, ("kari@example.no", None)),
    (("email",), "sms", "+4791234567", True, (None, "channel_not_chosen")),
    (("sms",), "email", "+4791234567", True, (None, "channel_not_chosen")),
    (("email", "sms"), "sms", "+4791234567", True, ("+4791234567", None)),
    (("email", "sms"), "sms", None, True, (None, "no_address")),
    (("email", "sms"), "sms", "+4791234567", False, (None, "sms_off")),
    (("email", "sms"), "email", "+4791234567", False, ("kari@example.no", None)),
    (("sms",), "sms", "+4791234567", False, (None, "sms_off")),
    (("sms",), "email", "+4791234567", False, ("kari@example.no", None, "email_fallback")),
    (("sms",), "email", None, True, ("kari@example.no", None, "email_fallback")),
    (("email", "sms"), "sms", "+4732046000", True, (None, "no_address")),  # a landline kept from before
    (("sms",), "email", "+4732046000", True, ("kari@example.no", None, "email_fallback")),
])
def test_a_volunteer_is_reached_only_on_a_chosen_channel_with_an_address(channels, channel, phone, gateway, reached):
    person = model.person_of("volunteer", offer(channels, phone=phone), None)

    assert model.reach(channel, person, sms_enabled=gateway) == model.Reach(*reached)


def test_a_person_who_is_gone_cannot_be_reached():
    assert model.reach("email", None, sms_enabled=True) == model.Reach(None, "erased")


@pytest.mark.parametrize("channel, reached", [("email", ("ola@example.no", None)), ("sms", (None, "channel_not_chosen"))])
def test_an_organisation_is_reached_by_email_as_it_chose_no_other_channel(channel, reached):
    organisation = {"contact": {"name": "Ola", "email": "ola@example.no", "phone": "+4798765432"}}

    assert model.reach(channel, model.person_of("organisation", None, organisation), True) == model.Reach(*reached)


@pytest.mark.parametrize("erased", [None, {"id": "o1", "status": "withdrawn"}, {"id": "o1", "status": "open"},
                                    {"id": "o1", "status": "withdrawn", "volunteer": None}])
def test_an_erased_volunteer_has_no_contact_details(erased):
    assert model.person_of("volunteer", erased, None) is None


@pytest.mark.parametrize("moment, quiet", [
    (oslo(2, 20, 59), False), (oslo(2, 21, 0), True), (oslo(2, 22, 30), True), (oslo(3, 3, 0), True),
    (oslo(3, 7, 59), True), (oslo(3, 8, 0), False), (oslo(3, 12, 0), False),
])
def test_no_sms_between_nine_in_the_evening_and_eight_in_the_morning(moment, quiet):
    assert model.in_quiet_hours(moment) is quiet


@pytest.mark.parametrize("moment, until", [
    (oslo(2, 22, 30), oslo(3, 8, 0)),
    (oslo(3, 6, 15), oslo(3, 8, 0)),
    (oslo(28, 22, 30), oslo(29, 8, 0)),
], ids=["evening", "early-morning", "night-clocks-go-forward"])
def test_held_sms_waits_until_eight_oslo_time(moment, until):
    assert to_iso(model.end_of_quiet_hours(moment)) == to_iso(until)


@pytest.mark.parametrize("schedule, now, starts", [
    (WEEKLY, oslo(2, 18, 0), [oslo(3, 17, 30)]),
    (WEEKLY, oslo(2, 17, 29), []),
    (WEEKLY, oslo(3, 17, 30), []),
    (WEEKLY, oslo(3, 17, 31), []),
    (WEEKLY, oslo(6, 18, 0, month=1), []),
    (WEEKLY, oslo(29, 18, 0, month=6), [oslo(30, 17, 30, month=6)]),
    (WEEKLY, oslo(6, 18, 0, month=7), []),
    (SINGLE, oslo(2, 10, 1), [oslo(3, 10, 0)]),
    (SINGLE, oslo(2, 10, 0), []),
    (SINGLE, oslo(3, 10, 30), []),
], ids=["weekly-tomorrow", "weekly-too-early", "weekly-starting-now", "weekly-started", "before-from-date",
        "last-date", "after-until-date", "single-tomorrow", "single-too-early", "single-started"])
def test_reminders_are_due_for_occurrences_starting_within_24_hours(schedule, now, starts):
    assert [to_iso(s) for s in model.reminder_starts(schedule, now)] == [to_iso(s) for s in starts]


@pytest.mark.parametrize("schedule, now, over", [
    (WEEKLY, oslo(30, 18, 0, month=6), True), (WEEKLY, oslo(30, 17, 0, month=6), False),
    ({**WEEKLY, "until_date": None}, oslo(1, 12, 0, month=12), False), (SINGLE, oslo(3, 11, 0), True),
])
def test_an_assignment_is_over_when_nothing_more_starts(schedule, now, over):
    assert model.schedule_over(schedule, now) is over


def reminder(start: datetime) -> dict[str, Any]:
    return model.new_reminder({"_id": "m1", "need_id": "n1", "offer_id": "o1"}, start, "email", "now")


@pytest.mark.parametrize("notification, match, now, reason", [
    (reminder(oslo(3, 17, 30)), {"status": "confirmed"}, oslo(3, 9, 0), None),
    (reminder(oslo(3, 17, 30)), {"status": "cancelled"}, oslo(3, 9, 0), "match_not_confirmed"),
    (reminder(oslo(3, 17, 30)), {"status": "confirmed"}, oslo(3, 17, 30), "occurrence_started"),
    (reminder(oslo(3, 17, 30)), None, oslo(3, 9, 0), "match_unknown"),
    ({"kind": "proposal"}, {"status": "declined"}, oslo(3, 9, 0), None),
    ({"kind": "answer_reminder"}, {"status": "proposed", "accepted_by": ["volunteer"],
                                   "expires_at": to_iso(oslo(4, 9, 0))}, oslo(3, 9, 0), None),
    ({"kind": "answer_reminder"}, {"status": "confirmed", "accepted_by": ["organisation", "volunteer"]}, oslo(3, 9, 0),
     "answered"),
    ({"kind": "answer_reminder"}, {"status": "declined", "accepted_by": ["volunteer"]}, oslo(3, 9, 0), "answered"),
    ({"kind": "answer_reminder"}, {"status": "proposed", "accepted_by": ["volunteer"],
                                   "expires_at": to_iso(oslo(3, 9, 0))}, oslo(3, 9, 0), "answer_time_over"),
    ({"kind": "volunteer_accepted"}, {"status": "cancelled", "accepted_by": ["volunteer"]}, oslo(3, 9, 0), "answered"),
])
def test_a_notification_is_dropped_when_it_no_longer_makes_sense(notification, match, now, reason):
    assert model.skip_reason(notification, match, {"id": "n1"}, now) == reason


@pytest.mark.parametrize("kind", ["volunteer_accepted", "answer_reminder", "confirmed_organisation"])
def test_the_organisation_is_not_sent_a_volunteer_who_has_been_erased_meanwhile(kind):
    match = {"status": "proposed", "accepted_by": ["volunteer"], "expires_at": to_iso(oslo(4, 9, 0))}
    assert model.skip_reason({"kind": kind}, match, {"id": "n1"}, oslo(3, 9, 0), volunteer_known=False) == \
        "volunteer_erased"


@pytest.mark.parametrize("status, type_", [("sent", "notification.sent"), ("failed", "notification.failed")])
def test_outcome_event_carries_ids_and_counts_only(status, type_):
    notification = {**model.new_notification(event("match.proposed"), "volunteer", "proposal", "email", "now"),
                    "status": status, "attempts": 2, "log": [{"outcome": "sent"}], "lang": "nb"}

    outcome = model.outcome_event(notification)

    assert (outcome.type, outcome.subject) == (type_, "m1")
    assert set(outcome.data) == {"id", "match_id", "event_id", "role", "kind", "channel", "attempts"}


@pytest.mark.parametrize("attempt, low, high", [(1, 15, 30), (2, 30, 60), (3, 60, 120), (20, 1800, 3600)])
def test_retries_back_off_exponentially_with_jitter_up_to_an_hour(attempt, low, high):
    rng = random.Random(7)

    assert all(low <= model.backoff_seconds(attempt, 30, rng=rng) <= high for _ in range(50))


@pytest.mark.parametrize("address, sent_to", [("kari@example.no", "kari@example.no"),
                                               ("kari@bæ.no", "kari@xn--b-4fa.no"),
                                               ("kåri@example.no", "kåri@example.no")])
def test_an_international_domain_is_sent_to_in_its_ascii_form(address, sent_to):
    assert deliverable(address) == sent_to
