"""A worker's /healthz on a real broker: 503 with the reason while it is stalled, 200 once it makes progress."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from pymongo.errors import AutoReconnect

from deploy import standins
from shared.config import Config
from shared.consume import ConsumeLoop
from shared.events import new_event
from shared.kafka import Publisher, Subscription, ensure_topics
from shared.worker_health import Health, serve_health
from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config(kafka_bootstrap, mongo_uri) -> Config:
    config = Config(kafka_bootstrap_servers=kafka_bootstrap, mongodb_uri=mongo_uri, testing=True)
    ensure_topics(config)
    return config


def _health(port: int) -> tuple[int, dict]:
    response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    return response.status_code, response.json()


class Served:
    """A consume loop on its own thread with its health endpoint on a free port."""

    def __init__(self, loop: ConsumeLoop, threshold_seconds: float):
        self.loop = loop
        self.port = standins.free_port()
        self.server = serve_health(Health({"consume": loop.stall}, threshold_seconds), self.port)
        self.thread = threading.Thread(target=loop.run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.loop.stop()
        self.thread.join(timeout=15)
        self.server.shutdown()


def test_health_says_503_with_the_reason_while_the_database_is_away_and_200_once_the_event_is_handled(config):
    started: list[float] = []
    handled: list[str] = []
    subject = f"o-{uuid.uuid4().hex[:8]}"

    def handler(event) -> None:
        if event.subject != subject:
            return
        started.append(started[0] if started else time.monotonic())
        if time.monotonic() - started[0] < 5.0:
            raise AutoReconnect("database is away")
        handled.append(event.subject)

    Publisher(config).publish(new_event("/test", "offer.published", subject, {}))
    loop = ConsumeLoop(config, Subscription(f"test-{uuid.uuid4()}", {"offer.published": handler}), Publisher(config),
                       backoff_seconds=0.1, max_backoff_seconds=0.5)
    served = Served(loop, threshold_seconds=1.0)
    try:
        assert served.server.server_address[0] == "127.0.0.1"
        assert _health(served.port) == (200, {"status": "ok"})
        wait_until(lambda: started, timeout=30)
        status, body = wait_until(lambda: (answer := _health(served.port))[0] == 503 and answer, timeout=30)
        assert body["status"] == "stalled"
        assert "AutoReconnect" in body["reason"] and "database is away" in body["stalled"]["consume"]
        assert handled == []
        wait_until(lambda: handled, timeout=30)
        assert _health(served.port) == (200, {"status": "ok"})
    finally:
        served.stop()


def test_health_says_503_while_the_worker_cannot_prepare_for_its_partitions(config):
    def rebuild() -> None:
        raise ValueError("a read-model document cannot be read")

    subscription = Subscription(f"test-{uuid.uuid4()}", {"offer.published": lambda e: None}, single_active=True,
                                on_assigned=rebuild)
    served = Served(ConsumeLoop(config, subscription, Publisher(config)), threshold_seconds=1.0)
    try:
        status, body = wait_until(lambda: "cannot prepare" in (answer := _health(served.port))[1].get("reason", "")
                                  and answer, timeout=30)
        assert status == 503 and "a read-model document cannot be read" in body["reason"]
    finally:
        served.stop()


def test_a_worker_serves_its_health_on_metrics_port_on_loopback(config, tmp_path):
    port = standins.free_port()
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": config.kafka_bootstrap_servers, "MONGODB_URI": config.mongodb_uri,
           "TESTING": "1", "METRICS_PORT": str(port), "PYTHONPATH": str(ROOT),
           **{name: secrets.token_urlsafe(32) for name in ("ADMIN_TOKEN", "SERVICE_TOKEN", "LINK_SIGNING_KEY")}}
    with open(tmp_path / "worker.log", "wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "services.offers.worker"], cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        standins.wait_for_port(port, timeout=30, process=worker)
        assert _health(port) == (200, {"status": "ok"})
        other = requests.get(f"http://127.0.0.1:{port}/metrics-or-anything", timeout=5)
        assert other.status_code == 404 and set(other.json()["error"]) >= {"code", "message"}
    finally:
        worker.terminate()
        worker.wait(timeout=15)
    assert worker.returncode == 0, (tmp_path / "worker.log").read_text()
