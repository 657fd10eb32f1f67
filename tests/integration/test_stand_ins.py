"""Stand-ins on a real broker and database: an absence keeps the standing assignment and asks someone else for that
date only; a stand-in who says no hands the date on; an ended assignment's slot is backfilled, earlier stand-ins
first. The events flow as they do in production: the matcher's outbox relay publishes what the API stored."""
from __future__ import annotations

from datetime import date
from typing import Any

from deploy import standins
from services.matcher import assignments, lifecycle
from services.matcher.lifecycle import ORGANISATION, VOLUNTEER
from tests.conftest import wait_until
from tests.integration.matcher_world import MatcherWorld, need_data, publish_offers
from tests.integration.matcher_world import world  # noqa: F401  (a fixture, found by name)

# Snug ranks above middle, middle above loose: the slot a volunteer leaves unused counts against them.
SNUG = {"availability": [{"weekday": 2, "start_time": "17:30", "end_time": "19:00"}]}
MIDDLE = {"availability": [{"weekday": 2, "start_time": "17:00", "end_time": "20:00"}]}
LOOSE = {"availability": [{"weekday": 2, "start_time": "12:00", "end_time": "22:00"}]}
DATE = "2026-03-10"  # the Tuesday after the world's clock (Monday 2 March)


def _states(world: MatcherWorld) -> set[tuple[str, str, str | None]]:
    return {(m["offer_id"], m["status"], m.get("for_date")) for m in world.matches("n1")}


def wait_for(world: MatcherWorld, expected: set[tuple[str, str, str | None]]) -> dict[tuple[str, str | None], Any]:
    """Wait until the need's matches are exactly these (offer, status, date); then they by (offer, date)."""
    wait_until(lambda: _states(world) == expected, timeout=30,
               message=lambda: f"matches {sorted(expected, key=str)}, have {sorted(_states(world), key=str)}")
    return {(m["offer_id"], m.get("for_date")): m for m in world.matches("n1")}


def confirm(world: MatcherWorld, match: dict[str, Any]) -> None:
    world.answer(match["_id"], VOLUNTEER)
    world.answer(match["_id"], ORGANISATION)


def test_an_absence_asks_another_volunteer_for_that_date_and_the_assignment_stays(world):
    publish_offers(world, ("snug", SNUG), ("middle", MIDDLE), ("loose", LOOSE))
    world.send("need.published", need_data("n1"))
    standing = wait_for(world, {("snug", "proposed", None)})[("snug", None)]
    confirm(world, standing)

    assignments.record(world.repo, standing["_id"], DATE, {"status": "absent"}, VOLUNTEER, world.clock())
    asked = wait_for(world, {("snug", "confirmed", None), ("middle", "proposed", DATE)})[("middle", DATE)]
    assert asked["stands_in_for"] == standing["_id"] and asked["slots"] == 1
    assert world.repo.matches.get(standing["_id"])["status"] == "confirmed"

    world.answer(asked["_id"], VOLUNTEER, accepted=False)
    wait_for(world, {("snug", "confirmed", None), ("middle", "declined", DATE), ("loose", "proposed", DATE)})


def test_ending_reopens_the_slot_and_the_earlier_stand_in_is_asked_before_a_better_scored_volunteer(world):
    publish_offers(world, ("snug", SNUG), ("middle", MIDDLE), ("loose", LOOSE))
    world.send("need.published", need_data("n1"))
    standing = wait_for(world, {("snug", "proposed", None)})[("snug", None)]
    confirm(world, standing)
    assignments.record(world.repo, standing["_id"], DATE, {"status": "absent"}, VOLUNTEER, world.clock())
    first_asked = wait_for(world, {("snug", "confirmed", None), ("middle", "proposed", DATE)})[("middle", DATE)]
    world.answer(first_asked["_id"], VOLUNTEER, accepted=False)
    stand_in = wait_for(world, {("snug", "confirmed", None), ("middle", "declined", DATE),
                                ("loose", "proposed", DATE)})[("loose", DATE)]
    confirm(world, stand_in)

    assignments.end(world.repo, standing["_id"], VOLUNTEER, world.clock())
    wait_for(world, {("snug", "ended", None), ("middle", "declined", DATE), ("loose", "confirmed", DATE),
                     ("loose", "proposed", None)})


def test_a_pause_asks_a_stand_in_for_each_date_and_a_confirmed_stand_in_takes_no_slot(world):
    publish_offers(world, ("snug", SNUG), ("middle", MIDDLE))
    world.send("need.published", need_data("n1"))
    standing = wait_for(world, {("snug", "proposed", None)})[("snug", None)]
    confirm(world, standing)
    assignments.pause(world.repo, standing["_id"], date(2026, 3, 9), date(2026, 3, 22), VOLUNTEER, world.clock())
    asked = wait_for(world, {("snug", "confirmed", None), ("middle", "proposed", DATE),
                             ("middle", "proposed", "2026-03-17")})
    confirm(world, asked[("middle", DATE)])
    world.send("need.updated", need_data("n1", version=2))  # a wave runs again: nothing more to propose
    wait_until(lambda: world.repo.need("n1")["version"] == 2)
    assert _states(world) == {("snug", "confirmed", None), ("middle", "confirmed", DATE),
                              ("middle", "proposed", "2026-03-17")}


