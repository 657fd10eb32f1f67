"""Tests for the matcher's rules: eligibility, scoring, ranking and proposal waves."""

import random
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matcher.model import (FAIRNESS_WEIGHT, SCARCITY_WEIGHT, SKILL_WEIGHT, TIGHTNESS_WEIGHT, Candidate,
                                    Load, NeedView, OfferView, Window, alternatives_per_match, answer_time, eligible,
                                    rank, rule_failures, scarcest_first, score, skill_cover, surplus_proposals, wave)
from shared.timeslots import OSLO, Period, Schedule, WeeklySlot, fits_any

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
    ("min_age", {"birth_year": 2008}, {"requirements": {"min_age": 18}}),
    ("min_age", {"birth_year": None}, {"requirements": {"min_age": 18}}),
    ("need_over", {}, {"schedule": {**TUESDAY_NEED, "until_date": "2026-05-26"}}),
    ("language", {"languages": ["ar"]}, {"requirements": {"languages": ["nb", "so"]}}),
])
def test_offer_breaking_a_rule_is_not_eligible_for_that_reason(reason: str, offer_changes: dict,
                                                                need_changes: dict) -> None:
    pair = offer(**offer_changes), need(**need_changes)
    assert rule_failures(*pair, TODAY) == [reason] and not eligible(*pair, TODAY)


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
    ("min_age", {"birth_year": 2007}, {"requirements": {"min_age": 18}}),
    ("min_age", {"birth_year": None}, {"requirements": {"min_age": None}}),
    ("need_over", {}, {"schedule": {**TUESDAY_NEED, "until_date": "2026-06-02"}}),
    ("language", {"languages": ["so", "ar"]}, {"requirements": {"languages": ["nb", "so"]}}),
    ("language", {"languages": []}, {"requirements": {"languages": []}}),
])
def test_offer_meeting_a_rule_is_eligible(rule: str, offer_changes: dict, need_changes: dict) -> None:
    pair = offer(**offer_changes), need(**need_changes)
    assert rule_failures(*pair, TODAY) == [] and eligible(*pair, TODAY)


def test_volunteer_without_police_certificate_is_never_eligible_when_required() -> None:
    lacking = offer(police_certificate=False, skills=["driving"], districts=["all"])
    assert "police_certificate" in rule_failures(lacking, need({"police_certificate": True}), TODAY)


@pytest.mark.parametrize("birth_year, first_served, old_enough", [
    (2008, "2026-01-06", False),  # born 31 December 2008, this person is 17 in January 2026
    (2008, "2026-12-29", False),
    (2007, "2026-01-06", True),
    (2008, "2026-12-31", True),   # a Thursday: the youngest possible is 18 on that very day
])
def test_minimum_age_holds_for_every_birthday_in_the_birth_year_on_the_first_date_served(
        birth_year: int, first_served: str, old_enough: bool) -> None:
    day = date.fromisoformat(first_served)
    schedule = {"weekday": day.isoweekday(), "start_time": "18:00", "end_time": "19:00", "from_date": first_served}
    available = [{"weekday": day.isoweekday(), "start_time": "17:00", "end_time": "20:00"}]
    failures = rule_failures(offer(birth_year=birth_year, availability=available),
                             need({"min_age": 18}, schedule=schedule), date(2026, 1, 1))
    assert (failures == []) is old_enough


def test_the_first_date_served_is_counted_from_the_oslo_date_today() -> None:
    """A Tuesday need starting its dates a week on: the age that counts is the one on that first Tuesday."""
    schedule = {**TUESDAY_NEED, "from_date": "2026-12-29", "until_date": "2027-03-30"}
    assert rule_failures(offer(birth_year=2008), need({"min_age": 18}, schedule=schedule), TODAY) == ["min_age"]
    assert rule_failures(offer(birth_year=2008), need({"min_age": 18}, schedule=schedule), date(2027, 1, 1)) == []


@pytest.mark.parametrize("schedule", [
    {**TUESDAY_NEED, "until_date": "2026-05-31"},
    {"start": "2026-05-31T18:00:00+02:00", "end": "2026-05-31T19:00:00+02:00"},
])
def test_a_need_whose_last_occurrence_is_past_draws_no_one(schedule: dict) -> None:
    assert rule_failures(offer(), need(schedule=schedule), TODAY)[:1] == ["need_over"]
    assert not eligible(offer(), need(schedule=schedule), TODAY)


