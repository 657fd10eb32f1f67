"""Tests for the matcher's rules: eligibility, scoring, ranking, proposal waves and the candidate indexes."""

import random
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matcher.model import (FAIRNESS_WEIGHT, SKILL_WEIGHT, TIGHTNESS_WEIGHT, Candidate, CandidateIndex,
                                    Load, NeedIndex, NeedView, OfferView, rank, rule_failures, score, skill_cover,
                                    wave)
from shared.timeslots import OSLO, Period, Schedule, WeeklySlot

TODAY = date(2026, 6, 1)
TUESDAY_EVENING = {"weekday": 2, "start_time": "17:00", "end_time": "20:00"}
TUESDAY_NEED = {"weekday": 2, "start_time": "18:00", "end_time": "19:00"}


def offer(**changes: Any) -> OfferView:
    """An open offer that fits need() unless changed."""
    data = {"id": "o1", "status": "open", "version": 1, "skills": ["driving", "cooking"],
            "districts": ["bragernes"], "availability": [TUESDAY_EVENING], "police_certificate": True,
            "birth_year": 1990, "languages": ["nb", "en"], "max_active_matches": 2, "headcount": 1}
    return OfferView.from_data({**data, **changes})


def need(requirements: dict[str, Any] | None = None, **changes: Any) -> NeedView:
    """An open need that offer() fits unless changed."""
    data = {"id": "n1", "organisation_id": "org1", "status": "open", "version": 1, "skills": ["driving"],
            "district": "bragernes", "schedule": TUESDAY_NEED, "volunteers_needed": 2,
            "requirements": {"police_certificate": False, "min_age": None, "languages": [], **(requirements or {})},
            "published_at": "2026-05-01T10:00:00+02:00"}
    return NeedView.from_data({**data, **changes})


# Reading event data.


def test_withdrawn_offer_with_only_id_status_and_version_is_read() -> None:
    view = OfferView.from_data({"id": "o9", "status": "withdrawn", "version": 4})
    assert (view.status, view.version, view.skills, view.availability, view.birth_year) == (
        "withdrawn", 4, frozenset(), (), None)


def test_need_without_requirements_asks_for_nothing_special() -> None:
    view = NeedView.from_data({"id": "n9", "status": "closed", "version": 2})
    assert (view.police_certificate, view.min_age, view.languages, view.schedule) == (False, None, frozenset(), None)


def test_offer_availability_is_read_into_time_slots() -> None:
    assert offer().availability == (WeeklySlot(2, time(17), time(20)),)


# Hard rules: one passing and one failing case each.


@pytest.mark.parametrize("reason, offer_changes, need_changes", [
    ("offer_not_open", {"status": "withdrawn"}, {}),
    ("need_not_open", {}, {"status": "closed"}),
    ("district", {"districts": ["konnerud", "fjell"]}, {}),
    ("time", {"availability": [{"weekday": 3, "start_time": "17:00", "end_time": "20:00"}]}, {}),
    ("time", {"availability": [{"weekday": 2, "start_time": "18:30", "end_time": "20:00"}]}, {}),
    ("skills", {"skills": ["music"]}, {}),
    ("police_certificate", {"police_certificate": False}, {"requirements": {"police_certificate": True}}),
    ("min_age", {"birth_year": 2009}, {"requirements": {"min_age": 18}}),
    ("min_age", {"birth_year": None}, {"requirements": {"min_age": 18}}),
    ("language", {"languages": ["ar"]}, {"requirements": {"languages": ["nb", "so"]}}),
])
def test_offer_breaking_a_rule_is_not_eligible_for_that_reason(reason: str, offer_changes: dict,
                                                                need_changes: dict) -> None:
    assert rule_failures(offer(**offer_changes), need(**need_changes), TODAY) == [reason]


