"""The fill-rate benchmark's yardstick: its maximum flow is right, and no run fills more than the bound."""
from __future__ import annotations

import itertools
import random

import pytest

from bench.fill_rate import RUNS, FlowNetwork, measure


def _best_matching(edges: set[tuple[int, int]]) -> int:
    """The largest set of edges sharing no endpoint, by trying every subset (small graphs only)."""
    for size in range(len(edges), 0, -1):
        for chosen in itertools.combinations(edges, size):
            lefts, rights = {a for a, _ in chosen}, {b for _, b in chosen}
            if len(lefts) == len(rights) == size:
                return size
    return 0


@pytest.mark.parametrize("seed", range(20))
def test_the_maximum_flow_of_a_bipartite_network_is_its_largest_matching(seed: int) -> None:
    rng = random.Random(seed)
    edges = {(rng.randrange(5), rng.randrange(5)) for _ in range(rng.randint(0, 9))}
    network = FlowNetwork(12)
    for left in range(5):
        network.add_edge(0, 1 + left, 1)
        network.add_edge(6 + left, 11, 1)
    for left, right in edges:
        network.add_edge(1 + left, 6 + right, 1)
    assert network.max_flow(0, 11) == _best_matching(edges)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_run_fills_more_slots_than_the_bound(seed: int) -> None:
    result = measure(seed, offer_count=300, need_count=80)
    assert result.bound > 0 and set(result.filled) == set(RUNS)
    assert all(0 < filled <= result.bound for filled in result.filled.values())
