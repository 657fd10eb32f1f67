"""The matcher's in-memory indexes: open offers by where and when they can help, open needs by district. No I/O."""
from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, time
from operator import itemgetter

from shared.reference import ALL_DISTRICTS
from shared.timeslots import WeeklySlot
from services.matcher.model import OPEN, NeedView, OfferView, Window, covers, meets_requirements

# Every offer is also filed under the any-skill key, which needs without skills look up.
_ANY_SKILL = "*"
_ANY = frozenset({_ANY_SKILL})
_START = itemgetter(0)

_Entry = tuple[time, time, str]


def _labels(offer: OfferView) -> frozenset[str]:
    """The skill keys an offer is filed under."""
    return offer.skills | _ANY


def _weekly_entries(offer: OfferView) -> Iterator[tuple[tuple[str, int, str], _Entry]]:
    """Every (district, weekday, skill) bucket a weekly slot of the offer belongs in, with its entry there."""
    for slot in offer.availability:
        if isinstance(slot, WeeklySlot):
            for district in offer.districts:
                for skill in _labels(offer):
                    yield (district, slot.weekday, skill), (slot.start, slot.end, offer.id)


def _covering(entries: list[_Entry] | None, window: Window) -> list[str]:
    """Offers in one bucket whose slot starts no later and ends no earlier than the window."""
    if not entries:
        return []
    end = window.end
    return [offer_id for _, slot_end, offer_id in entries[:bisect_right(entries, window.start, key=_START)]
            if slot_end >= end]


def _period_keys(offer: OfferView) -> set[tuple[str, str]]:
    """The (district, skill) buckets of an offer with single-period availability, which every need looks in."""
    if all(isinstance(slot, WeeklySlot) for slot in offer.availability):
        return set()
    return {(district, skill) for district in offer.districts for skill in _labels(offer)}


def _count(tally: Counter, key: object, change: int) -> None:
    """Add the change to a key's count, forgetting the key when it reaches zero."""
    tally[key] += change
    if not tally[key]:
        del tally[key]


class CandidateIndex:
    """Open offers filed by district, weekday and skill, each bucket's weekly slots kept in order of start.

    A need finds the open offers that serve its district (or 'all'), share one of its skills (any offer when it
    lists none) and either have a weekly slot covering the need's Oslo weekday and wall-clock span, found by
    bisecting on the start and checking the end, or have single-period availability, which is left to the rules.
    """

    def __init__(self) -> None:
        """Start empty."""
        self._offers: dict[str, OfferView] = {}
        self._weekly: dict[tuple[str, int, str], list[_Entry]] = {}
        self._periods: dict[tuple[str, str], set[str]] = {}

    def upsert(self, offer: OfferView) -> None:
        """Add or replace an offer; an offer that is not open is removed."""
        self.remove(offer.id)
        if offer.status != OPEN:
            return
        self._offers[offer.id] = offer
        for key, entry in _weekly_entries(offer):
            insort(self._weekly.setdefault(key, []), entry)
        for key in _period_keys(offer):
            self._periods.setdefault(key, set()).add(offer.id)

    def remove(self, offer_id: str) -> None:
        """Forget an offer; unknown ids are ignored."""
        offer = self._offers.pop(offer_id, None)
        if offer is None:
            return
        for key, entry in _weekly_entries(offer):
            entries = self._weekly[key]
            del entries[bisect_left(entries, entry)]
            if not entries:
                del self._weekly[key]
        for key in _period_keys(offer):
            bucket = self._periods[key]
            bucket.discard(offer_id)
            if not bucket:
                del self._periods[key]

    def get(self, offer_id: str) -> OfferView | None:
        """The open offer with this id, if indexed."""
        return self._offers.get(offer_id)

    def __len__(self) -> int:
        """How many open offers are indexed."""
        return len(self._offers)

    def candidates(self, need: NeedView) -> list[OfferView]:
        """Open offers in the need's district or 'all', sharing a skill, whose time may fit (see class); by id."""
        if need.schedule is None:
            return []
        window = need.window
        found: set[str] = set()
        for district in (need.district, ALL_DISTRICTS):
            for skill in need.skills or _ANY:
                if window is not None:
                    found.update(_covering(self._weekly.get((district, window.weekday, skill)), window))
                found.update(self._periods.get((district, skill), ()))
        return [self._offers[offer_id] for offer_id in sorted(found)]

    def all(self) -> list[OfferView]:
        """Every indexed offer, by id."""
        return [self._offers[offer_id] for offer_id in sorted(self._offers)]


