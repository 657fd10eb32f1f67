"""The matcher's pure rules: who may help with a need, how candidates rank and who is asked next. No I/O.

Scoring: score = 0.35 * skill_cover + 0.1 * tightness + 0.05 * fairness + 0.5 * scarcity, rounded to 4
decimals, where
- skill_cover is the fraction of the need's skills the offer has (1.0 when the need lists none);
- tightness = 1 / (1 + spare_minutes / 60), with spare_minutes the least time any fitting availability slot
  leaves unused, so a snug slot ranks above a volunteer whose whole day is free;
- fairness = 1 / (1 + recent proposals to the offer);
- scarcity = 1 / (1 + alternatives), with alternatives the open needs the volunteer could serve per match they
  still have free (see `alternatives_per_match`; 0 when the caller gives none). A volunteer few other needs
  could use ranks first, so the widely usable stay free for the needs that depend on them.
Each part lies in [0, 1] and the weights add up to 1, so the score does too. The weights were chosen for the
share of volunteer slots filled (bench/fill_rate.py: needs matched as they are published, everyone accepting).
Scarcity weighs most because greedily taking flexible volunteers is what leaves later needs unfilled; skill
cover comes next as the quality of the match; tightness and fairness break near-ties.
"""
from __future__ import annotations

import math

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any, NamedTuple

from shared.reference import ALL_DISTRICTS
from services.matcher.lifecycle import CONFIRMED, DECLINED, ENDED, PROPOSED, VOLUNTEER
from shared.timeslots import (Period, Schedule, Slot, WeeklySlot, first_date_from, fits, local_weekday_and_times,
                              parse_schedule, parse_slot, slot_minutes, spare_minutes, weekly_covers)

OPEN = "open"

SKILL_WEIGHT = 0.35
TIGHTNESS_WEIGHT = 0.1
FAIRNESS_WEIGHT = 0.05
SCARCITY_WEIGHT = 0.5
SCORE_DIGITS = 4


def _get(data: Mapping[str, Any], key: str, default: Any) -> Any:
    """A field's value, or the default when it is missing or null."""
    value = data.get(key)
    return default if value is None else value


def _strings(data: Mapping[str, Any], key: str) -> frozenset[str]:
    """A list of strings, as a set; ValueError for anything else."""
    value = _get(data, key, ())
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"'{key}' must be a list of strings, got {value!r}")
    return frozenset(value)


def _whole(data: Mapping[str, Any], key: str, default: int | None) -> int | None:
    """An integer field (not a bool), or the default when it is missing or null; ValueError for anything else."""
    value = _get(data, key, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"'{key}' must be a whole number, got {value!r}")
    return value


def _flag(data: Mapping[str, Any], key: str) -> bool:
    """A boolean field, false when missing or null; ValueError for anything else (so "no" is not true)."""
    value = _get(data, key, False)
    if not isinstance(value, bool):
        raise ValueError(f"'{key}' must be true or false, got {value!r}")
    return value


def _optional_text(data: Mapping[str, Any], key: str) -> str:
    """A string field, "" when missing or null; ValueError for anything else."""
    value = _get(data, key, "")
    if not isinstance(value, str):
        raise ValueError(f"'{key}' must be a string, got {value!r}")
    return value


def _instant_text(data: Mapping[str, Any], key: str) -> str | None:
    """An optional ISO 8601 instant, kept as written; ValueError for anything else."""
    value = data.get(key)
    if value is not None:
        if not isinstance(value, str):
            raise ValueError(f"'{key}' must be an ISO 8601 date and time, got {value!r}")
        datetime.fromisoformat(value)
    return value


def _text(data: Mapping[str, Any], key: str) -> str:
    """A required string field; ValueError when it is missing or not a string."""
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"'{key}' must be a non-empty string, got {value!r}")
    return value


class Window(NamedTuple):
    """The Oslo weekday and wall-clock span a weekly availability slot must cover to fit a need."""

    weekday: int
    start: time
    end: time


