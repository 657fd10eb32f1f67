"""The matcher worker on a real broker and database, driven by the events the offers and needs services send."""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pymongo import MongoClient

from deploy import standins

from shared.config import Config
from shared.consume import ConsumeLoop
from shared.events import new_event
from shared.kafka import Publisher, ensure_topics
from shared.mongo import OutboxRelay
from services.matcher.handlers import expire_due, respond
from services.matcher.waves import Matching
from services.matcher.repository import MatcherRepository
from services.matcher.worker import subscription
from tests.conftest import wait_until


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def offer_data(offer_id: str, version: int = 1, **overrides: Any) -> dict[str, Any]:
    data = {"id": offer_id, "status": "open", "version": version, "skills": ["visiting_friend"],
            "districts": ["fjell"], "availability": [{"weekday": 2, "start_time": "17:00", "end_time": "20:00"}],
            "police_certificate": True, "birth_year": 1990, "languages": ["nb"], "max_active_matches": 3,
            "headcount": 1}
    return {**data, **overrides}


def need_data(need_id: str, version: int = 1, **overrides: Any) -> dict[str, Any]:
    data = {"id": need_id, "organisation_id": "org-1", "status": "open", "version": version,
            "skills": ["visiting_friend"], "district": "fjell",
            "schedule": {"weekday": 2, "start_time": "17:30", "end_time": "19:00",
                         "from_date": "2026-01-06", "until_date": "2026-12-31"},
            "volunteers_needed": 1, "requirements": {"police_certificate": True, "min_age": 18, "languages": ["nb"]},
            "published_at": "2026-03-02T09:00:00+00:00"}
    return {**data, **overrides}


class MatcherWorld:
    """A running matcher worker (consume loop and outbox relay threads) with test controls."""

    def __init__(self, kafka: str, mongo_uri: str, **settings: Any):
        self.config = Config(kafka_bootstrap_servers=kafka, mongodb_uri=mongo_uri, testing=True, **settings)
        ensure_topics(self.config)
        self.client = MongoClient(mongo_uri, tz_aware=True)
        self.db_name = f"matcher_{uuid.uuid4().hex[:10]}"
        self.repo = MatcherRepository(self.client[self.db_name])
        self.repo.ensure_indexes()
        self.clock = Clock()
        self.publisher = Publisher(self.config)
        self.threads: list[tuple[Any, threading.Thread]] = []
        self.handled: dict[str, int] = {}
        self.matchings: dict[str, Matching] = {}
        self.first = self.start(name="first")

    def start(self, group: str = "matcher", name: str | None = None, client_id: str | None = None) -> ConsumeLoop:
        """Start a worker: a consume loop and an outbox relay. Events handled are counted by group and name, and
        its state is kept under its name in `matchings`. The group's member ids begin with the client id."""
        matching = Matching(self.repo, self.config, self.clock)
        self.matchings[name or group] = matching
        events = subscription(matching, group)
        keys = (group,) if name is None else (group, name)
        counted = replace(events, handlers={t: self._counted(keys, h) for t, h in events.handlers.items()})
        loop = ConsumeLoop(self.config, counted, self.publisher, backoff_seconds=0.05,
                           consumer_settings={"client_id": client_id} if client_id else None)
        relay = OutboxRelay([self.repo.db.matches], self.publisher, interval_seconds=0.05)
        for part in (loop, relay):
            thread = threading.Thread(target=part.run, daemon=True)
            thread.start()
            self.threads.append((part, thread))
        return loop

    def _counted(self, keys: tuple[str, ...], handler):
        def handle(event) -> None:
            handler(event)
            for key in keys:
                self.handled[key] = self.handled.get(key, 0) + 1
        return handle

    def stop_part(self, part: Any) -> None:
        """Stop one running consume loop or relay and wait for its thread."""
        for running, thread in self.threads:
            if running is part:
                part.stop()
                thread.join(timeout=15)

    def stop(self) -> None:
        for part, thread in self.threads:
            part.stop()
            thread.join(timeout=15)
        self.threads.clear()
        self.publisher.close()
        self.client.drop_database(self.db_name)
        self.client.close()

    def send(self, type_: str, data: dict[str, Any]) -> None:
        """Publish an event as the owning service would."""
        source = "/services/offers" if type_.startswith("offer.") else "/services/needs"
        self.publisher.publish(new_event(source, type_, data["id"], data))

    def matches(self, need_id: str) -> list[dict[str, Any]]:
        return self.repo.matches_for_need(need_id)

    def wait_for(self, need_id: str, expected: dict[str, str], timeout: float = 30) -> list[dict[str, Any]]:
        """Wait until the need's matches have exactly these statuses by offer id."""
        def state():
            found = {m["offer_id"]: m["status"] for m in self.matches(need_id)}
            return found == expected and found
        wait_until(state, timeout=timeout, message=lambda: f"matches {expected}, have "
                   f"{ {m['offer_id']: (m['status'], m['score']) for m in self.matches(need_id)} }")
        return self.matches(need_id)

    def answer(self, match_id: str, role: str, accepted: bool = True) -> dict[str, Any]:
        return respond(match_id, role, accepted, self.repo, self.clock(), self.ttl)

    @property
    def ttl(self) -> timedelta:
        return timedelta(hours=self.config.proposal_ttl_hours)

    def expire_due(self) -> int:
        return expire_due(self.repo, self.clock())

    def drained(self) -> bool:
        """True when no match has events waiting in its outbox."""
        return self.repo.db.matches.count_documents({"outbox_pending": {"$gt": 0}}) == 0



@pytest.fixture
def world(tmp_path, mongo_uri):
    """A matcher worker on its own broker and a fresh database of its own."""
    with standins.kafka(tmp_path) as kafka:
        running = MatcherWorld(kafka, mongo_uri)
        try:
            yield running
        finally:
            running.stop()


def publish_offers(world: MatcherWorld, *specs: tuple[str, dict[str, Any]]) -> None:
    """Publish offers (id, changes to offer_data) and wait until the matcher knows them all (topics are not
    ordered among themselves)."""
    for offer_id, overrides in specs:
        world.send("offer.published", offer_data(offer_id, **overrides))
    wait_until(lambda: all(world.repo.offer(offer_id) for offer_id, _ in specs), timeout=30,
               message="the matcher to know the offers")