@pytest.mark.parametrize("rule, offer_changes, need_changes", [
    ("offer_not_open", {"status": "open"}, {}),
    ("need_not_open", {}, {"status": "open"}),
    ("district", {"districts": ["konnerud", "bragernes"]}, {}),
    ("district", {"districts": ["all"]}, {}),
    ("time", {"availability": [{"weekday": 3, "start_time": "08:00", "end_time": "09:00"}, TUESDAY_EVENING]}, {}),
    ("time", {"availability": [{"start": "2026-06-02T17:00:00+02:00", "end": "2026-06-02T20:00:00+02:00"}]},
     {"schedule": {"start": "2026-06-02T18:00:00+02:00", "end": "2026-06-02T19:00:00+02:00"}}),
    ("skills", {"skills": ["music", "driving"]}, {}),
    ("skills", {"skills": []}, {"skills": []}),
    ("police_certificate", {"police_certificate": True}, {"requirements": {"police_certificate": True}}),
    ("police_certificate", {"police_certificate": False}, {"requirements": {"police_certificate": False}}),
    ("min_age", {"birth_year": 2008}, {"requirements": {"min_age": 18}}),
    ("min_age", {"birth_year": None}, {"requirements": {"min_age": None}}),
    ("language", {"languages": ["so", "ar"]}, {"requirements": {"languages": ["nb", "so"]}}),
    ("language", {"languages": []}, {"requirements": {"languages": []}}),
])
def test_offer_meeting_a_rule_is_eligible(rule: str, offer_changes: dict, need_changes: dict) -> None:
    assert rule_failures(offer(**offer_changes), need(**need_changes), TODAY) == []


def test_volunteer_without_police_certificate_is_never_eligible_when_required() -> None:
    lacking = offer(police_certificate=False, skills=["driving"], districts=["all"])
    assert "police_certificate" in rule_failures(lacking, need({"police_certificate": True}), TODAY)


@pytest.mark.parametrize("birth_year, eligible", [(2008, True), (2009, False)])
def test_age_reached_later_this_calendar_year_counts_as_reached(birth_year: int, eligible: bool) -> None:
    failures = rule_failures(offer(birth_year=birth_year), need({"min_age": 18}), date(2026, 1, 1))
    assert (failures == []) is eligible


def test_need_without_schedule_fits_no_offer() -> None:
    assert rule_failures(offer(), need(schedule=None), TODAY) == ["time"]


def test_every_broken_rule_is_reported_in_a_fixed_order() -> None:
    broken = offer(status="withdrawn", districts=["svelvik"], availability=[], skills=["music"],
                   police_certificate=False, birth_year=None, languages=["pl"])
    strict = need({"police_certificate": True, "min_age": 16, "languages": ["nb"]}, status="closed")
    assert rule_failures(broken, strict, TODAY) == [
        "offer_not_open", "need_not_open", "district", "time", "skills", "police_certificate", "min_age", "language"]


# Scoring.


@pytest.mark.parametrize("offer_skills, need_skills, cover", [
    (["driving", "cooking"], ["driving", "music"], 0.5),
    (["driving"], ["driving"], 1.0),
    (["music"], ["driving"], 0.0),
    ([], [], 1.0),
])
def test_skill_cover_is_the_share_of_the_needs_skills_the_offer_has(offer_skills: list, need_skills: list,
                                                                     cover: float) -> None:
    assert skill_cover(offer(skills=offer_skills), need(skills=need_skills)) == cover


def test_score_weights_add_up_to_one() -> None:
    assert SKILL_WEIGHT + TIGHTNESS_WEIGHT + FAIRNESS_WEIGHT == pytest.approx(1.0)


def test_score_follows_the_documented_formula_and_explains_itself() -> None:
    candidate = score(offer(skills=["driving", "cooking"]), need(skills=["driving", "music"]), recent_proposals=1)
    assert candidate.score == round(0.6 * 0.5 + 0.25 * (1 / (1 + 120 / 60)) + 0.15 * (1 / 2), 4)
    assert candidate.reasons == {"skills": ["driving"], "district": "bragernes", "overlap_minutes": 60,
                                 "spare_minutes": 120}


