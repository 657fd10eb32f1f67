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

The matcher meets needs and volunteers one at a time as they arrive and cannot know those still to come, while
the bound knows them all; so part of the gap is the price of deciding online, which no ranking can close.
Two runs show how large that part is: one ranks by each volunteer's exact count of eligible needs still to come
(knowledge no matcher has), and one lets offers arrive among the needs instead of all before them.
"""
from __future__ import annotations

import random
from collections import Counter, deque
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bench.scenario import scenario
from services.matcher.index import CandidateIndex, NeedIndex
from services.matcher.model import (IDLE, Load, NeedView, OfferView, alternatives_per_match, eligible, rank,
                                    scarcest_first, wave)

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


class Simulation:
    """What the worker does on each event, on in-memory state, with every proposal confirmed as soon as it is made.

    A need's arrival runs waves for it (waves.run_wave); an offer's runs waves for the open needs it fits,
    scarcest first (waves.refill_needs_of), or oldest first as the worker did before. With instant answers
    a confirmation frees the volunteer's one open proposal at once, so waves repeat until none is chosen.
    Scarcity is the worker's estimate from the needs seen so far, off, or known: each volunteer's exact count
    of eligible needs still to come, which no matcher can know, to show what ranking could reach at best.
    """

    def __init__(self, scarcity: str = "estimate", oldest_first: bool = False,
                 still_to_come: Counter[str] | None = None) -> None:
        """Start with no offers, no needs and no matches."""
        self.offers = CandidateIndex()
        self.needs = NeedIndex()
        self.scarcity = scarcity
        self.oldest_first = oldest_first
        self.still_to_come = Counter(still_to_come)
        self.loads: dict[str, Load] = {}
        self.recent: Counter[str] = Counter()
        self.filled: Counter[str] = Counter()
        self.asked: dict[str, set[str]] = {}

    def offer_arrives(self, offer: OfferView) -> None:
        """File the offer, then run waves for the open needs it fits."""
        self.offers.upsert(offer)
        fitting = [need for need in self.needs.needs_for(offer) if eligible(offer, need, TODAY)]
        if not self.oldest_first:
            supply = {need.id: sum(eligible(o, need, TODAY) for o in self.offers.candidates(need)) for need in fitting}
            open_slots = {need.id: need.volunteers_needed - self.filled[need.id] for need in fitting}
            fitting = scarcest_first(fitting, supply, open_slots)
        for need in fitting:
            self.fill(need)

    def need_arrives(self, need: NeedView) -> None:
        """File the need, then run waves for it."""
        self.needs.upsert(need)
        for offer in self.offers.candidates(need):
            self.still_to_come[offer.id] -= eligible(offer, need, TODAY)
        self.fill(need)

    def _alternatives(self, offer: OfferView) -> float:
        """The scarcity input for one candidate: other needs it could serve per match it has free."""
        if self.scarcity == "off":
            return 0.0
        demand = self.still_to_come[offer.id] if self.scarcity == "known" else self.needs.demand(offer, TODAY)
        return alternatives_per_match(demand, offer, self.loads.get(offer.id, IDLE))

    def fill(self, need: NeedView) -> None:
        """Propose the need's open slots in waves until it is full or nobody is left to ask."""
        asked = self.asked.setdefault(need.id, set())
        candidates = [offer for offer in self.offers.candidates(need) if eligible(offer, need, TODAY)]
        by_id = {offer.id: offer for offer in candidates}
        while (remaining := need.volunteers_needed - self.filled[need.id]) > 0:
            elsewhere = {offer.id: self._alternatives(offer) for offer in candidates}
            ranked = rank(need, candidates, self.recent, TODAY, elsewhere)
            chosen = wave(need, ranked, remaining, asked, self.loads, by_id, MAX_OPEN_PER_VOLUNTEER)
            if not chosen:
                return
            for offer_id, slots in chosen:
                asked.add(offer_id)
                self.loads[offer_id] = Load(self.loads.get(offer_id, IDLE).active + 1, 0)
                self.recent[offer_id] += 1
                self.filled[need.id] += slots

    def run(self, arrivals: list[OfferView | NeedView]) -> int:
        """Feed the arrivals in order; returns the slots filled."""
        for item in arrivals:
            if isinstance(item, OfferView):
                self.offer_arrives(item)
            else:
                self.need_arrives(item)
        return sum(self.filled.values())


