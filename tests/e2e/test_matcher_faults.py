"""The matcher worker as a real process survives ordinary faults while offers and needs stream in: it is killed
and started again, and separately the database is away for ten seconds. Afterwards every need has its
proposals, no pair twice, no need over-filled, and nothing was dead-lettered.

The events are published as the offers and needs services publish them, since what is under test is the
matcher's handling of their stream. Reconciliation runs only when a worker takes over (the interval is set
far beyond the test), so what the handlers themselves do is what is measured."""
from __future__ import annotations

import os
import signal
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from kafka import KafkaConsumer
from pymongo import MongoClient

from deploy import standins
from deploy.stack import Stack
from shared.config import Config
from shared.events import ALL_TOPICS, dlq_topic, new_event
from shared.kafka import Publisher, ensure_topics
from tests.conftest import wait_until
from tests.e2e.conftest import ADMIN, LINK_KEYS, SERVICE

OFFERS, NEEDS, SLOTS = 100, 20, 2


class Faulty:
    """A broker, a database that keeps its data on disk, and the matcher worker as a process."""

    def __init__(self, workdir: Path):
        self.broker = standins.Server("kafka", standins.free_port(), workdir).start()
        self.database = standins.Server("mongodb", standins.free_port(), workdir, data_dir=workdir / "data").start()
        self.uri = f"mongodb://{self.database.address}"
        self.config = Config(kafka_bootstrap_servers=self.broker.address, mongodb_uri=self.uri, testing=True,
                             link_signing_keys=(LINK_KEYS,))
        ensure_topics(self.config)
        env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": self.broker.address, "MONGODB_URI": self.uri,
               "ADMIN_TOKEN": ADMIN, "SERVICE_TOKEN": SERVICE, "LINK_SIGNING_KEY": LINK_KEYS,
               "MATCHER_RECONCILE_SECONDS": "600", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        self.stack = Stack(env, {}, workdir / "logs", metrics_ports={"matcher": standins.free_port()})
        self.stack.logdir.mkdir(parents=True, exist_ok=True)
        self.stack.start_worker("matcher")
        self.publisher = Publisher(self.config)

    def close(self) -> None:
        self.publisher.close()
        self.stack.stop()
        self.database.stop()
        self.broker.stop()

    def matches(self) -> list[dict]:
        client = MongoClient(self.uri, serverSelectionTimeoutMS=3000)
        try:
            return list(client.matcher.matches.find({}, {"need_id": 1, "offer_id": 1, "status": 1, "slots": 1}))
        finally:
            client.close()

    def dead_letters(self) -> list:
        consumer = KafkaConsumer(bootstrap_servers=self.broker.address, auto_offset_reset="earliest",
                                 enable_auto_commit=False, consumer_timeout_ms=4000)
        consumer.subscribe([dlq_topic(topic) for topic in ALL_TOPICS])
        try:
            return list(consumer)
        finally:
            consumer.close()


@pytest.fixture
def faulty(tmp_path):
    system = Faulty(tmp_path)
    try:
        yield system
    finally:
        system.close()


def _offer(offer_id: str) -> dict:
    return {"id": offer_id, "status": "open", "version": 1, "skills": ["visiting_friend"], "districts": ["all"],
            "availability": [{"weekday": 2, "start_time": "16:00", "end_time": "21:00"}],
            "police_certificate": True, "birth_year": 1980, "languages": ["nb"], "max_active_matches": 2,
            "headcount": 1}


def _need(need_id: str) -> dict:
    today = date.today()
    return {"id": need_id, "organisation_id": str(uuid4()), "status": "open", "version": 1,
            "skills": ["visiting_friend"], "district": "fjell", "volunteers_needed": SLOTS,
            "schedule": {"weekday": 2, "start_time": "17:30", "end_time": "19:00", "from_date": today.isoformat(),
                         "until_date": (today + timedelta(days=90)).isoformat()},
            "requirements": {"police_certificate": True, "min_age": 18, "languages": ["nb"]},
            "published_at": f"2026-01-01T00:00:{len(need_id) % 60:02d}+00:00"}


def _stream(faulty: Faulty, fault_after: int, fault) -> list[str]:
    """Publish 100 offers and 20 needs interleaved over about 12 s; the fault starts, beside the stream, once
    `fault_after` events are out."""
    offers = [str(uuid4()) for _ in range(OFFERS)]
    needs = [str(uuid4()) for _ in range(NEEDS)]
    events = [("offer.published", "/services/offers", _offer(i)) for i in offers]
    for position, need_id in enumerate(needs):
        events.insert(position * 6 + 3, ("need.published", "/services/needs", _need(need_id)))
    faulting = threading.Thread(target=fault)
    for count, (type_, source, data) in enumerate(events, start=1):
        faulty.publisher.publish(new_event(source, type_, data["id"], data))
        if count == fault_after:
            faulting.start()
        time.sleep(0.1)
    faulting.join()
    return needs


def _every_need_has_its_proposals(faulty: Faulty, needs: list[str]) -> None:
    def settled():
        live = [m for m in faulty.matches() if m["status"] in ("proposed", "confirmed")]
        return all(sum(m["slots"] for m in live if m["need_id"] == n) == SLOTS for n in needs)
    wait_until(settled, timeout=120, interval=1.0, message="every need to have its two proposals")
    time.sleep(3)  # more time, in which nothing may change
    matches = faulty.matches()
    pairs = [(m["need_id"], m["offer_id"]) for m in matches]
    assert len(pairs) == len(set(pairs)), "a pair was proposed twice"
    for need_id in needs:
        live = [m for m in matches if m["need_id"] == need_id and m["status"] in ("proposed", "confirmed")]
        assert sum(m["slots"] for m in live) == SLOTS, f"need {need_id} has {len(live)} live matches"
    assert faulty.dead_letters() == []


def test_a_killed_matcher_worker_started_again_loses_nothing_and_doubles_nothing(faulty):
    def crash():
        faulty.stack.stop_process("matcher-worker", signal.SIGKILL)
        time.sleep(2)
        faulty.stack.start_worker("matcher")

    needs = _stream(faulty, fault_after=50, fault=crash)
    _every_need_has_its_proposals(faulty, needs)


def test_a_database_away_for_ten_seconds_loses_nothing_and_dead_letters_nothing(faulty):
    def outage():
        faulty.database.stop()
        time.sleep(10)
        faulty.database.start()

    needs = _stream(faulty, fault_after=40, fault=outage)
    _every_need_has_its_proposals(faulty, needs)