def test_perfect_snug_unasked_offer_scores_one() -> None:
    snug = offer(availability=[TUESDAY_NEED])
    assert score(snug, need(), 0).score == 1.0


def test_snug_slot_ranks_above_a_volunteer_whose_whole_day_is_free() -> None:
    whole_day = offer(id="a", availability=[{"weekday": 2, "start_time": "08:00", "end_time": "21:00"}])
    snug = offer(id="b", availability=[{"weekday": 2, "start_time": "17:30", "end_time": "19:30"}])
    assert [c.offer_id for c in rank(need(), [whole_day, snug], {}, TODAY)] == ["b", "a"]


def test_tightness_uses_the_snuggest_of_the_fitting_slots() -> None:
    two_slots = offer(availability=[{"weekday": 2, "start_time": "08:00", "end_time": "21:00"},
                                    {"weekday": 2, "start_time": "17:45", "end_time": "19:15"}])
    assert score(two_slots, need(), 0).reasons["spare_minutes"] == 30


def test_volunteer_with_fewer_recent_proposals_ranks_first() -> None:
    offers = [offer(id="a"), offer(id="b")]
    assert [c.offer_id for c in rank(need(), offers, {"a": 3, "b": 1}, TODAY)] == ["b", "a"]
    assert [c.offer_id for c in rank(need(), offers, {"a": 1, "b": 3}, TODAY)] == ["a", "b"]


def test_ranking_keeps_only_eligible_offers() -> None:
    offers = [offer(id="a"), offer(id="b", districts=["svelvik"]), offer(id="c", status="withdrawn")]
    assert [c.offer_id for c in rank(need(), offers, {}, TODAY)] == ["a"]


def test_equal_scores_are_ordered_by_offer_id() -> None:
    offers = [offer(id=name) for name in ("c", "a", "b")]
    assert [c.offer_id for c in rank(need(), offers, {}, TODAY)] == ["a", "b", "c"]


def test_ranking_is_the_same_however_the_offers_are_shuffled() -> None:
    starts = ["08:00", "12:00", "16:00", "17:00", "17:30", "18:00"]
    offers = [offer(id=f"o{i}", skills=random.Random(i).sample(["driving", "music", "cooking"], 2),
                    availability=[{"weekday": 2, "start_time": starts[i % len(starts)], "end_time": "20:00"}])
              for i in range(30)]
    recent = {f"o{i}": i % 4 for i in range(30)}
    expected = rank(need(skills=["driving", "music"]), offers, recent, TODAY)
    shuffler = random.Random(11)
    for _ in range(10):
        shuffler.shuffle(offers)
        assert rank(need(skills=["driving", "music"]), offers, recent, TODAY) == expected


# Proposal waves.


def candidates(*ids: str) -> list[Candidate]:
    """Ranked candidates in the given order."""
    return [Candidate(offer_id, 1.0 - n / 100, {}) for n, offer_id in enumerate(ids)]


def pool(*ids: str, headcount: int = 1, max_active: int = 2) -> dict[str, OfferView]:
    """Offers by id."""
    return {i: offer(id=i, headcount=headcount, max_active_matches=max_active) for i in ids}


def test_wave_proposes_best_first_until_the_open_slots_are_covered() -> None:
    chosen = wave(need(), candidates("a", "b", "c"), 2, set(), {}, pool("a", "b", "c"), 3)
    assert chosen == [("a", 1), ("b", 1)]


def test_wave_skips_offers_already_asked_for_this_need() -> None:
    chosen = wave(need(), candidates("a", "b", "c"), 2, {"a"}, {}, pool("a", "b", "c"), 3)
    assert chosen == [("b", 1), ("c", 1)]


