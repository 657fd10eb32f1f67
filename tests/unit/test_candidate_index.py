"""Tests for the matcher's indexes: open offers by where and when they can help, open needs and their demand."""

from datetime import date

import pytest
from hypothesis import given, settings

from services.matcher.index import CandidateIndex, NeedIndex
from services.matcher.model import NeedView, OfferView, rank, rule_failures
from shared.timeslots import Period, fits
from tests.unit.test_matching_rules import TODAY, TUESDAY_EVENING, TUESDAY_NEED, need, offer, worlds


def indexed(*views: OfferView) -> CandidateIndex:
    """An index holding the offers."""
    index = CandidateIndex()
    for view in views:
        index.upsert(view)
    return index


def found(index: CandidateIndex, wanted: NeedView) -> list[str]:
    """Ids of the index's candidates for the need."""
    return [view.id for view in index.candidates(wanted)]


# Candidate index.


def test_index_drops_an_offer_when_it_is_withdrawn_or_removed() -> None:
    index = indexed(offer(id="a"), offer(id="b"))
    index.upsert(OfferView.from_data({"id": "a", "status": "withdrawn", "version": 2}))
    assert (len(index), index.get("a"), found(index, need())) == (1, None, ["b"])
    index.remove("b")
    index.remove("never_there")
    assert (len(index), index.all(), index.candidates(need())) == (0, [], [])


def test_index_replaces_an_offer_that_changes() -> None:
    index = indexed(offer(id="a"))
    index.upsert(offer(id="a", districts=["svelvik"]))
    assert index.candidates(need()) == [] and index.get("a").districts == frozenset({"svelvik"})


def test_index_finds_offers_by_district_skill_and_weekday() -> None:
    index = indexed(offer(id="here"), offer(id="everywhere", districts=["all"]),
                    offer(id="elsewhere", districts=["fjell"]),
                    offer(id="other_skill", skills=["music"]),
                    offer(id="other_day", availability=[{"weekday": 4, "start_time": "17:00", "end_time": "20:00"}]),
                    offer(id="single", availability=[{"start": "2026-07-01T08:00:00+02:00",
                                                      "end": "2026-07-01T09:00:00+02:00"}]))
    assert found(index, need()) == ["everywhere", "here", "single"]
    assert found(index, need(skills=[])) == ["everywhere", "here", "other_skill", "single"]


@pytest.mark.parametrize("start, end, covering", [
    ("18:00", "19:00", True), ("17:00", "20:00", True), ("18:01", "20:00", False), ("17:00", "18:59", False)])
def test_index_finds_a_weekly_slot_only_when_it_covers_the_need(start: str, end: str, covering: bool) -> None:
    index = indexed(offer(availability=[{"weekday": 2, "start_time": start, "end_time": end}]))
    assert found(index, need()) == (["o1"] if covering else [])


def test_offer_with_several_fitting_slots_is_found_once_and_forgotten_whole() -> None:
    slots = [{"weekday": 2, "start_time": "17:00", "end_time": "20:00"}] * 2 + [
        {"weekday": 2, "start_time": "18:00", "end_time": "19:00"}]
    index = indexed(offer(id="a", availability=slots, districts=["bragernes", "all"]), offer(id="b"))
    assert found(index, need()) == ["a", "b"]
    index.remove("a")
    assert found(index, need()) == ["b"] and found(index, need(skills=[])) == ["b"]


def test_index_looks_up_a_single_period_need_under_its_oslo_weekday() -> None:
    index = indexed(offer(id="mon", availability=[{"weekday": 1, "start_time": "00:00", "end_time": "02:00"}]),
                    offer(id="sun", availability=[{"weekday": 7, "start_time": "22:00", "end_time": "23:59"}]))
    late_sunday_utc = need(schedule={"start": "2026-06-07T22:30:00+00:00", "end": "2026-06-07T23:30:00+00:00"})
    assert found(index, late_sunday_utc) == ["mon"]
    assert [c.offer_id for c in rank(late_sunday_utc, index.candidates(late_sunday_utc), {}, TODAY)] == ["mon"]


def test_need_across_oslo_midnight_finds_only_offers_with_single_periods() -> None:
    index = indexed(offer(id="weekly", availability=[{"weekday": 2, "start_time": "00:00", "end_time": "23:59"}]),
                    offer(id="period", availability=[{"start": "2026-06-02T20:00:00+02:00",
                                                      "end": "2026-06-03T04:00:00+02:00"}]))
    overnight = need(schedule={"start": "2026-06-02T23:00:00+02:00", "end": "2026-06-03T01:00:00+02:00"})
    assert found(index, overnight) == ["period"]