def test_an_absence_whose_event_was_lost_is_covered_by_the_reconciliation(tmp_path, mongo_uri):
    with standins.kafka(tmp_path) as kafka:
        world = MatcherWorld(kafka, mongo_uri, matcher_reconcile_seconds=0.5)
        try:
            publish_offers(world, ("snug", SNUG), ("middle", MIDDLE))
            world.send("need.published", need_data("n1"))
            standing = wait_for(world, {("snug", "proposed", None)})[("snug", None)]
            confirm(world, standing)
            wait_until(world.drained, timeout=10)
            change = lifecycle.record(world.repo.matches.get(standing["_id"]), DATE,
                                      {"status": "absent", "by": VOLUNTEER}, world.clock())
            world.repo.matches.save(change.doc)  # stored without its event, as if the event were lost
            wait_for(world, {("snug", "confirmed", None), ("middle", "proposed", DATE)})
        finally:
            world.stop()


def test_a_need_over_keeps_its_confirmed_assignment_and_drops_its_open_proposals(world):
    publish_offers(world, ("snug", SNUG), ("middle", MIDDLE))
    world.send("need.published", need_data("n1", volunteers_needed=2))
    found = wait_for(world, {("snug", "proposed", None), ("middle", "proposed", None)})
    confirm(world, found[("snug", None)])
    world.send("need.closed", need_data("n1", version=2, status="closed", close_reason="over"))
    wait_for(world, {("snug", "confirmed", None), ("middle", "cancelled", None)})


def test_someone_who_declined_the_need_is_never_asked_to_stand_in(world):
    publish_offers(world, ("snug", SNUG), ("middle", MIDDLE))
    world.send("need.published", need_data("n1"))
    declined = wait_for(world, {("snug", "proposed", None)})[("snug", None)]
    world.answer(declined["_id"], VOLUNTEER, accepted=False)
    standing = wait_for(world, {("snug", "declined", None), ("middle", "proposed", None)})[("middle", None)]
    confirm(world, standing)
    publish_offers(world, ("loose", LOOSE))
    assignments.record(world.repo, standing["_id"], DATE, {"status": "absent"}, VOLUNTEER, world.clock())
    wait_for(world, {("snug", "declined", None), ("middle", "confirmed", None), ("loose", "proposed", DATE)})


def test_two_volunteers_absent_on_the_same_date_each_get_a_stand_in(world):
    publish_offers(world, ("snug", SNUG), ("middle", MIDDLE))
    world.send("need.published", need_data("n1", volunteers_needed=2))
    found = wait_for(world, {("snug", "proposed", None), ("middle", "proposed", None)})
    for match in found.values():
        confirm(world, match)
    # "close" stays the best candidate for both dates (a snug slot outweighs having just been asked once)
    publish_offers(world, ("close", {"availability": [{"weekday": 2, "start_time": "17:15", "end_time": "19:15"}]}),
                   ("wide", {"availability": [{"weekday": 2, "start_time": "08:00", "end_time": "23:00"}]}))
    for match in found.values():
        assignments.record(world.repo, match["_id"], DATE, {"status": "absent"}, VOLUNTEER, world.clock())
    asked = wait_for(world, {("snug", "confirmed", None), ("middle", "confirmed", None), ("close", "proposed", DATE),
                             ("wide", "proposed", DATE)})
    assert {asked[("close", DATE)]["stands_in_for"], asked[("wide", DATE)]["stands_in_for"]} == {
        match["_id"] for match in found.values()}


def test_ending_an_assignment_withdraws_its_open_stand_in_requests(world):
    publish_offers(world, ("snug", SNUG), ("middle", MIDDLE))
    world.send("need.published", need_data("n1"))
    standing = wait_for(world, {("snug", "proposed", None)})[("snug", None)]
    confirm(world, standing)
    assignments.record(world.repo, standing["_id"], DATE, {"status": "absent"}, VOLUNTEER, world.clock())
    asked = wait_for(world, {("snug", "confirmed", None), ("middle", "proposed", DATE)})[("middle", DATE)]
    assignments.end(world.repo, standing["_id"], ORGANISATION, world.clock())
    wait_until(lambda: world.repo.matches.get(asked["_id"])["status"] == "cancelled", timeout=30)
    assert world.repo.matches.get(asked["_id"])["cancel_reason"] == "assignment_ended"


def test_a_stand_in_has_until_its_date_begins_to_be_confirmed(world):
    publish_offers(world, ("snug", SNUG), ("middle", MIDDLE))
    world.send("need.published", need_data("n1"))
    standing = wait_for(world, {("snug", "proposed", None)})[("snug", None)]
    confirm(world, standing)
    world.clock.advance(days=7, hours=6)  # Monday 9 March 15:00 UTC, the day before the date
    assignments.record(world.repo, standing["_id"], DATE, {"status": "absent"}, VOLUNTEER, world.clock())
    asked = wait_for(world, {("snug", "confirmed", None), ("middle", "proposed", DATE)})[("middle", DATE)]
    accepted = world.answer(asked["_id"], VOLUNTEER)
    assert accepted["expires_at"] <= "2026-03-10T16:30:00.000000+00:00"  # 17:30 in Oslo, when it begins
