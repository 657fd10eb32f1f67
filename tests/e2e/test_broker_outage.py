"""A request never depends on Kafka being up: the outbox keeps the event until the broker is back."""
from __future__ import annotations

import pytest
import requests

from tests.conftest import wait_until
from tests.e2e import journeys, scenario

RELAY_WAITING = "outbox relay waiting"


def test_need_posted_while_broker_is_down_is_accepted_and_matched_once_broker_is_back(system):
    if system.broker is None:
        pytest.skip("the broker is external to the tests and cannot be stopped here")
    organisation = journeys.register_verified_organisation(system, scenario.organisation(email="outage@fjell.example.no"))
    api_key = organisation["api_key"]
    offer = journeys.register_confirmed_offer(system, scenario.offer("outage-volunteer@example.no"))
    wait_until(lambda: system.matcher_record("offers", offer["id"]), timeout=30,
               message="the matcher to know the offer")

    relay_log = system.stack.logdir / "needs-worker.log"
    waits_before = relay_log.read_text(errors="replace").count(RELAY_WAITING)
    system.broker.stop()
    need = requests.post(system.url("needs", "/needs"), json=scenario.need(title="Turvenn i Fjell"),
                         headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
    assert need.status_code == 201, need.text
    wait_until(lambda: relay_log.read_text(errors="replace").count(RELAY_WAITING) > waits_before, timeout=60,
               message="the needs worker's relay to fail to publish while the broker is down")
    system.broker.start()

    proposals = wait_until(lambda: journeys.matches(system, need.json()["id"], api_key), timeout=90,
                           message="a proposal after the broker came back")
    assert [m["offer_id"] for m in proposals] == [offer["id"]]
