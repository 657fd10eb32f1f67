"""The worker's health from its parts' stalls."""
from __future__ import annotations

from shared.worker_health import Health, Stall


def test_a_worker_whose_parts_make_progress_is_ok():
    assert Health({"consume": Stall(), "outbox": Stall()}, threshold_seconds=0).status() == (200, {"status": "ok"})


def test_a_part_stalled_past_the_threshold_makes_the_worker_unhealthy_and_says_why():
    stalled = Stall()
    stalled.failing("AutoReconnect: connection refused")
    status, body = Health({"consume": Stall(), "outbox": stalled}, threshold_seconds=0).status()
    assert status == 503 and body["status"] == "stalled"
    assert list(body["stalled"]) == ["outbox"] and body["reason"].startswith("outbox: AutoReconnect")


def test_a_stall_shorter_than_the_threshold_is_not_yet_reported():
    stalled = Stall()
    stalled.failing("AutoReconnect: connection refused")
    assert Health({"consume": stalled}, threshold_seconds=3600).status()[0] == 200
