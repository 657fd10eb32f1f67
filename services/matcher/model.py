"""The matcher's pure rules: who may help with a need, how candidates rank and who is asked next. No I/O.

Scoring: score = 0.6 * skill_cover + 0.25 * tightness + 0.15 * fairness, rounded to 4 decimals, where
skill_cover is the fraction of the need's skills the offer has (1.0 when the need lists none),
tightness = 1 / (1 + spare_minutes / 60) with spare_minutes the least time any fitting availability slot
leaves unused (a snug slot ranks above a volunteer whose whole day is free, which keeps the widely
available for other needs), and fairness = 1 / (1 + recent proposals to the offer). Each part lies in
[0, 1] and the weights add up to 1, so the score does too.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.reference import ALL_DISTRICTS
from shared.timeslots import (OSLO, Period, Schedule, Slot, WeeklySlot, fits, fits_any, parse_schedule, parse_slot,
                              slot_minutes, spare_minutes)

OPEN = "open"

SKILL_WEIGHT = 0.6
TIGHTNESS_WEIGHT = 0.25
FAIRNESS_WEIGHT = 0.15
SCORE_DIGITS = 4

# Index keys: single-period availability has no weekday and sits under day 0, which every need checks;
# every offer is also filed under the any-skill key, which needs without skills look up.
_PERIOD_DAY = 0
_ANY_SKILL = "*"


def _get(data: Mapping[str, Any], key: str, default: Any) -> Any:
    """A field's value, or the default when it is missing or null."""
    value = data.get(key)
    return default if value is None else value


@dataclass(frozen=True)
class OfferView:
    """What the matcher knows about a volunteer's offer."""

    id: str
    status: str
    version: int
    skills: frozenset[str]
    districts: frozenset[str]
    availability: tuple[Slot, ...]
    police_certificate: bool
    birth_year: int | None
    languages: frozenset[str]
    max_active_matches: int
    headcount: int

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> OfferView:
        """Read an offer event's data; a withdrawn offer may carry only id, status and version."""
        return cls(
            id=str(data["id"]),
            status=str(data["status"]),
            version=int(_get(data, "version", 0)),
            skills=frozenset(_get(data, "skills", ())),
            districts=frozenset(_get(data, "districts", ())),
            availability=tuple(parse_slot(slot) for slot in _get(data, "availability", ())),
            police_certificate=bool(_get(data, "police_certificate", False)),
            birth_year=data.get("birth_year"),
            languages=frozenset(_get(data, "languages", ())),
            max_active_matches=int(_get(data, "max_active_matches", 1)),
            headcount=int(_get(data, "headcount", 1)),
        )


@dataclass(frozen=True)
class NeedView:
    """What the matcher knows about an organisation's need."""

    id: str
    organisation_id: str
    status: str
    version: int
    skills: frozenset[str]
    district: str
    schedule: Schedule | None
    volunteers_needed: int
    police_certificate: bool
    min_age: int | None
    languages: frozenset[str]
    published_at: str | None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> NeedView:
        """Read a need event's data, tolerating missing optional fields."""
        requirements = _get(data, "requirements", {})
        schedule = data.get("schedule")
        return cls(
            id=str(data["id"]),
            organisation_id=str(_get(data, "organisation_id", "")),
            status=str(data["status"]),
            version=int(_get(data, "version", 0)),
            skills=frozenset(_get(data, "skills", ())),
            district=str(_get(data, "district", "")),
            schedule=parse_schedule(schedule) if schedule else None,
            volunteers_needed=int(_get(data, "volunteers_needed", 1)),
            police_certificate=bool(_get(requirements, "police_certificate", False)),
            min_age=requirements.get("min_age"),
            languages=frozenset(_get(requirements, "languages", ())),
            published_at=data.get("published_at"),
        )


def _serves(offer: OfferView, district: str) -> bool:
    """Whether the offer covers the district, directly or through 'all'."""
    return district in offer.districts or ALL_DISTRICTS in offer.districts


def _old_enough(birth_year: int | None, min_age: int | None, today: date) -> bool:
    """Whether the volunteer turns min_age or more during today's calendar year, birthday passed or not."""
    # Offers carry only a birth year, so age counts by calendar year; a limit of 0 asks nothing.
    if min_age is None or min_age <= 0:
        return True
    return birth_year is not None and today.year - birth_year >= min_age