def _weekly_window(schedule: Schedule | None) -> Window | None:
    """The span a weekly slot must cover to fit the schedule, as shared.timeslots.fits decides; None if none can."""
    if schedule is None:
        return None
    slot = schedule.slot
    if isinstance(slot, WeeklySlot):
        # A weekly slot fits a weekly need when it covers it and the need happens at all within its dates.
        return Window(slot.weekday, slot.start, slot.end) if fits(slot, schedule) else None
    local = local_weekday_and_times(slot)
    # A period crossing local midnight, or the repeated autumn hour, fits no weekly slot.
    return Window(*local) if local is not None and local[1] < local[2] else None


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
        """Read an offer event's data; a withdrawn offer may carry only id, status and version.

        ValueError (or TypeError) when a field cannot be read, so nothing unreadable reaches the read model.
        """
        availability = _get(data, "availability", ())
        if not isinstance(availability, (list, tuple)):
            raise ValueError(f"'availability' must be a list, got {availability!r}")
        return cls(
            id=_text(data, "id"),
            status=_text(data, "status"),
            version=_whole(data, "version", 0),
            skills=_strings(data, "skills"),
            districts=_strings(data, "districts"),
            availability=tuple(parse_slot(slot) for slot in availability),
            police_certificate=_flag(data, "police_certificate"),
            birth_year=_whole(data, "birth_year", None),
            languages=_strings(data, "languages"),
            max_active_matches=_whole(data, "max_active_matches", 1),
            headcount=_whole(data, "headcount", 1),
        )


@dataclass(frozen=True)
class NeedView:
    """What the matcher knows about an organisation's need; window is derived from the schedule once."""

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
    window: Window | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Work out once the span a weekly availability slot must cover."""
        object.__setattr__(self, "window", _weekly_window(self.schedule))

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> NeedView:
        """Read a need event's data, tolerating missing optional fields; ValueError (or TypeError) when a field
        cannot be read."""
        requirements = _get(data, "requirements", {})
        schedule = data.get("schedule")
        if not isinstance(requirements, dict) or not isinstance(schedule, (dict, type(None))):
            raise ValueError("'requirements' and 'schedule' must be JSON objects")
        return cls(
            id=_text(data, "id"),
            organisation_id=_optional_text(data, "organisation_id"),
            status=_text(data, "status"),
            version=_whole(data, "version", 0),
            skills=_strings(data, "skills"),
            district=_optional_text(data, "district"),
            schedule=parse_schedule(schedule) if schedule else None,
            volunteers_needed=_whole(data, "volunteers_needed", 1),
            police_certificate=_flag(requirements, "police_certificate"),
            min_age=_whole(requirements, "min_age", None),
            languages=_strings(requirements, "languages"),
            published_at=_instant_text(data, "published_at"),
        )


MIN_ANSWER_TIME = timedelta(hours=1)


def answer_time(schedule: Schedule | None, now: datetime, ttl: timedelta) -> timedelta:
    """How long a side has to answer: the time-to-live, but no longer than until a single-period need starts
    (nobody is asked to say yes to something already under way); zero when less than MIN_ANSWER_TIME is left,
    and then nobody is asked."""
    if schedule is not None and isinstance(schedule.slot, Period):
        left = schedule.slot.start - now
        return min(ttl, left) if left >= MIN_ANSWER_TIME else timedelta(0)
    return ttl


def first_day(need: NeedView, today: date) -> date | None:
    """The first Oslo date from today on which the volunteer would serve, or None when the need is over."""
    return first_date_from(need.schedule, today) if need.schedule is not None else today


def is_over(need: NeedView, today: date) -> bool:
    """Whether no occurrence of the need falls on today or later: such a need draws no proposal."""
    return first_day(need, today) is None


def _serves(offer: OfferView, district: str) -> bool:
    """Whether the offer covers the district, directly or through 'all'."""
    return district in offer.districts or ALL_DISTRICTS in offer.districts


def covers(slot: WeeklySlot, window: Window) -> bool:
    """Whether a weekly slot covers the window's weekday and wall-clock span."""
    return weekly_covers(slot, *window)


