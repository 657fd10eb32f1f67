"""The batched fixed window: exact near a limit and for small limits, one database write per batch far below it."""
from __future__ import annotations

import pytest
from limits import parse

from shared.ratelimit import BatchedFixedWindow, CounterStorage


class Counters(CounterStorage):
    """The database's counters in a dict rather than a collection; it counts the writes."""

    def __init__(self) -> None:
        super().__init__(collection=None)
        self.counts: dict[str, int] = {}
        self.writes = 0

    def count(self, key: str, expiry: int, amount: int) -> tuple[int, float]:
        self.writes += 1
        self.counts[key] = self.counts.get(key, 0) + amount
        return self.counts[key], 1e12


def admitted(window: BatchedFixedWindow, limit: str, hits: int, client: str = "10.0.0.1") -> int:
    return sum(window.hit(parse(limit), client) for _ in range(hits))


def test_a_small_limit_is_counted_in_the_database_at_every_hit():
    counters = Counters()
    first, second = BatchedFixedWindow(counters), BatchedFixedWindow(counters)
    assert admitted(first, "3/minute", 2) + admitted(second, "3/minute", 2) == 3
    assert counters.writes == 4


def test_far_below_the_limit_hits_are_written_in_batches_of_its_share():
    counters = Counters()
    window = BatchedFixedWindow(counters)
    assert admitted(window, "1000/minute", 250) == 250
    assert counters.writes == 2  # 101 hits at the 101st and 202nd; the last 48 are still held
    assert counters.counts == {parse("1000/minute").key_for("10.0.0.1"): 202}


def test_near_the_limit_every_hit_is_counted_and_the_limit_holds():
    counters = Counters()
    window = BatchedFixedWindow(counters)
    assert admitted(window, "100/minute", 150) == 100
    assert counters.counts == {parse("100/minute").key_for("10.0.0.1"): 150}
    assert counters.writes == 8 + 1 + 59  # batches of 11 up to 88, then 3 to reach 91, then one a hit


def test_processes_holding_hits_the_others_cannot_see_let_through_at_most_their_share_more():
    counters = Counters()
    processes = [BatchedFixedWindow(counters) for _ in range(4)]
    held = sum(admitted(process, "100/minute", 9) for process in processes)
    total = held + sum(admitted(process, "100/minute", 100) for process in processes)
    assert 100 <= total <= 100 * (1 + 3 * BatchedFixedWindow.BATCH_SHARE)


def test_held_hits_are_written_once_they_have_waited_the_batch_time():
    counters = Counters()
    seconds = iter(range(0, 1000, 2))  # each hit two seconds after the one before
    window = BatchedFixedWindow(counters, clock=lambda: float(next(seconds)))
    assert admitted(window, "1000/minute", 3) == 3
    assert counters.writes == 1  # the second hit finds the first held too long; the third is held anew


def test_the_window_ending_forgets_the_hits_held_in_it():
    counters = Counters()
    window = BatchedFixedWindow(counters)
    limit = parse("1000/minute")
    assert admitted(window, "1000/minute", 50) == 50
    window._held[limit.key_for("10.0.0.1")].ends = 0.0  # the minute is over
    assert admitted(window, "1000/minute", 1) == 1
    assert window._held[limit.key_for("10.0.0.1")].hits == 1


@pytest.mark.parametrize("limit", ["5/minute", "1000/minute"])
def test_clients_are_counted_apart(limit):
    counters = Counters()
    window = BatchedFixedWindow(counters)
    amount = parse(limit).amount
    assert admitted(window, limit, amount + 1, "10.0.0.1") == amount
    assert admitted(window, limit, 1, "10.0.0.2") == 1