def test_wave_skips_offers_with_all_their_matches_in_use() -> None:
    loads = {"a": Load(active=2, open_proposals=0), "b": Load(active=1, open_proposals=0)}
    chosen = wave(need(), candidates("a", "b", "c"), 2, set(), loads, pool("a", "b", "c"), 3)
    assert chosen == [("b", 1), ("c", 1)]


def test_wave_skips_volunteers_with_too_many_unanswered_proposals() -> None:
    loads = {"a": Load(active=1, open_proposals=1)}
    chosen = wave(need(), candidates("a", "b"), 1, set(), loads, pool("a", "b", max_active=5), 1)
    assert chosen == [("b", 1)]


def test_wave_gives_a_group_offer_as_many_slots_as_its_headcount() -> None:
    chosen = wave(need(), candidates("a", "b"), 5, set(), {}, pool("a", "b", headcount=3), 3)
    assert chosen == [("a", 3), ("b", 2)]


def test_wave_never_proposes_more_than_the_open_slots() -> None:
    chosen = wave(need(), candidates("a"), 2, set(), {}, pool("a", headcount=4), 3)
    assert chosen == [("a", 2)]


@pytest.mark.parametrize("open_slots, status", [(0, "open"), (3, "closed")])
def test_wave_proposes_nothing_without_open_slots_or_for_a_closed_need(open_slots: int, status: str) -> None:
    assert wave(need(status=status), candidates("a"), open_slots, set(), {}, pool("a"), 3) == []


# Candidate index.


def test_index_drops_an_offer_when_it_is_withdrawn_or_removed() -> None:
    index = CandidateIndex()
    index.upsert(offer(id="a"))
    index.upsert(offer(id="b"))
    index.upsert(OfferView.from_data({"id": "a", "status": "withdrawn", "version": 2}))
    assert (len(index), index.get("a"), [o.id for o in index.candidates(need())]) == (1, None, ["b"])
    index.remove("b")
    assert (len(index), index.all(), index.candidates(need())) == (0, [], [])


def test_index_replaces_an_offer_that_changes() -> None:
    index = CandidateIndex()
    index.upsert(offer(id="a"))
    index.upsert(offer(id="a", districts=["svelvik"]))
    assert index.candidates(need()) == [] and index.get("a").districts == frozenset({"svelvik"})


def test_index_finds_offers_by_district_skill_and_weekday() -> None:
    index = CandidateIndex()
    for view in (offer(id="here"), offer(id="everywhere", districts=["all"]), offer(id="elsewhere", districts=["fjell"]),
                 offer(id="other_skill", skills=["music"]),
                 offer(id="other_day", availability=[{"weekday": 4, "start_time": "17:00", "end_time": "20:00"}]),
                 offer(id="single", availability=[{"start": "2026-07-01T08:00:00+02:00",
                                                    "end": "2026-07-01T09:00:00+02:00"}])):
        index.upsert(view)
    assert [o.id for o in index.candidates(need())] == ["everywhere", "here", "single"]
    assert [o.id for o in index.candidates(need(skills=[]))] == ["everywhere", "here", "other_skill", "single"]


def test_index_looks_up_a_single_period_need_under_its_oslo_weekday() -> None:
    index = CandidateIndex()
    index.upsert(offer(id="mon", availability=[{"weekday": 1, "start_time": "00:00", "end_time": "02:00"}]))
    index.upsert(offer(id="sun", availability=[{"weekday": 7, "start_time": "22:00", "end_time": "23:59"}]))
    late_sunday_utc = need(schedule={"start": "2026-06-07T22:30:00+00:00", "end": "2026-06-07T23:30:00+00:00"})
    assert [o.id for o in index.candidates(late_sunday_utc)] == ["mon"]
    assert [c.offer_id for c in rank(late_sunday_utc, index.candidates(late_sunday_utc), {}, TODAY)] == ["mon"]