def _available(offer: OfferView, need: NeedView) -> bool:
    """Whether some availability slot covers the whole of the need's slot: fits_any's answer, found faster."""
    # fits would work out the need's local span, and every occurrence of a dated weekly need, once per slot.
    if need.schedule is None:
        return False
    window = need.window
    for slot in offer.availability:
        if isinstance(slot, WeeklySlot):
            if window is not None and covers(slot, window):
                return True
        elif fits(slot, need.schedule):
            return True
    return False


def _old_enough(birth_year: int | None, min_age: int | None, on: date | None) -> bool:
    """Whether the volunteer is min_age or older on that date whatever their birthday in the birth year.

    Offers carry only a birth year, so the rule must hold for the youngest possible person: one born on
    31 December. A limit of 0 asks nothing; without a date (the need is over) nobody qualifies.
    """
    if min_age is None or min_age <= 0:
        return True
    if birth_year is None or on is None:
        return False
    youngest = on.year - birth_year - (0 if (on.month, on.day) == (12, 31) else 1)
    return youngest >= min_age


def meets_requirements(offer: OfferView, police_certificate: bool, min_age: int | None,
                       languages: frozenset[str], on: date | None) -> bool:
    """Whether the offer meets a need's police certificate, minimum age (on the first date served) and language
    requirements."""
    return ((offer.police_certificate or not police_certificate)
            and _old_enough(offer.birth_year, min_age, on)
            and (not languages or not offer.languages.isdisjoint(languages)))


def rule_failures(offer: OfferView, need: NeedView, today: date) -> list[str]:
    """Reason codes of the hard rules the pair breaks, in a fixed order; empty when the offer is eligible."""
    first = first_day(need, today)
    checks = (
        ("offer_not_open", offer.status != OPEN),
        ("need_not_open", need.status != OPEN),
        ("need_over", first is None),
        ("district", not _serves(offer, need.district)),
        ("time", not _available(offer, need)),
        ("skills", bool(need.skills) and offer.skills.isdisjoint(need.skills)),
        ("police_certificate", need.police_certificate and not offer.police_certificate),
        ("min_age", not _old_enough(offer.birth_year, need.min_age, first)),
        ("language", bool(need.languages) and offer.languages.isdisjoint(need.languages)),
    )
    return [code for code, failed in checks if failed]


def eligible(offer: OfferView, need: NeedView, today: date) -> bool:
    """Whether the pair breaks no hard rule (rule_failures is empty), stopping at the first broken one."""
    # Cheapest and most selective first; the time rule, the dearest, last.
    if not (offer.status == OPEN and need.status == OPEN
            and (need.district in offer.districts or ALL_DISTRICTS in offer.districts)
            and (not need.skills or not offer.skills.isdisjoint(need.skills))):
        return False
    first = first_day(need, today)
    return (first is not None
            and meets_requirements(offer, need.police_certificate, need.min_age, need.languages, first)
            and _available(offer, need))


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
    # skills: the need's skills the offer has, sorted; district: the need's; overlap_minutes: one occurrence
    # of the need; spare_minutes: least time a fitting slot leaves unused (None if nothing fits);
    # alternatives: the scarcity input, rounded to 2 decimals.
    reasons: dict


def _least_spare(offer: OfferView, need: NeedView) -> int | None:
    """Fewest minutes any fitting availability slot leaves unused, or None if no slot fits."""
    if need.schedule is None:
        return None
    spares = [spare_minutes(slot, need.schedule) for slot in offer.availability if fits(slot, need.schedule)]
    return min(spares) if spares else None


def score(offer: OfferView, need: NeedView, recent_proposals: int, alternatives: float = 0.0) -> Candidate:
    """Score in [0, 1] by the weighted formula in the module docstring."""
    spare = _least_spare(offer, need)
    tightness = 0.0 if spare is None else 1 / (1 + spare / 60)
    fairness = 1 / (1 + max(0, recent_proposals))
    scarcity = 1 / (1 + max(0.0, alternatives))
    value = (SKILL_WEIGHT * skill_cover(offer, need) + TIGHTNESS_WEIGHT * tightness + FAIRNESS_WEIGHT * fairness
             + SCARCITY_WEIGHT * scarcity)
    reasons = {
        "skills": sorted(offer.skills & need.skills),
        "district": need.district,
        "overlap_minutes": slot_minutes(need.schedule.slot) if need.schedule else 0,
        "spare_minutes": spare,
        "alternatives": round(alternatives, 2),
    }
    return Candidate(offer.id, round(value, SCORE_DIGITS), reasons)


