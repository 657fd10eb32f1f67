"""Events per second through the matcher worker, against a bare consume loop on the same broker.

Both read the same offer and need events from the start of the topics with the shared consume loop;
the bare loop's handler does nothing, the matcher's keeps its read model and indexes and proposes in
waves on the MongoDB-protocol server. The ratio is the matcher's cost per event over the loop's own.
"""
from __future__ import annotations

import tempfile
import threading
import time
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

from pymongo import MongoClient

from bench.scenario import scenario
from deploy import standins
from shared.config import Config
from shared.consume import ConsumeLoop
from shared.events import new_event
from shared.kafka import Publisher, Subscription, ensure_topics
from services.matcher.handlers import EVENT_HANDLERS
from services.matcher.waves import Matching
from services.matcher.repository import MatcherRepository

OFFERS, NEEDS = 1000, 250


def _consume(config: Config, group: str, handlers: dict, total: int) -> float:
    """Seconds until the loop has handled `total` events."""
    done = threading.Event()
    count = [0]

    def counted(handler):
        def handle(event):
            handler(event)
            count[0] += 1
            if count[0] >= total:
                done.set()
        return handle

    loop = ConsumeLoop(config, Subscription(group, {t: counted(h) for t, h in handlers.items()}), Publisher(config))
    thread = threading.Thread(target=loop.run, daemon=True)
    started = time.perf_counter()
    thread.start()
    done.wait(timeout=600)
    elapsed = time.perf_counter() - started
    loop.stop()
    thread.join(timeout=15)
    return elapsed


def run(offers: int = OFFERS, needs: int = NEEDS) -> dict[str, float]:
    """Publish the scenario's events, consume them twice, print and return the figures."""
    world = scenario(offers, needs)
    with tempfile.TemporaryDirectory() as tmp, standins.kafka(Path(tmp)) as kafka, standins.mongodb(Path(tmp)) as mongo:
        config = Config(kafka_bootstrap_servers=kafka, mongodb_uri=mongo, testing=True)
        ensure_topics(config)
        publisher = Publisher(config)
        events = [new_event("/services/offers", "offer.published", o["id"], o) for o in world.offers]
        events += [new_event("/services/needs", "need.published", n["id"], n) for n in world.needs]
        for event in events:
            publisher.publish(event)
        publisher.close()
        types = ("offer.published", "need.published")
        bare = _consume(config, "bare", {t: lambda e: None for t in types}, len(events))
        repo = MatcherRepository(MongoClient(mongo, tz_aware=True).matcher)
        repo.ensure_indexes()
        matching = Matching(repo, config, lambda: datetime(2026, 5, 1, tzinfo=timezone.utc))
        matcher = _consume(config, "matcher", {t: partial(EVENT_HANDLERS[t], m=matching) for t in types}, len(events))
        proposals = len(repo.all_matches())
    figures = {"events": len(events), "bare_per_s": len(events) / bare, "matcher_per_s": len(events) / matcher,
               "proposals": proposals}
    print(f"events {len(events)} ({offers} offers, {needs} needs), proposals made {proposals}")
    print(f"bare consume loop: {figures['bare_per_s']:.0f} events/s")
    print(f"matcher worker:    {figures['matcher_per_s']:.0f} events/s")
    print(f"matcher / bare:    {figures['matcher_per_s'] / figures['bare_per_s']:.3f}")
    return figures


if __name__ == "__main__":
    run()