DISTRICTS = ["bragernes", "fjell", "svelvik", "all"]
SKILLS = ["driving", "music", "cooking"]
BASE_DAY = datetime(2026, 3, 23, tzinfo=OSLO).astimezone(UTC)

# A narrow world (three weekdays, a few start hours, the spring-forward night) so that many pairs fit.
hours = st.sampled_from([0, 1, 2, 17, 18, 19])

short = st.integers(1, 2)
long = st.integers(2, 4)


def weekly_slots(lengths: st.SearchStrategy[int]) -> st.SearchStrategy[WeeklySlot]:
    """Weekly slots in the narrow world."""
    return st.builds(lambda day, start, length: WeeklySlot(day, time(start), time(start + length)),
                     st.sampled_from([1, 2, 7]), hours, lengths)


def period_from_base(day: int, start: int, length: int, zone: tzinfo) -> Period:
    """A period counted in real hours from the base day, written in Oslo time or UTC."""
    begin = BASE_DAY + timedelta(days=day, hours=start)
    return Period(begin.astimezone(zone), (begin + timedelta(hours=length)).astimezone(zone))


def periods(lengths: st.SearchStrategy[int]) -> st.SearchStrategy[Period]:
    """Single periods in the narrow world; some cross the spring-forward night or local midnight in UTC."""
    return st.builds(period_from_base, st.sampled_from([0, 1, 6, 7, 13]), hours, lengths, st.sampled_from([OSLO, UTC]))


def around(slot: WeeklySlot | Period, draw: st.DrawFn) -> WeeklySlot | Period:
    """An availability slot placed around a need's slot; on the spring-forward night it may still miss it."""
    before, after = draw(st.integers(0, 1)), draw(st.integers(0, 1))
    if isinstance(slot, WeeklySlot):
        start = time(max(0, slot.start.hour - before))
        end = time(23, 59) if slot.end.hour + after > 23 else time(slot.end.hour + after)
        return WeeklySlot(slot.weekday, start, end)
    if draw(st.booleans()):
        return Period(slot.start - timedelta(hours=before), slot.end + timedelta(hours=after))
    local = slot.start.astimezone(OSLO)
    return WeeklySlot(local.isoweekday(), time(max(0, local.hour - before)), time(23, 59))


LONG_SLOTS = st.lists(st.one_of(weekly_slots(long), weekly_slots(long), periods(long)), max_size=2)
NEED_SLOTS = st.one_of(weekly_slots(short), periods(short))
SKILL_SETS = st.sets(st.sampled_from(SKILLS), max_size=2)
DISTRICT_SETS = st.sets(st.sampled_from(DISTRICTS), max_size=2)
LANGUAGE_SETS = st.sets(st.sampled_from(["nb", "en"]), max_size=2)
STATUSES = st.sampled_from(["open", "open", "open", "withdrawn"])
BIRTH_YEARS = st.one_of(st.none(), st.integers(1950, 2015))
BOUNDS = st.sampled_from([(None, None), (date(2026, 3, 23), date(2026, 4, 12))])


@st.composite
def offer_views(draw: st.DrawFn, offer_id: str, near: Schedule | None) -> OfferView:
    """A random small offer, often available around the need's time."""
    slots = draw(LONG_SLOTS)
    if near is not None and draw(st.booleans()):
        slots.insert(draw(st.integers(0, len(slots))), around(near.slot, draw))
    return OfferView(
        id=offer_id, status=draw(STATUSES), version=1, skills=frozenset(draw(SKILL_SETS)),
        districts=frozenset(draw(DISTRICT_SETS)), availability=tuple(slots), police_certificate=draw(st.booleans()),
        birth_year=draw(BIRTH_YEARS), languages=frozenset(draw(LANGUAGE_SETS)), max_active_matches=1, headcount=1)


