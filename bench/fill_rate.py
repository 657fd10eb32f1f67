"""How many volunteer slots the greedy matcher fills when everyone accepts, against a max-flow upper bound.

The bound is the maximum flow through source -> offer -> need -> sink with capacities
  source -> offer: max_active_matches * headcount (an offer takes at most that many matches,
                   each filling at most headcount slots),
  offer -> need:   min(headcount, volunteers_needed), one edge per eligible pair (one match per pair),
  need -> sink:    volunteers_needed.
Every outcome the matcher can reach is a feasible flow in this network, so the maximum flow bounds it
from above. For headcount 1 (most offers) the bound is exact: it is the best possible assignment.
For larger groups it is a relaxation, since the flow may spread an offer's slots over more than
max_active_matches needs.

The matcher meets the needs one at a time as they are published and cannot know those still to come, while
the bound knows them all; so part of the gap is the price of deciding online, which no ranking can close.
The scarcity term narrows it by estimating, from the needs open so far, how much demand a volunteer has
elsewhere (NeedIndex.demand).
"""
from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass
from datetime import date

from bench.scenario import scenario
from services.matcher.index import CandidateIndex, NeedIndex
from services.matcher.model import IDLE, Load, NeedView, OfferView, alternatives_per_match, eligible, rank, wave

OFFERS = 2_000
NEEDS = 500
SEED = 2026
TODAY = date(2026, 6, 1)
# Everyone accepts at once, so no proposal stays unanswered and this limit never binds.
MAX_OPEN_PER_VOLUNTEER = 1


class FlowNetwork:
    """A directed graph with integer capacities and Dinic's maximum flow."""

    def __init__(self, nodes: int) -> None:
        """A network of nodes numbered from 0, without edges."""
        self._edges: list[list[int]] = [[] for _ in range(nodes)]
        self._target: list[int] = []
        self._capacity: list[int] = []

    def add_edge(self, tail: int, head: int, capacity: int) -> None:
        """Add an edge and its residual twin; edge e's twin is e ^ 1."""
        for start, end, room in ((tail, head, capacity), (head, tail, 0)):
            self._edges[start].append(len(self._target))
            self._target.append(end)
            self._capacity.append(room)

    def _levels(self, source: int, sink: int) -> list[int] | None:
        """Breadth-first distances over edges with room left, or None when the sink is unreachable."""
        level = [-1] * len(self._edges)
        level[source] = 0
        queue = deque([source])
        while queue:
            node = queue.popleft()
            for edge in self._edges[node]:
                head = self._target[edge]
                if self._capacity[edge] > 0 and level[head] < 0:
                    level[head] = level[node] + 1
                    queue.append(head)
        return level if level[sink] >= 0 else None

    def _blocking_flow(self, source: int, sink: int, level: list[int]) -> int:
        """Push augmenting paths along increasing levels until none is left (iterative depth-first search)."""
        following = [0] * len(self._edges)
        pushed = 0
        path: list[int] = []
        node = source
        while True:
            if node == sink:
                room = min(self._capacity[edge] for edge in path)
                for edge in path:
                    self._capacity[edge] -= room
                    self._capacity[edge ^ 1] += room
                pushed += room
                path.clear()
                node = source
                continue
            edges = self._edges[node]
            while following[node] < len(edges):
                edge = edges[following[node]]
                head = self._target[edge]
                if self._capacity[edge] > 0 and level[head] == level[node] + 1:
                    break
                following[node] += 1
            else:
                if node == source:
                    return pushed
                level[node] = -1
                node = self._target[path.pop() ^ 1]
                following[node] += 1
                continue
            path.append(edge)
            node = head

    def max_flow(self, source: int, sink: int) -> int:
        """The value of a maximum flow from source to sink."""
        total = 0
        while (level := self._levels(source, sink)) is not None:
            total += self._blocking_flow(source, sink, level)
        return total


