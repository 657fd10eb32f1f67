"""The proposal lifecycle on a real broker and database: waves, answers, expiry, withdrawal, filling, races,
replay, a second worker standing by, and a stand-in who takes the standing place."""
from __future__ import annotations

import threading
import time
from copy import copy
from datetime import date, timedelta

import pytest
from kafka import KafkaConsumer

from services.matcher import assignments
from services.matcher.handlers import expire_due, respond
from services.matcher.lifecycle import ORGANISATION, VOLUNTEER
from shared.clock import from_iso
from shared.errors import Conflict
from shared.events import MATCHES_TOPIC, parse_event
from shared.mongo import DocumentStore
from tests.conftest import wait_until
from tests.integration.matcher_world import need_data, offer_data, publish_offers
from tests.integration.matcher_world import world  # noqa: F401  (a fixture, found by name)



SNUG = {"availability": [{"weekday": 2, "start_time": "17:30", "end_time": "19:00"}]}
LOOSE = {"availability": [{"weekday": 2, "start_time": "12:00", "end_time": "22:00"}]}
MIDDLE = {"availability": [{"weekday": 2, "start_time": "17:00", "end_time": "20:00"}]}


def test_a_wave_asks_the_best_candidate_for_each_open_slot(world):
    publish_offers(world, ("loose", LOOSE), ("snug", SNUG), ("middle", MIDDLE))
    world.send("need.published", need_data("n1", volunteers_needed=2))
    world.wait_for("n1", {"snug": "proposed", "middle": "proposed"})


def test_a_decline_hands_the_slot_to_the_next_candidate_and_the_pair_is_never_asked_again(world):
    publish_offers(world, ("a", SNUG), ("b", MIDDLE))
    world.send("need.published", need_data("n1"))
    [first] = world.wait_for("n1", {"a": "proposed"})
    world.answer(first["_id"], VOLUNTEER, accepted=False)
    world.wait_for("n1", {"a": "declined", "b": "proposed"})
    handled = world.handled["matcher"]
    world.send("offer.updated", offer_data("a", version=2, **SNUG, note_changed=True))
    world.send("need.updated", need_data("n1", version=2, volunteers_needed=2))
    wait_until(lambda: world.handled["matcher"] >= handled + 2, timeout=30, message="both updates handled")
    wait_until(world.drained, timeout=10)
    assert {m["offer_id"]: m["status"] for m in world.matches("n1")} == {"a": "declined", "b": "proposed"}


def test_an_expired_proposal_hands_the_slot_to_the_next_candidate(world):
    publish_offers(world, ("a", SNUG), ("b", MIDDLE))
    world.send("need.published", need_data("n1"))
    world.wait_for("n1", {"a": "proposed"})
    world.clock.advance(hours=47)
    assert world.expire_due() == 0
    world.clock.advance(hours=2)
    assert world.expire_due() == 1
    world.wait_for("n1", {"a": "expired", "b": "proposed"})


def test_a_withdrawn_offer_has_its_matches_cancelled_and_the_slot_backfilled(world):
    publish_offers(world, ("a", SNUG), ("b", MIDDLE))
    world.send("need.published", need_data("n1"))
    [first] = world.wait_for("n1", {"a": "proposed"})
    world.answer(first["_id"], VOLUNTEER)
    world.answer(first["_id"], ORGANISATION)
    world.wait_for("n1", {"a": "confirmed"})
    world.send("offer.withdrawn", {"id": "a", "status": "withdrawn", "version": 2})
    world.wait_for("n1", {"a": "cancelled", "b": "proposed"})


def test_a_filled_need_cancels_the_proposals_still_open(world):
    publish_offers(world, ("a", SNUG), ("b", MIDDLE))
    world.send("need.published", need_data("n1", volunteers_needed=2))
    matches = world.wait_for("n1", {"a": "proposed", "b": "proposed"})
    first = next(m for m in matches if m["offer_id"] == "a")
    world.answer(first["_id"], VOLUNTEER)
    world.answer(first["_id"], ORGANISATION)
    world.send("need.updated", need_data("n1", version=2, volunteers_needed=1))
    matches = world.wait_for("n1", {"a": "confirmed", "b": "cancelled"})
    assert next(m for m in matches if m["offer_id"] == "b")["cancel_reason"] == "need_filled"