def test_need_without_schedule_has_no_candidates() -> None:
    assert indexed(offer()).candidates(need(schedule=None)) == []


# The index against a full scan, in the narrow random world of the rules tests.


def passes_prefilter(view: OfferView, wanted: NeedView) -> bool:
    """The index's documented pre-filter, written out plainly."""
    if wanted.schedule is None:
        return False
    return ((wanted.district in view.districts or "all" in view.districts)
            and (not wanted.skills or bool(view.skills & wanted.skills))
            and any(isinstance(a, Period) or fits(a, wanted.schedule) for a in view.availability))


@settings(max_examples=500, deadline=None)
@given(worlds())
def test_index_lookup_then_rules_equals_a_full_scan_with_the_rules(world: tuple[NeedView, list[OfferView]]) -> None:
    wanted, published = world
    index = indexed(*published)
    latest = sorted({view.id: view for view in published}.values(), key=lambda view: view.id)
    candidates = index.candidates(wanted)
    assert candidates == [view for view in latest if view.status == "open" and passes_prefilter(view, wanted)]
    assert ([view.id for view in candidates if not rule_failures(view, wanted, TODAY)]
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
    assert (index.get("a"), index.get("b"), index.needs_for(offer(districts=["all"])), len(index)) == (
        None, None, [], 0)


def test_need_index_replaces_a_need_that_moves_district() -> None:
    index = NeedIndex()
    index.upsert(need(id="a"))
    index.upsert(need(id="a", district="fjell"))
    assert index.needs_for(offer()) == [] and [n.id for n in index.needs_for(offer(districts=["fjell"]))] == ["a"]


# Demand: how many open needs an offer could serve, each rule's share counted on its own.


def needs(*views: NeedView) -> NeedIndex:
    """A need index holding the needs."""
    index = NeedIndex()
    for view in views:
        index.upsert(view)
    return index


FOUR_NEEDS = (need(id="a"), need(id="b", district="fjell"), need(id="c", skills=["music"]),
              need(id="d", schedule={"weekday": 3, "start_time": "18:00", "end_time": "19:00"}))


def test_demand_is_zero_without_open_needs() -> None:
    assert needs().demand(offer(), TODAY) == 0.0


def test_offer_meeting_every_rule_of_every_need_could_serve_them_all() -> None:
    flexible = offer(districts=["all"], skills=["driving", "music"],
                     availability=[{"weekday": day, "start_time": "08:00", "end_time": "21:00"} for day in (2, 3)])
    assert needs(*FOUR_NEEDS).demand(flexible, TODAY) == pytest.approx(4.0)


def test_demand_multiplies_the_shares_of_each_rule() -> None:
    # District 3/4, skills 3/4, time 3/4 and requirements 4/4 of the four open needs.
    assert needs(*FOUR_NEEDS).demand(offer(), TODAY) == pytest.approx(4 * 0.75 * 0.75 * 0.75)


def test_demand_counts_requirements_and_weekly_time_by_today() -> None:
    strict = need(id="strict", requirements={"police_certificate": True, "min_age": 18, "languages": ["ar"]})
    index = needs(need(id="easy"), strict)
    assert index.demand(offer(), TODAY) == pytest.approx(2 * 0.5)
    assert index.demand(offer(languages=["ar"]), TODAY) == pytest.approx(2.0)
    assert index.demand(offer(languages=["ar"], birth_year=2009), date(2026, 1, 1)) == pytest.approx(1.0)


def test_demand_counts_a_need_once_however_many_slots_cover_it() -> None:
    assert needs(need()).demand(offer(availability=[TUESDAY_EVENING, TUESDAY_NEED]), TODAY) == pytest.approx(1.0)


def test_demand_forgets_needs_that_close() -> None:
    index = needs(*FOUR_NEEDS)
    for view in FOUR_NEEDS[1:]:
        index.upsert(NeedView.from_data({"id": view.id, "status": "closed", "version": 2}))
    assert index.demand(offer(), TODAY) == pytest.approx(1.0)
    index.remove("a")
    assert index.demand(offer(), TODAY) == 0.0
