"""What the matcher's in-memory candidate index costs at 10,000 and 100,000 open offers.

The offers are bench/scenario.py's (the ten districts and the skill vocabulary of shared/reference.py), with
the scenario's 500 open needs, stored in the matcher's read model on the MongoDB-protocol stand-in as the
matcher stores event data. For each size:
- rebuild: Matching.rebuild, as at a takeover: both indexes filled from the read model in the database;
- memory: what the candidate index holds once built (tracemalloc, in a second rebuild traced from the start);
- lookup: CandidateIndex.candidates for each of the needs, p50 and p95 (fastest of three runs, as
  bench/candidate_lookup.py times them), alone and with the hard rules applied (the matcher's eligible offers).
The sizes are loaded one after another into the same database, each adding offers to the last.
"""
from __future__ import annotations

import gc
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pymongo import MongoClient

from bench.candidate_lookup import REPEATS, TODAY, percentile, timed
from bench.scenario import scenario
from deploy import standins
from shared.config import Config
from services.matcher.app import DB_NAME
from services.matcher.index import CandidateIndex
from services.matcher.model import eligible
from services.matcher.repository import MatcherRepository
from services.matcher.waves import Matching, read_need

SIZES = (10_000, 100_000)
NEEDS = 500
BATCH = 1000
SEED = 2026


@dataclass(frozen=True)
class Capacity:
    """The figures at one number of open offers."""

    offers: int
    added: int
    load_seconds: float
    rebuild_seconds: float
    read_seconds: float
    index_bytes: int
    lookup_p50_ms: float
    lookup_p95_ms: float
    eligible_p95_ms: float
    candidates: float

    @property
    def bytes_per_offer(self) -> float:
        return self.index_bytes / self.offers


class ReadTimer:
    """The repository, adding up how long the rebuild spends reading the read model from the database."""

    def __init__(self, repo: MatcherRepository):
        self.repo = repo
        self.seconds = 0.0

    def __getattr__(self, name: str):
        return getattr(self.repo, name)

    def _timed(self, read):
        started = time.perf_counter()
        documents = read()
        self.seconds += time.perf_counter() - started
        return documents

    def open_offers(self) -> list[dict]:
        return self._timed(self.repo.open_offers)

    def open_needs(self) -> list[dict]:
        return self._timed(self.repo.open_needs)


def _retained_by_offers_index(matching: Matching) -> int:
    """Bytes the candidate index keeps after a rebuild traced from its start: what is traced with it, less what is
    left once it is dropped."""
    gc.collect()
    tracemalloc.start()
    try:
        matching.rebuild()
        gc.collect()
        with_index, _ = tracemalloc.get_traced_memory()
        matching.offers = CandidateIndex()
        gc.collect()
        without, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return with_index - without


def measure(repo: MatcherRepository, offers: int, added: int, load_seconds: float, needs: list[dict]) -> Capacity:
    """Rebuild, weigh and look up at the read model's current size."""
    reads = ReadTimer(repo)
    matching = Matching(reads, Config(), lambda: datetime(2026, 6, 1, 12, tzinfo=UTC))
    started = time.perf_counter()
    matching.rebuild()
    rebuild, reading = time.perf_counter() - started, reads.seconds
    views = [read_need(data) for data in needs]
    index = matching.offers
    alone = [timed(lambda: index.candidates(need), REPEATS)[1] for need in views]
    ruled = [timed(lambda: [o for o in index.candidates(need) if eligible(o, need, TODAY)], REPEATS)[1]
             for need in views]
    candidates = sum(len(index.candidates(need)) for need in views) / len(views)
    if len(matching.offers) != offers:
        raise RuntimeError(f"the index holds {len(matching.offers)} offers, {offers} were stored")
    memory = _retained_by_offers_index(matching)
    return Capacity(offers, added, load_seconds, rebuild, reading, memory, percentile(alone, 0.5),
                    percentile(alone, 0.95), percentile(ruled, 0.95), candidates)


def load(repo: MatcherRepository, offers: list[dict]) -> float:
    """Store the offers in the read model as the matcher does ({**data, "_id": id}), in batches; seconds."""
    started = time.perf_counter()
    for first in range(0, len(offers), BATCH):
        repo.db.offers.insert_many([{**data, "_id": data["id"]} for data in offers[first:first + BATCH]])
    return time.perf_counter() - started


def report(c: Capacity) -> None:
    """One size's figures, in two lines."""
    print(f"{c.offers} open offers ({c.added} stored in {c.load_seconds:.1f} s): rebuild {c.rebuild_seconds:.2f} s "
          f"({c.read_seconds:.2f} s of it reading the database); candidate index {c.index_bytes / 2**20:.1f} MiB "
          f"({c.bytes_per_offer:.0f} bytes per offer)")
    print(f"  lookup p50 {c.lookup_p50_ms:.3f} ms, p95 {c.lookup_p95_ms:.3f} ms ({c.candidates:.0f} candidates per "
          f"need); with the rules p95 {c.eligible_p95_ms:.3f} ms")


def run(sizes: tuple[int, ...] = SIZES) -> list[Capacity]:
    """Load the read model size by size and measure at each; print and return the figures."""
    world = scenario(max(sizes), NEEDS, SEED)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-matcher-") as tmp, standins.mongodb(Path(tmp)) as uri:
        with MongoClient(uri, tz_aware=True) as client:
            repo = MatcherRepository(client[DB_NAME])
            repo.db.needs.insert_many([{**data, "_id": data["id"]} for data in world.needs])
            stored = 0
            for size in sorted(sizes):
                seconds = load(repo, world.offers[stored:size])
                results.append(measure(repo, size, size - stored, seconds, world.needs))
                stored = size
                report(results[-1])
    return results


if __name__ == "__main__":
    run()