def simulate(needs: list[NeedView], index: CandidateIndex, scarcity: bool = True) -> int:
    """Slots filled when needs are matched in published order and every proposal is confirmed at once.

    Each need goes through what the worker does on need.published: file it among the open needs, then rank
    the eligible offers with their loads and alternatives (none when scarcity is off), and propose the open
    slots in a wave.
    """
    offers = {offer.id: offer for offer in index.all()}
    open_needs = NeedIndex()
    loads: dict[str, Load] = {}
    recent: Counter[str] = Counter()
    filled = 0
    for need in sorted(needs, key=lambda n: (n.published_at or "", n.id)):
        open_needs.upsert(need)
        remaining = need.volunteers_needed
        asked: set[str] = set()
        candidates = [offer for offer in index.candidates(need) if eligible(offer, need, TODAY)]
        while remaining > 0:
            elsewhere = {offer.id: alternatives_per_match(open_needs.demand(offer, TODAY), offer,
                                                          loads.get(offer.id, IDLE))
                         for offer in candidates if scarcity}
            ranked = rank(need, candidates, recent, TODAY, elsewhere)
            chosen = wave(need, ranked, remaining, asked, loads, offers, MAX_OPEN_PER_VOLUNTEER)
            if not chosen:
                break
            for offer_id, slots in chosen:
                asked.add(offer_id)
                loads[offer_id] = Load(loads.get(offer_id, IDLE).active + 1, 0)
                recent[offer_id] += 1
                remaining -= slots
                filled += slots
    return filled


def upper_bound(needs: list[NeedView], offers: list[OfferView]) -> tuple[int, int]:
    """The max-flow bound described in the module docstring, and the number of eligible pairs.

    The pairs come from checking every offer against every need, so the bound does not lean on the index.
    """
    number = {offer.id: n for n, offer in enumerate(offers, start=1)}
    sink = len(offers) + len(needs) + 1
    network = FlowNetwork(sink + 1)
    for offer in offers:
        network.add_edge(0, number[offer.id], offer.max_active_matches * offer.headcount)
    pairs = 0
    for position, need in enumerate(needs, start=len(offers) + 1):
        network.add_edge(position, sink, need.volunteers_needed)
        for offer in offers:
            if eligible(offer, need, TODAY):
                network.add_edge(number[offer.id], position, min(offer.headcount, need.volunteers_needed))
                pairs += 1
    return network.max_flow(0, sink), pairs


@dataclass(frozen=True)
class Result:
    """Slots filled with and without the scarcity term, the bound and the scenario's size."""

    filled: int
    filled_without_scarcity: int
    bound: int
    wanted: int
    pairs: int
    offers: int
    groups: int
    needs: int

    @property
    def ratio(self) -> float:
        """Slots filled over the max-flow bound."""
        return self.filled / self.bound


def measure(seed: int = SEED) -> Result:
    """Run the greedy matcher, with and without scarcity, and the bound on the same scenario."""
    world = scenario(OFFERS, NEEDS, seed)
    index = CandidateIndex()
    for data in world.offers:
        index.upsert(OfferView.from_data(data))
    needs = [NeedView.from_data(data) for data in world.needs]
    offers = index.all()
    bound, pairs = upper_bound(needs, offers)
    return Result(simulate(needs, index), simulate(needs, index, scarcity=False), bound,
                  sum(need.volunteers_needed for need in needs), pairs, len(offers),
                  sum(offer.headcount > 1 for offer in offers), len(needs))


def main() -> Result:
    """Print the slots filled against the bound."""
    result = measure()
    print(f"offers {result.offers} ({result.groups} with headcount > 1), needs {result.needs}, "
          f"slots wanted {result.wanted}, eligible pairs {result.pairs}")
    print(f"filled {result.filled}, max-flow bound {result.bound}, filled/bound {result.ratio:.3f}, "
          f"filled/wanted {result.filled / result.wanted:.3f}")
    print(f"without the scarcity term: filled {result.filled_without_scarcity}, "
          f"filled/bound {result.filled_without_scarcity / result.bound:.3f}")
    return result


if __name__ == "__main__":
    main()