def test_a_closed_need_cancels_its_matches(world):
    publish_offers(world, ("a", SNUG))
    world.send("need.published", need_data("n1"))
    world.wait_for("n1", {"a": "proposed"})
    world.send("need.closed", need_data("n1", version=2, status="closed"))
    world.wait_for("n1", {"a": "cancelled"})


def test_a_volunteer_gets_at_most_the_allowed_number_of_open_proposals(world):
    publish_offers(world, ("a", {"max_active_matches": 10}))
    for n in range(5):
        world.send("need.published", need_data(f"n{n}"))
    wait_until(lambda: world.handled["matcher"] >= 6, timeout=30, message="the offer and all five needs handled")
    wait_until(world.drained, timeout=10)
    assert len(world.repo.matches_for_offer("a")) == 3


def test_a_new_volunteer_goes_to_the_need_fewest_others_could_serve_not_the_oldest(world):
    publish_offers(world, ("busy1", {"max_active_matches": 1}), ("busy2", {"max_active_matches": 1}))
    world.send("need.published", need_data("common", volunteers_needed=3))
    world.wait_for("common", {"busy1": "proposed", "busy2": "proposed"})
    world.send("need.published", need_data("rare", skills=["translation"], published_at="2026-03-02T10:00:00+00:00"))
    wait_until(lambda: world.repo.need("rare"), timeout=30, message="the matcher to know the rare need")
    publish_offers(world, ("new", {"max_active_matches": 1, "skills": ["visiting_friend", "translation"]}))
    world.wait_for("rare", {"new": "proposed"})
    wait_until(world.drained, timeout=10)
    assert {m["offer_id"] for m in world.matches("common")} == {"busy1", "busy2"}


def test_a_hard_rule_is_never_broken_even_when_no_one_else_fits(world):
    publish_offers(world, ("no_certificate", {**SNUG, "police_certificate": False}),
            ("too_young", {**SNUG, "birth_year": 2012}), ("no_common_language", {**SNUG, "languages": ["en"]}),
            ("fits", MIDDLE))
    world.send("need.published", need_data("n1", volunteers_needed=4))
    world.wait_for("n1", {"fits": "proposed"})


class PausingStore(DocumentStore):
    """The real store, pausing after each load so that another writer gets in before the save."""

    def get(self, doc_id: str):
        doc = super().get(doc_id)
        time.sleep(0.3)
        return doc