@st.composite
def need_views(draw: st.DrawFn) -> NeedView:
    """A random small need; one in six has no schedule."""
    slot = draw(NEED_SLOTS)
    schedule = Schedule(slot, *draw(BOUNDS)) if isinstance(slot, WeeklySlot) else Schedule(slot)
    return NeedView(
        id="n", organisation_id="org", status="open", version=1, skills=frozenset(draw(SKILL_SETS)),
        district=draw(st.sampled_from(DISTRICTS[:3])), schedule=schedule if draw(st.integers(0, 5)) else None,
        volunteers_needed=1, police_certificate=draw(st.integers(0, 2)) == 0,
        min_age=draw(st.sampled_from([None, None, 0, 18])),
        languages=frozenset(draw(st.sets(st.sampled_from(["nb", "en"]), max_size=1))), published_at=None)


@st.composite
def worlds(draw: st.DrawFn) -> tuple[NeedView, list[OfferView]]:
    """A need and up to a dozen offers, some published twice (the later version wins)."""
    wanted = draw(need_views())
    size = draw(st.integers(0, 12))
    offers = [draw(offer_views(f"o{n:02d}", wanted.schedule)) for n in range(size)]
    updates = [draw(offer_views(f"o{draw(st.integers(0, size - 1)):02d}", wanted.schedule))
               for _ in range(draw(st.integers(0, 2)))] if size else []
    return wanted, offers + updates


def passes_prefilter(view: OfferView, wanted: NeedView) -> bool:
    """The index's documented pre-filter, written out plainly."""
    if wanted.schedule is None:
        return False
    slot = wanted.schedule.slot
    day = slot.weekday if isinstance(slot, WeeklySlot) else slot.start.astimezone(OSLO).isoweekday()
    return ((wanted.district in view.districts or "all" in view.districts)
            and (not wanted.skills or bool(view.skills & wanted.skills))
            and any(isinstance(a, Period) or a.weekday == day for a in view.availability))


@settings(max_examples=500, deadline=None)
@given(worlds())
def test_index_lookup_then_rules_equals_a_full_scan_with_the_rules(world: tuple[NeedView, list[OfferView]]) -> None:
    wanted, published = world
    index = CandidateIndex()
    for view in published:
        index.upsert(view)
    latest = sorted({view.id: view for view in published}.values(), key=lambda view: view.id)
    found = index.candidates(wanted)
    assert found == [view for view in latest if view.status == "open" and passes_prefilter(view, wanted)]
    assert ([view.id for view in found if not rule_failures(view, wanted, TODAY)]
            == [view.id for view in latest if not rule_failures(view, wanted, TODAY)])


# Need index.


def test_offer_finds_open_needs_in_its_districts_oldest_first() -> None:
    index = NeedIndex()
    index.upsert(need(id="late", published_at="2026-05-03T10:00:00+02:00"))
    index.upsert(need(id="early", published_at="2026-05-02T10:00:00+02:00"))
    index.upsert(need(id="unpublished", published_at=None))
    index.upsert(need(id="away", district="svelvik"))
    index.upsert(need(id="shut", status="closed"))
    assert [n.id for n in index.needs_for(offer())] == ["unpublished", "early", "late"]
    assert [n.id for n in index.needs_for(offer(districts=["all"]))] == ["unpublished", "away", "early", "late"]


def test_need_index_forgets_a_need_that_closes_or_is_removed() -> None:
    index = NeedIndex()
    index.upsert(need(id="a"))
    index.upsert(need(id="b"))
    index.upsert(need(id="a", status="closed"))
    index.remove("b")
    index.remove("never_there")
    assert (index.get("a"), index.get("b"), index.needs_for(offer(districts=["all"]))) == (None, None, [])


def test_need_index_replaces_a_need_that_moves_district() -> None:
    index = NeedIndex()
    index.upsert(need(id="a"))
    index.upsert(need(id="a", district="fjell"))
    assert index.needs_for(offer()) == [] and [n.id for n in index.needs_for(offer(districts=["fjell"]))] == ["a"]