def offers_first(offers: list[OfferView], needs: list[NeedView]) -> list[OfferView | NeedView]:
    """Every offer, then the needs in the order they were published."""
    return [*offers, *sorted(needs, key=lambda n: (n.published_at or "", n.id))]


def interleaved(offers: list[OfferView], needs: list[NeedView], seed: int) -> list[OfferView | NeedView]:
    """Offers and needs in one stream: each offer arrives at a random moment of the month the needs are published in."""
    moments = [datetime.fromisoformat(need.published_at or "") for need in needs]
    first, span = min(moments), (max(moments) - min(moments)).total_seconds()
    rng = random.Random(seed)
    timed = [(first + timedelta(seconds=rng.uniform(0, span)), offer.id, offer) for offer in offers]
    timed += [(moment, need.id, need) for moment, need in zip(moments, needs)]
    return [item for _, _, item in sorted(timed, key=lambda entry: entry[:2])]


def eligible_pairs(offers: list[OfferView], needs: list[NeedView]) -> list[tuple[OfferView, NeedView]]:
    """Every (offer, need) pair that breaks no hard rule, from checking each offer against each need, not the index."""
    return [(offer, need) for need in needs for offer in offers if eligible(offer, need, TODAY)]


def upper_bound(offers: list[OfferView], needs: list[NeedView], pairs: list[tuple[OfferView, NeedView]]) -> int:
    """The max-flow bound described in the module docstring."""
    number = {offer.id: n for n, offer in enumerate(offers, start=1)}
    number.update({need.id: n for n, need in enumerate(needs, start=len(offers) + 1)})
    sink = len(number) + 1
    network = FlowNetwork(sink + 1)
    for offer in offers:
        network.add_edge(0, number[offer.id], offer.max_active_matches * offer.headcount)
    for need in needs:
        network.add_edge(number[need.id], sink, need.volunteers_needed)
    for offer, need in pairs:
        network.add_edge(number[offer.id], number[need.id], min(offer.headcount, need.volunteers_needed))
    return network.max_flow(0, sink)


# What each run is called in the printout: (arrival order, scarcity, oldest need first). The first is the
# headline, the one the goal is set for.
HEADLINE = "the worker, offers first"
RUNS = {
    HEADLINE: ("offers first", "estimate", False),
    "without the scarcity term": ("offers first", "off", False),
    "knowing every future need (a ceiling for ranking)": ("offers first", "known", False),
    "the worker, interleaved": ("interleaved", "estimate", False),
    "interleaved, new volunteers to the oldest need": ("interleaved", "estimate", True),
}


@dataclass(frozen=True)
class Result:
    """Slots filled by each run, the bound and the scenario's size."""

    filled: dict[str, int]
    bound: int
    wanted: int
    pairs: int
    offers: int
    groups: int
    needs: int

    def ratio(self, run: str = HEADLINE) -> float:
        """Slots a run filled over the max-flow bound."""
        return self.filled[run] / self.bound


def measure(seed: int = SEED, offer_count: int = OFFERS, need_count: int = NEEDS) -> Result:
    """Run every configuration in RUNS and the bound on the same scenario."""
    world = scenario(offer_count, need_count, seed)
    offers = sorted((OfferView.from_data(data) for data in world.offers), key=lambda offer: offer.id)
    needs = [NeedView.from_data(data) for data in world.needs]
    pairs = eligible_pairs(offers, needs)
    still_to_come = Counter(offer.id for offer, _ in pairs)
    orders = {"offers first": offers_first(offers, needs), "interleaved": interleaved(offers, needs, seed)}
    filled = {name: Simulation(scarcity, oldest, still_to_come).run(orders[order])
              for name, (order, scarcity, oldest) in RUNS.items()}
    return Result(filled, upper_bound(offers, needs, pairs), sum(need.volunteers_needed for need in needs),
                  len(pairs), len(offers), sum(offer.headcount > 1 for offer in offers), len(needs))


def main(offers: int = OFFERS, needs: int = NEEDS) -> Result:
    """Print the slots each run filled against the bound."""
    result = measure(offer_count=offers, need_count=needs)
    print(f"offers {result.offers} ({result.groups} with headcount > 1), needs {result.needs}, "
          f"slots wanted {result.wanted}, eligible pairs {result.pairs}, max-flow bound {result.bound}")
    width = max(map(len, RUNS))
    for run, slots in result.filled.items():
        print(f"{run:<{width}}  filled {slots:4d}  filled/bound {result.ratio(run):.3f}  "
              f"filled/wanted {slots / result.wanted:.3f}")
    return result


if __name__ == "__main__":
    main()