def test_racing_confirmations_of_one_match_end_in_one_confirmed_match_with_one_event(world):
    publish_offers(world, ("a", SNUG))
    world.send("need.published", need_data("n1"))
    [match] = world.wait_for("n1", {"a": "proposed"})
    world.answer(match["_id"], VOLUNTEER)
    slow = copy(world.repo)
    slow.matches = PausingStore(world.repo.db.matches)
    barrier = threading.Barrier(2)

    answers: list[str] = []

    def accept(repo):
        barrier.wait()
        answers.append(respond(match["_id"], ORGANISATION, True, repo, world.clock(), world.ttl)["status"])

    threads = [threading.Thread(target=accept, args=(slow,)), threading.Thread(target=accept, args=(world.repo,))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == ["confirmed", "confirmed"]
    world.wait_for("n1", {"a": "confirmed"})
    wait_until(world.drained, timeout=10)
    types = [e.type for e in _match_events(world) if e.subject == match["_id"]]
    assert types.count("match.confirmed") == 1
    assert types.count("match.accepted") == 2


def test_an_accept_racing_the_expiry_ends_in_one_consistent_state(world):
    publish_offers(world, ("a", SNUG))
    world.send("need.published", need_data("n1"))
    [match] = world.wait_for("n1", {"a": "proposed"})
    deadline = from_iso(world.answer(match["_id"], VOLUNTEER)["expires_at"])
    barrier = threading.Barrier(2)
    outcome: list[str] = []

    slow = copy(world.repo)
    slow.matches = PausingStore(world.repo.db.matches)

    def expire():
        barrier.wait()
        time.sleep(0.1)
        expire_due(world.repo, deadline + timedelta(seconds=1))

    def accept():
        barrier.wait()
        try:
            respond(match["_id"], ORGANISATION, True, slow, deadline - timedelta(seconds=1), world.ttl)
            outcome.append("confirmed")
        except Conflict:
            outcome.append("expired")

    threads = [threading.Thread(target=expire), threading.Thread(target=accept)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    [winner] = outcome
    assert world.repo.matches.get(match["_id"])["status"] == winner
    wait_until(world.drained, timeout=10)
    types = {e.type for e in _match_events(world) if e.subject == match["_id"]}
    assert {"match.confirmed", "match.expired"} & types == {f"match.{winner}"}


def test_replaying_every_event_from_offset_zero_leaves_the_matches_unchanged(world):
    publish_offers(world, ("a", SNUG), ("b", MIDDLE), ("c", LOOSE))
    world.send("need.published", need_data("n1", volunteers_needed=2))
    world.send("need.published", need_data("n2"))
    matches = world.wait_for("n1", {"a": "proposed", "b": "proposed"})
    world.answer(matches[0]["_id"], VOLUNTEER, accepted=False)
    wait_until(lambda: len(world.matches("n1")) == 3, timeout=30)
    wait_until(world.drained, timeout=10)
    before = _snapshot(world)
    handled = world.handled["matcher"]
    world.start(group="replay")
    wait_until(lambda: world.handled.get("replay", 0) >= handled, timeout=40, message="the replay to finish")
    wait_until(world.drained, timeout=10)
    assert _snapshot(world) == before


def _snapshot(world) -> list[tuple]:
    return sorted((m["need_id"], m["offer_id"], m["status"], m["version"]) for m in world.repo.all_matches())


def _match_events(world) -> list:
    """Every event on matches.v1; the idle timeout is generous because a fresh consumer is slow to its first fetch."""
    consumer = KafkaConsumer(MATCHES_TOPIC, bootstrap_servers=world.config.kafka_bootstrap_servers,
                             auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=6000)
    try:
        return [parse_event(r.value) for r in consumer]
    finally:
        consumer.close()


# Two workers: the indexes live in memory, so two workers splitting the events would each match against part
# of the offers. One consumes while the other stands by, then takes over.


def test_one_worker_handles_every_event_while_the_other_stands_by_then_takes_over(world):
    first, second = world.first, world.start(name="second")
    wait_until(lambda: first.assigned is not None and second.assigned is not None
               and sorted((bool(first.assigned), bool(second.assigned))) == [False, True],
               timeout=30, message="one worker to hold every partition and the other none")
    active, standby = (first, second) if first.assigned else (second, first)
    publish_offers(world, *[(f"loose{n}", LOOSE) for n in range(7)], ("snug", SNUG))
    world.send("need.published", need_data("n1"))
    world.wait_for("n1", {"snug": "proposed"})
    wait_until(world.drained, timeout=10)
    assert world.handled.get("first", 0) + world.handled.get("second", 0) == world.handled["matcher"]
    assert {world.handled.get("first", 0), world.handled.get("second", 0)} == {0, world.handled["matcher"]}

    world.stop_part(active)
    world.send("need.published", need_data("n2"))
    world.wait_for("n2", {"snug": "proposed"})
    assert standby.assigned


def test_a_worker_that_hands_its_partitions_over_lets_its_indexes_go(world):
    publish_offers(world, ("snug", SNUG))
    wait_until(lambda: len(world.matchings["first"].offers) == 1, timeout=30, message="the offer in the index")
    second = world.start(name="second", client_id="0-first-in-line")  # member ids sort before the first's
    wait_until(lambda: second.assigned and world.first.assigned == frozenset(), timeout=30,
               message="the second worker to take every partition")
    wait_until(lambda: len(world.matchings["second"].offers) == 1, timeout=10, message="the new index built")
    wait_until(lambda: len(world.matchings["first"].offers) == 0, timeout=10, message="the standby's index emptied")


# A stand-in later given the standing place: the date they stood in for is held once, on the standing match.

DATE = "2026-03-10"  # the Tuesday after the world's clock (Monday 2 March)


def _confirm(world, match: dict) -> dict:
    world.answer(match["_id"], VOLUNTEER)
    return world.answer(match["_id"], ORGANISATION)


def _one(world, need_id: str, offer_id: str, status: str, for_date: str | None = None) -> dict:
    """Wait for the need's one match of this offer, status and date (None: a standing match), and return it."""
    def found():
        return [m for m in world.matches(need_id) if (m["offer_id"], m["status"], m.get("for_date")) ==
                (offer_id, status, for_date)]
    wait_until(lambda: len(found()) == 1, timeout=30, message=lambda: f"{offer_id} {status} {for_date}, have "
               f"{[(m['offer_id'], m['status'], m.get('for_date')) for m in world.matches(need_id)]}")
    return found()[0]


def _live_on(world, need_id: str, offer_id: str, day: str) -> list[dict]:
    """The volunteer's live matches of the need whose occurrences include that date."""
    return [m for m in world.matches(need_id) if m["offer_id"] == offer_id and m["status"] in ("proposed", "confirmed")
            and day in {o["date"] for o in assignments.listing(world.repo, m, date.fromisoformat(day),
                                                                  date.fromisoformat(day), world.clock())}]


@pytest.mark.parametrize("said_absent", [False, True], ids=["coming", "said_absent"])
def test_a_stand_in_given_the_standing_place_holds_their_stand_in_date_once(world, said_absent):
    publish_offers(world, ("a", SNUG), ("s", MIDDLE))
    world.send("need.published", need_data("n1"))
    first = _confirm(world, _one(world, "n1", "a", "proposed"))
    assignments.record(world.repo, first["_id"], DATE, {"status": "absent"}, VOLUNTEER, world.clock())
    stand_in = _confirm(world, _one(world, "n1", "s", "proposed", DATE))
    if said_absent:
        assignments.record(world.repo, stand_in["_id"], DATE, {"status": "absent"}, VOLUNTEER, world.clock())
    assignments.end(world.repo, first["_id"], VOLUNTEER, world.clock())
    standing = _confirm(world, _one(world, "n1", "s", "proposed"))

    folded = _one(world, "n1", "s", "cancelled", DATE)
    assert (folded["_id"], folded["cancel_reason"], folded["covered_by"]) == (
        stand_in["_id"], "covered_by_assignment", standing["_id"])
    assert [m["_id"] for m in _live_on(world, "n1", "s", DATE)] == [standing["_id"]]
    held = world.repo.matches.get(standing["_id"])
    assert (held.get("occurrences") or {}).get(DATE, {}).get("status") == ("absent" if said_absent else None)


def test_a_stand_in_for_another_volunteer_given_a_standing_place_hands_that_absence_to_someone_else(world):
    publish_offers(world, ("a", SNUG), ("b", MIDDLE))
    world.send("need.published", need_data("n1", volunteers_needed=2))
    first = _confirm(world, _one(world, "n1", "a", "proposed"))
    other = _confirm(world, _one(world, "n1", "b", "proposed"))
    publish_offers(world, ("s", LOOSE))
    assignments.record(world.repo, other["_id"], DATE, {"status": "absent"}, VOLUNTEER, world.clock())
    stand_in = _confirm(world, _one(world, "n1", "s", "proposed", DATE))
    publish_offers(world, ("x", {"availability": [{"weekday": 2, "start_time": "17:00", "end_time": "21:00"}]}))
    assignments.end(world.repo, first["_id"], VOLUNTEER, world.clock())
    _confirm(world, _one(world, "n1", "s", "proposed"))  # the earlier stand-in first

    assert _one(world, "n1", "s", "cancelled", DATE)["_id"] == stand_in["_id"]
    assert _one(world, "n1", "x", "proposed", DATE)["stands_in_for"] == other["_id"]


def test_an_assignment_whose_need_is_over_no_longer_takes_the_volunteers_time(world):
    publish_offers(world, ("a", {**SNUG, "max_active_matches": 1}))
    world.send("need.published", need_data("n1"))
    _confirm(world, _one(world, "n1", "a", "proposed"))
    world.send("need.published", need_data("n2"))
    wait_until(lambda: world.repo.need("n2"), timeout=30, message="the matcher to know n2")
    wait_until(world.drained, timeout=10)
    assert world.matches("n2") == []  # the one assignment the volunteer takes at a time is under way
    world.send("need.closed", need_data("n1", version=2, status="closed", close_reason="over"))
    _one(world, "n2", "a", "proposed")
    assert _one(world, "n1", "a", "confirmed")