def rank(need: NeedView, offers: Iterable[OfferView], recent: Mapping[str, int], today: date,
         alternatives: Mapping[str, float] = MappingProxyType({})) -> list[Candidate]:
    """Eligible offers, best first, ties broken by offer id so the same inputs give the same order."""
    found = [score(offer, need, recent.get(offer.id, 0), alternatives.get(offer.id, 0.0))
             for offer in offers if eligible(offer, need, today)]
    return sorted(found, key=lambda candidate: (-candidate.score, candidate.offer_id))


@dataclass(frozen=True)
class Load:
    """How busy an offer is across all needs."""

    active: int
    open_proposals: int


IDLE = Load(0, 0)


def alternatives_per_match(demand: float, offer: OfferView, load: Load) -> float:
    """Open needs the volunteer could serve per match they still have free: what scarcity ranks by."""
    return max(0.0, demand) / max(1, offer.max_active_matches - load.active)


def scarcest_first(needs: Iterable[NeedView], supply: Mapping[str, int],
                   open_slots: Mapping[str, int]) -> list[NeedView]:
    """The order in which a new or freed volunteer is offered to the needs they fit: hardest to fill first.

    A need's scarcity is its supply (the open offers eligible for it, busy or not, as a sign of how often such a
    volunteer comes along) per slot it still has open; needs without open slots come last. Ties go to the need
    published first, then by id. Without this, the oldest need would take every new volunteer, although a need
    many volunteers could serve is likely to be filled by others.
    """
    def key(need: NeedView) -> tuple[float, str, str]:
        slots = open_slots.get(need.id, 0)
        scarcity = supply.get(need.id, 0) / slots if slots > 0 else math.inf
        return scarcity, need.published_at or "", need.id
    return sorted(needs, key=key)


_NEVER_AGAIN = (PROPOSED, CONFIRMED, DECLINED, ENDED)


def not_to_ask(matches: Iterable[Mapping[str, Any]], need: NeedView, offers: Mapping[str, OfferView]) -> set[str]:
    """The offers a need's wave must pass over: a pair that is live, was declined or ended, ever; a pair that expired
    or was cancelled by the system while neither the need nor the offer has changed since (a change of either
    may make the pair worth asking again)."""
    asked = set()
    for match in matches:
        offer = offers.get(match["offer_id"])
        if match["status"] in _NEVER_AGAIN or (
                offer is not None and match.get("need_version") == need.version
                and match.get("offer_version") == offer.version):
            asked.add(match["offer_id"])
    return asked


def _withdrawn_first(match: Mapping[str, Any]) -> tuple[bool, str, str]:
    """Sort key, highest first: unanswered before accepted by the volunteer, then newest."""
    return VOLUNTEER not in match.get("accepted_by", ()), match["created_at"], match["_id"]


def surplus_proposals(proposed: Sequence[Mapping[str, Any]], room: int) -> list[Mapping[str, Any]]:
    """The proposals beyond the room a need has left, which are to be withdrawn: those the volunteer has not
    answered first (one who said yes has been promised the organisation's answer), newest first."""
    surplus: list[Mapping[str, Any]] = []
    taken = sum(match["slots"] for match in proposed)
    for match in sorted(proposed, key=_withdrawn_first, reverse=True):
        if taken <= room:
            break
        surplus.append(match)
        taken -= match["slots"]
    return surplus


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
        load = loads.get(candidate.offer_id, IDLE)
        if (offer is None or offer.id in asked or offer.id in picked
                or load.active >= offer.max_active_matches or load.open_proposals >= max_open_per_volunteer):
            continue
        slots = min(max(offer.headcount, 1), remaining)
        chosen.append((offer.id, slots))
        picked.add(offer.id)
        remaining -= slots
    return chosen