@pytest.mark.parametrize("field, value", [
    ("availability", "Tuesdays"), ("availability", [{"weekday": 9, "start_time": "17:00", "end_time": "18:00"}]),
    ("birth_year", "1990"), ("skills", "driving"), ("version", "2"), ("id", None), ("max_active_matches", True),
    ("police_certificate", "no"), ("districts", [5]),
])
def test_an_offer_event_with_an_unreadable_field_is_refused(field: str, value: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        offer(**{field: value})


@pytest.mark.parametrize("changes", [
    {"schedule": {"weekday": 2, "start_time": "25:00", "end_time": "19:00"}}, {"schedule": "Tuesdays"},
    {"requirements": {"min_age": "18"}}, {"requirements": ["nb"]}, {"volunteers_needed": 1.5}, {"status": None},
    {"published_at": 5}, {"published_at": "yesterday"}, {"district": 7}, {"organisation_id": ["o"]},
    {"requirements": {"police_certificate": "no"}},
])
def test_a_need_event_with_an_unreadable_field_is_refused(changes: dict) -> None:
    with pytest.raises((ValueError, TypeError)):
        need(**changes)


def test_need_without_schedule_fits_no_offer() -> None:
    assert rule_failures(offer(), need(schedule=None), TODAY) == ["time"]
    assert not eligible(offer(), need(schedule=None), TODAY)


@pytest.mark.parametrize("schedule, window", [
    (TUESDAY_NEED, Window(2, time(18), time(19))),
    ({"start": "2026-06-07T22:30:00+00:00", "end": "2026-06-07T23:30:00+00:00"}, Window(1, time(0, 30), time(1, 30))),
    ({"start": "2026-06-02T23:00:00+02:00", "end": "2026-06-03T01:00:00+02:00"}, None),
    ({"start": "2026-10-25T02:30:00+02:00", "end": "2026-10-25T02:15:00+01:00"}, None),
    ({**TUESDAY_NEED, "from_date": "2026-06-03", "until_date": "2026-06-08"}, None),
    (None, None),
])
def test_need_knows_the_oslo_span_a_weekly_slot_must_cover(schedule: dict | None, window: Window | None) -> None:
    assert need(schedule=schedule).window == window


def test_weekly_need_with_no_date_in_its_range_fits_no_offer() -> None:
    never = need(schedule={**TUESDAY_NEED, "from_date": "2026-06-03", "until_date": "2026-06-08"})
    assert rule_failures(offer(), never, TODAY) == ["need_over", "time"]


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
    assert SKILL_WEIGHT + TIGHTNESS_WEIGHT + FAIRNESS_WEIGHT + SCARCITY_WEIGHT == pytest.approx(1.0)


def test_score_follows_the_documented_formula_and_explains_itself() -> None:
    candidate = score(offer(skills=["driving", "cooking"]), need(skills=["driving", "music"]), recent_proposals=1,
                      alternatives=1.5)
    assert candidate.score == round(0.35 * 0.5 + 0.1 * (1 / (1 + 120 / 60)) + 0.05 * (1 / 2) + 0.5 * (1 / 2.5), 4)
    assert candidate.reasons == {"skills": ["driving"], "district": "bragernes", "overlap_minutes": 60,
                                 "spare_minutes": 120, "alternatives": 1.5}


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


def test_volunteer_with_fewer_alternatives_elsewhere_ranks_first_and_none_given_counts_as_none() -> None:
    offers = [offer(id="a"), offer(id="b")]
    assert [c.offer_id for c in rank(need(), offers, {}, TODAY, {"a": 4.0, "b": 0.5})] == ["b", "a"]
    assert [c.offer_id for c in rank(need(), offers, {}, TODAY, {"a": 0.5, "b": 2.0})] == ["a", "b"]
    assert [c.offer_id for c in rank(need(), offers, {}, TODAY, {"a": 0.5})] == ["b", "a"]


def test_scarcity_outweighs_a_partial_skill_cover() -> None:
    both = offer(id="both", skills=["driving", "music"])
    one = offer(id="one", skills=["driving"])
    ranked = rank(need(skills=["driving", "music"]), [both, one], {}, TODAY, {"both": 6.0, "one": 0.0})
    assert [c.offer_id for c in ranked] == ["one", "both"]


@pytest.mark.parametrize("demand, max_active, active, expected", [
    (6.0, 3, 0, 2.0), (6.0, 3, 1, 3.0), (6.0, 3, 3, 6.0), (6.0, 1, 2, 6.0), (-1.0, 2, 0, 0.0)])
def test_alternatives_are_the_demand_per_match_still_free(demand: float, max_active: int, active: int,
                                                          expected: float) -> None:
    assert alternatives_per_match(demand, offer(max_active_matches=max_active), Load(active, 0)) == expected


def test_the_need_with_least_supply_per_open_slot_comes_first() -> None:
    needs = [need(id="old", published_at="2026-05-01T10:00:00+02:00"),
             need(id="rare", published_at="2026-05-02T10:00:00+02:00"),
             need(id="big", published_at="2026-05-03T10:00:00+02:00")]
    supply = {"old": 4, "rare": 1, "big": 6}
    open_slots = {"old": 1, "rare": 1, "big": 4}
    assert [n.id for n in scarcest_first(needs, supply, open_slots)] == ["rare", "big", "old"]


def test_equally_scarce_needs_go_oldest_first_and_full_needs_last() -> None:
    needs = [need(id="full", published_at="2026-04-01T10:00:00+02:00"),
             need(id="b", published_at="2026-05-02T10:00:00+02:00"),
             need(id="a", published_at="2026-05-02T10:00:00+02:00"),
             need(id="first", published_at="2026-05-01T10:00:00+02:00")]
    supply = {"full": 0, "a": 2, "b": 2, "first": 2}
    open_slots = {"full": 0, "a": 1, "b": 1, "first": 1}
    assert [n.id for n in scarcest_first(needs, supply, open_slots)] == ["first", "a", "b", "full"]


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


# Eligibility in a narrow random world (three weekdays, a few start hours around midnight and in the evening,
# the spring-forward night, needs written in other zones) where many pairs fit; the index tests use it too.

DISTRICTS = ["bragernes", "fjell", "svelvik", "all"]
SKILLS = ["driving", "music", "cooking"]
BASE_DAY = datetime(2026, 3, 23, tzinfo=OSLO).astimezone(UTC)

START_HOURS = st.sampled_from([0, 1, 2, 17, 18, 19])
ZONES = st.sampled_from([OSLO, UTC, timezone(timedelta(hours=-10))])

NEED_HOURS = st.integers(1, 2)
OFFER_HOURS = st.integers(2, 4)


def weekly_slots(lengths: st.SearchStrategy[int]) -> st.SearchStrategy[WeeklySlot]:
    """Weekly slots in the narrow world."""
    return st.builds(lambda day, start, length: WeeklySlot(day, time(start), time(start + length)),
                     st.sampled_from([1, 2, 7]), START_HOURS, lengths)


def period_from_base(day: int, start: int, length: int, zone: tzinfo) -> Period:
    """A period counted in real hours from the base day, written in the given zone."""
    begin = BASE_DAY + timedelta(days=day, hours=start)
    return Period(begin.astimezone(zone), (begin + timedelta(hours=length)).astimezone(zone))


def periods(lengths: st.SearchStrategy[int]) -> st.SearchStrategy[Period]:
    """Single periods in the narrow world, some across the spring-forward night, some written in other zones."""
    return st.builds(period_from_base, st.sampled_from([0, 1, 6, 7, 13]), START_HOURS, lengths, ZONES)


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


OFFER_SLOTS = st.lists(st.one_of(weekly_slots(OFFER_HOURS), weekly_slots(OFFER_HOURS), periods(OFFER_HOURS)),
                       max_size=2)
NEED_SLOTS = st.one_of(weekly_slots(NEED_HOURS), periods(NEED_HOURS))
SKILL_SETS = st.sets(st.sampled_from(SKILLS), max_size=2)
DISTRICT_SETS = st.sets(st.sampled_from(DISTRICTS), max_size=2)
LANGUAGE_SETS = st.sets(st.sampled_from(["nb", "en"]), max_size=2)
STATUSES = st.sampled_from(["open", "open", "open", "withdrawn"])
BIRTH_YEARS = st.one_of(st.none(), st.integers(1950, 2015))
BOUNDS = st.sampled_from([(None, None), (date(2026, 3, 23), date(2026, 4, 12))])


@st.composite
def offer_views(draw: st.DrawFn, offer_id: str, near: Schedule | None) -> OfferView:
    """A random small offer, often available around the need's time."""
    slots = draw(OFFER_SLOTS)
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




@settings(max_examples=500, deadline=None)
@given(worlds())
def test_eligible_and_the_time_rule_agree_with_rule_failures_and_shared_timeslots(
        world: tuple[NeedView, list[OfferView]]) -> None:
    wanted, published = world
    for view in published:
        failures = rule_failures(view, wanted, TODAY)
        assert eligible(view, wanted, TODAY) is (failures == [])
        assert ("time" in failures) is (wanted.schedule is None or not fits_any(view.availability, wanted.schedule))


@pytest.mark.parametrize("starts_in, expected", [
    (timedelta(hours=100), timedelta(hours=48)),
    (timedelta(hours=5), timedelta(hours=5)),
    (timedelta(minutes=59), timedelta(0)),
])
def test_the_answer_time_ends_no_later_than_a_single_period_starts(starts_in: timedelta, expected: timedelta) -> None:
    now = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    period = Schedule(Period(now + starts_in, now + starts_in + timedelta(hours=2)))
    assert answer_time(period, now, timedelta(hours=48)) == expected


def test_a_weekly_need_gives_the_whole_answer_time() -> None:
    weekly = Schedule(WeeklySlot(2, time(17), time(19)))
    assert answer_time(weekly, datetime(2026, 6, 1, 10, tzinfo=UTC), timedelta(hours=48)) == timedelta(hours=48)


def test_surplus_proposals_withdraw_the_unanswered_before_one_the_volunteer_said_yes_to_then_the_newest() -> None:
    proposals = [
        {"_id": "old", "slots": 1, "created_at": "2026-06-01T10:00", "accepted_by": []},
        {"_id": "accepted", "slots": 1, "created_at": "2026-06-01T12:00", "accepted_by": ["volunteer"]},
        {"_id": "new", "slots": 1, "created_at": "2026-06-01T11:00", "accepted_by": []},
    ]
    assert [m["_id"] for m in surplus_proposals(proposals, 1)] == ["new", "old"]
    assert [m["_id"] for m in surplus_proposals(proposals, 2)] == ["new"]
    assert surplus_proposals(proposals, 3) == []