def rule_failures(offer: OfferView, need: NeedView, today: date) -> list[str]:
    """Reason codes of the hard rules the pair breaks, in a fixed order; empty when the offer is eligible."""
    checks = (
        ("offer_not_open", offer.status != OPEN),
        ("need_not_open", need.status != OPEN),
        ("district", not _serves(offer, need.district)),
        ("time", need.schedule is None or not fits_any(offer.availability, need.schedule)),
        ("skills", bool(need.skills) and offer.skills.isdisjoint(need.skills)),
        ("police_certificate", need.police_certificate and not offer.police_certificate),
        ("min_age", not _old_enough(offer.birth_year, need.min_age, today)),
        ("language", bool(need.languages) and offer.languages.isdisjoint(need.languages)),
    )
    return [code for code, failed in checks if failed]


def skill_cover(offer: OfferView, need: NeedView) -> float:
    """Fraction of the need's skills the offer has; 1.0 when the need lists none."""
    if not need.skills:
        return 1.0
    return len(need.skills & offer.skills) / len(need.skills)


@dataclass(frozen=True)
class Candidate:
    """An eligible offer for a need, its score and the facts behind it."""

    offer_id: str
    score: float
    reasons: dict


def _least_spare(offer: OfferView, need: NeedView) -> int | None:
    """Fewest minutes any fitting availability slot leaves unused, or None if no slot fits."""
    if need.schedule is None:
        return None
    spares = [spare_minutes(slot, need.schedule) for slot in offer.availability if fits(slot, need.schedule)]
    return min(spares) if spares else None


def score(offer: OfferView, need: NeedView, recent_proposals: int) -> Candidate:
    """Score in [0, 1]: 0.6 * skill_cover + 0.25 * tightness + 0.15 * fairness (see module docstring)."""
    spare = _least_spare(offer, need)
    tightness = 0.0 if spare is None else 1 / (1 + spare / 60)
    fairness = 1 / (1 + max(0, recent_proposals))
    value = SKILL_WEIGHT * skill_cover(offer, need) + TIGHTNESS_WEIGHT * tightness + FAIRNESS_WEIGHT * fairness
    reasons = {
        "skills": sorted(offer.skills & need.skills),
        "district": need.district,
        "overlap_minutes": slot_minutes(need.schedule.slot) if need.schedule else 0,
        "spare_minutes": spare,
    }
    return Candidate(offer.id, round(value, SCORE_DIGITS), reasons)


def rank(need: NeedView, offers: Iterable[OfferView], recent: Mapping[str, int], today: date) -> list[Candidate]:
    """Eligible offers, best first, ties broken by offer id so the same inputs give the same order."""
    found = [score(offer, need, recent.get(offer.id, 0)) for offer in offers if not rule_failures(offer, need, today)]
    return sorted(found, key=lambda candidate: (-candidate.score, candidate.offer_id))


@dataclass(frozen=True)
class Load:
    """How busy an offer is across all needs."""

    active: int
    open_proposals: int


_IDLE = Load(0, 0)


def wave(need: NeedView, ranked: Sequence[Candidate], open_slots: int, asked: Set[str],
         loads: Mapping[str, Load], offers: Mapping[str, OfferView],
         max_open_per_volunteer: int) -> list[tuple[str, int]]:
    """The offers to propose to now, best first, each with the slots it would fill; none for a closed need."""
    chosen: list[tuple[str, int]] = []
    picked: set[str] = set()
    remaining = open_slots if need.status == OPEN else 0
    for candidate in ranked:
        if remaining <= 0:
            break
        offer = offers.get(candidate.offer_id)
        load = loads.get(candidate.offer_id, _IDLE)
        if (offer is None or offer.id in asked or offer.id in picked
                or load.active >= offer.max_active_matches or load.open_proposals >= max_open_per_volunteer):
            continue
        slots = min(max(offer.headcount, 1), remaining)
        chosen.append((offer.id, slots))
        picked.add(offer.id)
        remaining -= slots
    return chosen


def _slot_day(slot: Slot) -> int:
    """The index day of an availability slot: its weekday, or the period bucket."""
    return slot.weekday if isinstance(slot, WeeklySlot) else _PERIOD_DAY


