"""How much faster the candidate index finds a need's eligible offers than a scan of every open offer.

Both paths apply the same predicate to every offer they look at: the scan to all open offers of the read
model, the index to the offers it files where the need may fit. The predicate is `eligible`, which the
matcher ranks with and which stops at the first broken rule; a second, slower round uses
`not rule_failures(...)`, which checks every rule. Each lookup runs `repeats` times and its fastest run
counts, on both paths alike and with the garbage collector paused (as timeit does), so a busy machine
disturbs the figures less.
"""
from __future__ import annotations

import gc
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from time import perf_counter

from bench.scenario import scenario
from services.matcher.index import CandidateIndex
from services.matcher.model import NeedView, OfferView, eligible, rule_failures

OFFERS = 10_000
NEEDS = 500
SEED = 2026
TODAY = date(2026, 6, 1)
REPEATS = 3

Predicate = Callable[[OfferView, NeedView, date], bool]


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of the values, share in (0, 1]."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def timed(action: Callable[[], list[str]], repeats: int) -> tuple[list[str], float]:
    """The action's result and its fastest duration over the repeats in milliseconds, collector paused."""
    best = math.inf
    gc.disable()
    try:
        for _ in range(repeats):
            started = perf_counter()
            result = action()
            best = min(best, perf_counter() - started)
    finally:
        gc.enable()
    return result, best * 1000


@dataclass(frozen=True)
class Result:
    """The measured percentiles, in milliseconds, and how the two paths compare."""

    index_p50: float
    index_p95: float
    scan_p50: float
    scan_p95: float
    candidates: float
    eligible: float
    agreeing: int
    needs: int
    offers: int

    @property
    def speed_up(self) -> float:
        """The full scan's p95 over the index's."""
        return self.scan_p95 / self.index_p95


def without_failures(offer: OfferView, need: NeedView, today: date) -> bool:
    """Eligibility as rule_failures reports it, every rule checked."""
    return not rule_failures(offer, need, today)


def measure(check: Predicate = eligible, repeats: int = REPEATS, offers: int = OFFERS, needs: int = NEEDS) -> Result:
    """Time both lookups, each applying the check, for every need of the scenario."""
    world = scenario(offers, needs, SEED)
    index = CandidateIndex()
    for data in world.offers:
        index.upsert(OfferView.from_data(data))
    views = [NeedView.from_data(data) for data in world.needs]
    everyone = index.all()
    indexed_ms: list[float] = []
    scanned_ms: list[float] = []
    candidates = found = agreeing = 0
    for need in views:
        via_index, took = timed(lambda: [o.id for o in index.candidates(need) if check(o, need, TODAY)], repeats)
        via_scan, scan_took = timed(lambda: [o.id for o in everyone if check(o, need, TODAY)], repeats)
        indexed_ms.append(took)
        scanned_ms.append(scan_took)
        candidates += len(index.candidates(need))
        found += len(via_scan)
        agreeing += via_index == via_scan
    return Result(percentile(indexed_ms, 0.5), percentile(indexed_ms, 0.95), percentile(scanned_ms, 0.5),
                  percentile(scanned_ms, 0.95), candidates / len(views), found / len(views), agreeing, len(views),
                  len(index))


def report(result: Result) -> None:
    """Print the percentiles of both lookups and the speed-up."""
    print(f"index + rules: p50 {result.index_p50:.3f} ms, p95 {result.index_p95:.3f} ms")
    print(f"full scan:     p50 {result.scan_p50:.3f} ms, p95 {result.scan_p95:.3f} ms")
    print(f"speed-up at p95: {result.speed_up:.1f}x")
    print(f"same eligible offers: {result.agreeing}/{result.needs} needs")


def main(offers: int = OFFERS, needs: int = NEEDS) -> tuple[Result, Result]:
    """Measure with eligible, then once more with rule_failures, and print both."""
    fast = measure(offers=offers, needs=needs)
    print(f"offers {fast.offers}, needs {fast.needs}; per need: {fast.candidates:.1f} candidates "
          f"from the index, {fast.eligible:.1f} eligible")
    print(f"predicate eligible (best of {REPEATS} runs per lookup):")
    report(fast)
    full = measure(without_failures, repeats=1, offers=offers, needs=needs)
    print("predicate not rule_failures (one run per lookup):")
    report(full)
    return fast, full


if __name__ == "__main__":
    main()