class NeedIndex:
    """Open needs filed by district, so a new or changed offer finds the needs it may fit.

    It also keeps a tally of the open needs' districts, skills, weekly windows and requirements, from which
    demand estimates how many open needs an offer could serve (see there).
    """

    def __init__(self) -> None:
        """Start empty."""
        self._needs: dict[str, NeedView] = {}
        self._by_district: dict[str, set[str]] = {}
        self._districts: Counter[str] = Counter()
        self._skills: Counter[frozenset[str]] = Counter()
        self._windows: dict[int, Counter[Window]] = {}
        self._requirements: Counter[tuple[bool, int | None, frozenset[str]]] = Counter()

    def upsert(self, need: NeedView) -> None:
        """Add or replace a need; a need that is not open is removed."""
        self.remove(need.id)
        if need.status != OPEN:
            return
        self._needs[need.id] = need
        self._by_district.setdefault(need.district, set()).add(need.id)
        self._tally(need, 1)

    def remove(self, need_id: str) -> None:
        """Forget a need; unknown ids are ignored."""
        need = self._needs.pop(need_id, None)
        if need is None:
            return
        bucket = self._by_district[need.district]
        bucket.discard(need_id)
        if not bucket:
            del self._by_district[need.district]
        self._tally(need, -1)

    def _tally(self, need: NeedView, change: int) -> None:
        """Count a need in (change 1) or out (change -1) of the demand tallies."""
        _count(self._districts, need.district, change)
        _count(self._skills, need.skills, change)
        _count(self._requirements, (need.police_certificate, need.min_age, need.languages), change)
        if need.window is not None:
            _count(self._windows.setdefault(need.window.weekday, Counter()), need.window, change)

    def get(self, need_id: str) -> NeedView | None:
        """The open need with this id, if indexed."""
        return self._needs.get(need_id)

    def __len__(self) -> int:
        """How many open needs are indexed."""
        return len(self._needs)

    def all(self) -> list[NeedView]:
        """Every indexed need, oldest published first, then by id."""
        return sorted(self._needs.values(), key=lambda need: (need.published_at or "", need.id))

    def needs_for(self, offer: OfferView) -> list[NeedView]:
        """Open needs in the offer's districts (every need for 'all'), oldest published first, then by id."""
        if ALL_DISTRICTS in offer.districts:
            found: Iterable[NeedView] = self._needs.values()
        else:
            found = [self._needs[need_id] for district in offer.districts
                     for need_id in self._by_district.get(district, ())]
        return sorted(found, key=lambda need: (need.published_at or "", need.id))

    def demand(self, offer: OfferView, today: date) -> float:
        """About how many open needs the offer could serve, reckoning each group of rules on its own.

        The estimate is the number of open needs times the shares of them whose district, skills, time and
        requirements the offer meets, the four shares multiplied as if independent. Counting the needs the offer
        fits outright would say little: an offer fits few, so the count is mostly 0 or 1 whatever the demand
        for such a volunteer. Single-period availability is left out of the time share.
        """
        total = len(self._needs)
        if not total:
            return 0.0
        districts = total if ALL_DISTRICTS in offer.districts else sum(
            self._districts[district] for district in offer.districts)
        skills = sum(count for wanted, count in self._skills.items()
                     if not wanted or not wanted.isdisjoint(offer.skills))
        weekly = [slot for slot in offer.availability if isinstance(slot, WeeklySlot)]
        times = sum(count for weekday in {slot.weekday for slot in weekly}
                    for window, count in self._windows.get(weekday, {}).items()
                    if any(covers(slot, window) for slot in weekly))
        met = sum(count for requirements, count in self._requirements.items()
                  if meets_requirements(offer, *requirements, today))
        return districts * skills * times * met / total ** 3