def _need_day(slot: WeeklySlot | Period) -> int:
    """The weekday a need falls on: its own for a weekly need, its start's Oslo weekday for a period."""
    if isinstance(slot, WeeklySlot):
        return slot.weekday
    return slot.start.astimezone(OSLO).isoweekday()


def _offer_keys(offer: OfferView) -> Iterator[tuple[str, int, str]]:
    """Every (district, day, skill) bucket the offer belongs in."""
    days = {_slot_day(slot) for slot in offer.availability}
    skills = offer.skills | {_ANY_SKILL}
    return ((district, day, skill) for district in offer.districts for day in days for skill in skills)


def _need_keys(need: NeedView) -> Iterator[tuple[str, int, str]]:
    """Every bucket that may hold an offer passing the pre-filter for the need."""
    if need.schedule is None:
        return iter(())
    days = (_need_day(need.schedule.slot), _PERIOD_DAY)
    skills = need.skills or {_ANY_SKILL}
    return ((district, day, skill) for district in (need.district, ALL_DISTRICTS) for day in days for skill in skills)


class CandidateIndex:
    """Open offers filed by district, weekday and skill, so a need looks only where an offer may fit."""

    def __init__(self) -> None:
        """Start empty."""
        self._offers: dict[str, OfferView] = {}
        self._buckets: dict[tuple[str, int, str], set[str]] = {}

    def upsert(self, offer: OfferView) -> None:
        """Add or replace an offer; an offer that is not open is removed."""
        self.remove(offer.id)
        if offer.status != OPEN:
            return
        self._offers[offer.id] = offer
        for key in _offer_keys(offer):
            self._buckets.setdefault(key, set()).add(offer.id)

    def remove(self, offer_id: str) -> None:
        """Forget an offer; unknown ids are ignored."""
        offer = self._offers.pop(offer_id, None)
        if offer is None:
            return
        for key in _offer_keys(offer):
            bucket = self._buckets[key]
            bucket.discard(offer_id)
            if not bucket:
                del self._buckets[key]

    def get(self, offer_id: str) -> OfferView | None:
        """The open offer with this id, if indexed."""
        return self._offers.get(offer_id)

    def __len__(self) -> int:
        """How many open offers are indexed."""
        return len(self._offers)

    def candidates(self, need: NeedView) -> list[OfferView]:
        """Open offers in the need's district or 'all', sharing a skill, available that weekday; by id."""
        found: set[str] = set()
        for key in _need_keys(need):
            found.update(self._buckets.get(key, ()))
        return [self._offers[offer_id] for offer_id in sorted(found)]

    def all(self) -> list[OfferView]:
        """Every indexed offer, by id."""
        return [self._offers[offer_id] for offer_id in sorted(self._offers)]


class NeedIndex:
    """Open needs filed by district, so a new or changed offer finds the needs it may fit."""

    def __init__(self) -> None:
        """Start empty."""
        self._needs: dict[str, NeedView] = {}
        self._by_district: dict[str, set[str]] = {}

    def upsert(self, need: NeedView) -> None:
        """Add or replace a need; a need that is not open is removed."""
        self.remove(need.id)
        if need.status != OPEN:
            return
        self._needs[need.id] = need
        self._by_district.setdefault(need.district, set()).add(need.id)

    def remove(self, need_id: str) -> None:
        """Forget a need; unknown ids are ignored."""
        need = self._needs.pop(need_id, None)
        if need is None:
            return
        bucket = self._by_district[need.district]
        bucket.discard(need_id)
        if not bucket:
            del self._by_district[need.district]

    def get(self, need_id: str) -> NeedView | None:
        """The open need with this id, if indexed."""
        return self._needs.get(need_id)

    def needs_for(self, offer: OfferView) -> list[NeedView]:
        """Open needs in the offer's districts (every need for 'all'), oldest published first, then by id."""
        if ALL_DISTRICTS in offer.districts:
            found: Iterable[NeedView] = self._needs.values()
        else:
            found = [self._needs[need_id] for district in offer.districts
                     for need_id in self._by_district.get(district, ())]
        return sorted(found, key=lambda need: (need.published_at or "", need.id))
