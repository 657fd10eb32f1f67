"""A notify worker killed while proposals go out: after a restart everyone has been told, and nobody twice.

The one unavoidable window is a crash after the SMTP server took a mail but before notify recorded it;
that mail goes out again with the same Message-ID, so it is one message to its reader. Messages are
therefore counted by recipient, subject and Message-ID.
"""
from __future__ import annotations

import signal
import time
from collections import Counter

import requests
from pymongo import MongoClient

from tests.conftest import wait_until
from tests.e2e import journeys, scenario

TITLE = "Turvenn på Fjell – krasjtest"
CONTACT = "krasj-kontakt@fjell.example.no"
VOLUNTEERS = [f"krasj-frivillig-{i}@example.no" for i in range(5)]


def _matcher_knows(system, offer_ids: list[str]) -> bool:
    client = MongoClient(system.stack.env["MONGODB_URI"], serverSelectionTimeoutMS=3000)
    try:
        return client.matcher.offers.count_documents({"_id": {"$in": offer_ids}}) == len(offer_ids)
    finally:
        client.close()


def _five(matches: list[dict]) -> list[dict] | None:
    return matches if len(matches) == 5 else None


def _about_the_need(system) -> list:
    with system.mail.lock:
        return [m for m in system.mail.messages if TITLE in m.message["subject"]]


def _delivery_log(system, match_ids: list[str]) -> list[dict]:
    return [item for match_id in match_ids
            for item in requests.get(system.url("notify", "/notifications"), params={"match_id": match_id},
                                     headers=system.staff(), timeout=10).json()["items"]]


def _all_sent(system, match_ids: list[str]) -> bool:
    emails = [n for n in _delivery_log(system, match_ids) if n["channel"] == "email"]
    return len(emails) == 2 * len(match_ids) and all(n["status"] == "sent" for n in emails)


def test_notify_worker_killed_while_mail_goes_out_tells_every_recipient_exactly_once(system):
    api_key = journeys.register_verified_organisation(system, scenario.organisation(email=CONTACT))["api_key"]
    offer_ids = [journeys.register_confirmed_offer(system, scenario.offer(email))["id"] for email in VOLUNTEERS]
    wait_until(lambda: _matcher_knows(system, offer_ids), timeout=45, message="the matcher to know every offer")

    need = requests.post(system.url("needs", "/needs"), json=scenario.need(title=TITLE, volunteers_needed=5),
                         headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
    assert need.status_code == 201, need.text
    wait_until(lambda: _about_the_need(system), timeout=45, interval=0.01, message="the first mail")
    time.sleep(0.05)  # a moment later, while the other nine are on their way
    system.stack.stop_process("notify-worker", signal.SIGKILL)
    arrived_before_the_crash = len(_about_the_need(system))
    system.stack.start_worker("notify")

    proposals = wait_until(lambda: _five(journeys.matches(system, need.json()["id"], api_key)), timeout=30,
                           message="five proposals")
    match_ids = [m["id"] for m in proposals]
    # bounded by the 60-second send lease: a mail caught mid-send by the crash waits for it to run out
    wait_until(lambda: _all_sent(system, match_ids), timeout=90, message="every mail recorded as sent")

    mail = _about_the_need(system)
    messages = {(m.envelope_to[0], m.message["subject"], m.message["Message-ID"]) for m in mail}
    per_recipient = Counter(to for to, _, _ in messages)
    assert per_recipient == Counter({**{email: 1 for email in VOLUNTEERS}, CONTACT: 5})
    assert {subject.startswith("Kan du hjelpe") for to, subject, _ in messages if to != CONTACT} == {True}
    assert {subject.startswith("Vi har funnet") for to, subject, _ in messages if to == CONTACT} == {True}
    assert 1 <= arrived_before_the_crash < 10, "the worker was to be killed while mail was going out"
    assert len(mail) - len(messages) <= 2, "only mail in flight at the crash may reach the server again"
