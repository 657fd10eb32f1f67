"""Delivery over time: servers that are down, addresses that are refused, SMS held over the night."""
from __future__ import annotations

from datetime import datetime

import pytest

from deploy import standins
from shared.events import parse_event
from shared.timeslots import OSLO
from services.notify.app import create_app
from services.notify.delivery import deliver_due
from services.notify.handlers import on_match_event
from services.notify.senders import SmtpSender
from tests.conftest import start_mail_catcher
from tests.integration.notify_fixtures import STAFF_TOKEN, add_pair, match_event
from tests.integration.notify_fixtures import (  # noqa: F401  (fixtures, found by name)
    clock, directory, make_notifier, notifier, notify_config, notify_db, sms_sink)


def _notification(notifier, pair, role: str = "volunteer", channel: str = "email") -> dict:
    [found] = [n for n in notifier.repo.for_match(pair.match_id) if n["role"] == role and n["channel"] == channel]
    return found


def _pending_event_types(doc: dict) -> list[str]:
    return [parse_event(entry["value"]).type for entry in doc["outbox"]]


def test_mail_waits_for_a_server_that_is_down_and_goes_out_once_it_is_back_with_the_attempts_logged(
        make_notifier, directory, clock):
    port = standins.free_port()
    notifier = make_notifier(smtp_port=port)
    pair = add_pair(directory)

    on_match_event(match_event("match.proposed", pair), notifier)
    clock.advance(hours=1)
    deliver_due(notifier)
    catcher, controller = start_mail_catcher(port)
    try:
        clock.advance(hours=1)
        deliver_due(notifier)
        clock.advance(hours=1)
        deliver_due(notifier)
        assert len(catcher.to(pair.volunteer_email)) == 1
    finally:
        controller.stop()

    response = create_app(notifier.config).test_client().get(
        "/notifications", query_string={"match_id": pair.match_id},
        headers={"Authorization": f"Bearer {STAFF_TOKEN}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    logged = {(n["role"], n["channel"]): n for n in response.get_json()["items"]}
    volunteer = logged[("volunteer", "email")]
    assert (volunteer["status"], volunteer["attempts"]) == ("sent", 3)
    assert [entry["outcome"].split(":")[0] for entry in volunteer["log"]] == ["retry", "retry", "sent"]
    assert logged[("organisation", "email")]["status"] == "sent"


def test_delivery_log_is_for_staff_only(notifier, directory):
    pair = add_pair(directory)
    on_match_event(match_event("match.proposed", pair), notifier)

    client = create_app(notifier.config).test_client()
    def status(token: str) -> int:
        return client.get("/notifications", query_string={"match_id": pair.match_id},
                          headers={"Authorization": f"Bearer {token}"}).status_code

    assert (status("someone"), status(notifier.config.service_token)) == (401, 403)


def test_mail_is_given_up_as_failed_after_the_last_attempt(make_notifier, directory, clock):
    notifier = make_notifier(smtp_port=standins.free_port(), notify_max_attempts=3)
    pair = add_pair(directory)

    on_match_event(match_event("match.proposed", pair), notifier)
    for _ in range(4):
        clock.advance(hours=2)
        deliver_due(notifier)

    failed = _notification(notifier, pair)
    assert (failed["status"], failed["attempts"]) == ("failed", 3)
    assert _pending_event_types(failed) == ["notification.failed"]


def test_refused_address_fails_for_good_without_holding_up_the_messages_behind_it(
        make_notifier, directory, clock, smtp_server):
    refused, *others = [add_pair(directory) for _ in range(3)]
    down = make_notifier(smtp_port=standins.free_port())
    for pair in (refused, *others):
        on_match_event(match_event("match.proposed", pair), down)
    smtp_server.refuse.add(refused.volunteer_email)
    try:
        clock.advance(hours=1)
        deliver_due(make_notifier())
    finally:
        smtp_server.refuse.discard(refused.volunteer_email)

    notifier = make_notifier()
    failed = _notification(notifier, refused)
    assert (failed["status"], failed["attempts"]) == ("failed", 2)
    assert failed["log"][-1]["outcome"].startswith("failed: recipient refused: SMTP 550")
    assert _pending_event_types(failed) == ["notification.failed"]
    for pair in others:
        sent = _notification(notifier, pair)
        assert sent["status"] == "sent" and len(smtp_server.to(pair.volunteer_email)) == 1
        assert _pending_event_types(sent) == ["notification.sent"]
    assert _pending_event_types(_notification(notifier, refused, role="organisation")) == ["notification.sent"]


@pytest.mark.parametrize("event_at, morning", [
    pytest.param(datetime(2026, 3, 2, 22, 30, tzinfo=OSLO), datetime(2026, 3, 3, 8, 0, tzinfo=OSLO), id="22:30"),
    pytest.param(datetime(2026, 3, 3, 6, 15, tzinfo=OSLO), datetime(2026, 3, 3, 8, 0, tzinfo=OSLO), id="06:15"),
])
def test_sms_at_night_is_held_until_eight_and_sent_once(event_at, morning, notifier, directory, clock, smtp_server,
                                                        sms_sink):
    clock.now = event_at
    pair = add_pair(directory, channels=("email", "sms"))

    on_match_event(match_event("match.proposed", pair), notifier)
    assert len(smtp_server.to(pair.volunteer_email)) == 1
    clock.now = morning.replace(hour=7, minute=59)
    deliver_due(notifier)
    assert sms_sink.to(pair.volunteer_phone) == []
    assert _notification(notifier, pair, channel="sms")["status"] == "held"

    clock.now = morning
    deliver_due(notifier)
    clock.advance(minutes=5)
    deliver_due(notifier)

    assert len(sms_sink.to(pair.volunteer_phone)) == 1
    assert _notification(notifier, pair, channel="sms")["status"] == "sent"


@pytest.mark.parametrize("erased", [None, {"id": "tombstone", "status": "withdrawn"}], ids=["unknown", "tombstone"])
def test_volunteer_erased_while_an_sms_was_held_is_not_contacted(erased, notifier, directory, clock, sms_sink):
    clock.now = datetime(2026, 3, 2, 22, 30, tzinfo=OSLO)
    pair = add_pair(directory, channels=("sms",))
    on_match_event(match_event("match.proposed", pair), notifier)

    directory.offers[pair.offer_id] = erased
    clock.now = datetime(2026, 3, 3, 8, 0, tzinfo=OSLO)
    deliver_due(notifier)

    assert sms_sink.to(pair.volunteer_phone) == []
    held = _notification(notifier, pair, channel="sms")
    assert (held["status"], held["reason"]) == ("skipped", "erased")


def test_sms_gateway_that_answers_503_is_tried_again_later(notifier, directory, clock, sms_sink):
    pair = add_pair(directory, channels=("sms",))
    sms_sink.status = 503

    on_match_event(match_event("match.proposed", pair), notifier)
    assert _notification(notifier, pair, channel="sms")["status"] == "retrying"
    sms_sink.status = 200
    clock.advance(minutes=30)
    deliver_due(notifier)

    [sms] = sms_sink.to(pair.volunteer_phone)
    assert sms["key"] == _notification(notifier, pair, channel="sms")["_id"]
    assert _notification(notifier, pair, channel="sms")["attempts"] == 2


class BrokenSmtp(SmtpSender):
    """The real sender with a fault of our own inside: every send raises an error nobody foresaw."""

    def send(self, to, message, message_id) -> None:
        raise RuntimeError("a bug in the sender")


def _break_sender(notifier) -> None:
    notifier.smtp = BrokenSmtp(notifier.config)


def _break_directory(notifier) -> None:
    match = notifier.directory.matches[next(iter(notifier.directory.matches))]
    del match["need_id"]


@pytest.mark.parametrize("fault", [_break_sender, _break_directory], ids=["in-the-send", "before-the-send"])
def test_an_unexpected_error_counts_as_an_attempt_and_is_given_up_after_the_last(fault, make_notifier, directory,
                                                                                 clock):
    notifier = make_notifier(notify_max_attempts=3)
    directory.matches.clear()
    pair = add_pair(directory)
    fault(notifier)

    on_match_event(match_event("match.proposed", pair), notifier)
    for _ in range(5):
        clock.advance(hours=2)
        deliver_due(notifier)

    failed = _notification(notifier, pair)
    assert (failed["status"], failed["attempts"]) == ("failed", 3)
    assert [entry["outcome"] for entry in failed["log"]][-1] == "gave up: retry after an unexpected error: " + (
        "RuntimeError" if fault is _break_sender else "KeyError")
    assert _pending_event_types(failed) == ["notification.failed"]


def test_a_proposal_without_its_answer_time_fails_to_render_instead_of_going_out_with_a_blank(
        notifier, directory, smtp_server):
    pair = add_pair(directory)
    del directory.matches[pair.match_id]["expires_at"]

    on_match_event(match_event("match.proposed", pair), notifier)

    assert smtp_server.to(pair.volunteer_email) == []
    failed = _notification(notifier, pair)
    assert failed["status"] == "failed" and "cannot render" in failed["log"][-1]["outcome"]
    assert "'expires' is undefined" in failed["log"][-1]["outcome"]
    assert smtp_server.to(pair.contact_email) == []  # the organisation's message names the deadline too
