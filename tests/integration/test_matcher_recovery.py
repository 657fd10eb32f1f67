"""The matcher loses no work: a handler that failed half-way, a crash after the read-model write, an event that
never arrived, a poison event and a changed pair, on a real broker and database."""
from __future__ import annotations

from kafka import KafkaConsumer
from pymongo.errors import AutoReconnect

from deploy import standins
from services.matcher.handlers import reconcile
from services.matcher.waves import Matching, cancel_match
from services.matcher.lifecycle import VOLUNTEER
from shared.events import OFFERS_TOPIC, NEEDS_TOPIC, dlq_topic
from tests.conftest import wait_until
from tests.integration.matcher_world import MatcherWorld, need_data, offer_data, publish_offers
from tests.integration.matcher_world import world  # noqa: F401  (a fixture, found by name)

SNUG = {"availability": [{"weekday": 2, "start_time": "17:30", "end_time": "19:00"}]}


def _fails_once(world, method: str) -> list[int]:
    """Make one repository method raise a database error on its first call; returns the call count."""
    calls = [0]
    real = getattr(world.repo, method)

    def flaky(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 1:
            raise AutoReconnect("the database went away")
        return real(*args, **kwargs)

    setattr(world.repo, method, flaky)
    return calls


def _statuses(world, need_id: str) -> list[tuple[str, str]]:
    return sorted((m["offer_id"], m["status"]) for m in world.matches(need_id))


def test_a_wave_that_failed_after_the_read_model_write_still_happens_exactly_once(world):
    publish_offers(world, ("a", SNUG))
    calls = _fails_once(world, "record_candidates")
    world.send("need.published", need_data("n1"))
    world.wait_for("n1", {"a": "proposed"})
    assert calls[0] >= 2
    world.send("need.published", need_data("n1"))
    wait_until(lambda: world.handled["matcher"] >= 3, timeout=30, message="the redelivery handled")
    wait_until(world.drained, timeout=10)
    assert _statuses(world, "n1") == [("a", "proposed")]


def test_a_redelivered_event_after_a_crash_does_the_wave_the_crash_cut_short(world):
    publish_offers(world, ("a", SNUG))
    world.repo.upsert_need(need_data("n1"))  # the crashed handler got this far; its offset was never committed
    world.send("need.published", need_data("n1"))
    world.wait_for("n1", {"a": "proposed"})


def test_a_withdrawal_whose_cancellation_failed_still_cancels_and_backfills(world):
    publish_offers(world, ("a", SNUG), ("b", {}))
    world.send("need.published", need_data("n1"))
    world.wait_for("n1", {"a": "proposed"})
    _fails_once(world, "live_matches_of_offer")
    world.send("offer.withdrawn", {"id": "a", "status": "withdrawn", "version": 2})
    world.wait_for("n1", {"a": "cancelled", "b": "proposed"})


def test_reconciliation_repairs_what_lost_events_left_undone(world):
    """Events that never reached the matcher: a need closed and an offer that fits an open need."""
    publish_offers(world, ("a", SNUG))
    world.send("need.published", need_data("closed"))
    world.wait_for("closed", {"a": "proposed"})
    world.send("need.published", need_data("open", volunteers_needed=2))
    world.wait_for("open", {"a": "proposed"})
    wait_until(world.drained, timeout=10)
    world.repo.upsert_need(need_data("closed", version=2, status="closed"))
    world.repo.upsert_offer(offer_data("b", **SNUG))
    matching = Matching(world.repo, world.config, world.clock)
    matching.rebuild()
    assert reconcile(matching) == 1
    assert _statuses(world, "closed") == [("a", "cancelled")]
    assert _statuses(world, "open") == [("a", "proposed"), ("b", "proposed")]
    assert reconcile(matching) == 0
    assert len(world.repo.all_matches()) == 3


def _dead_letters(world, topic: str) -> list:
    consumer = KafkaConsumer(dlq_topic(topic), bootstrap_servers=world.config.kafka_bootstrap_servers,
                             auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=4000)
    try:
        return list(consumer)
    finally:
        consumer.close()


def test_unreadable_events_are_dead_lettered_before_storing_and_matching_goes_on_after_a_restart(world):
    world.send("offer.published", offer_data("poison-offer", availability=[{"weekday": "tuesday"}]))
    world.send("need.published", need_data("poison-need", schedule={"weekday": 2, "start_time": "late"}))
    world.send("need.published", need_data("poison-date", published_at=5))
    wait_until(lambda: _dead_letters(world, OFFERS_TOPIC) and len(_dead_letters(world, NEEDS_TOPIC)) == 2,
               timeout=40, message="the three poison events in their dead-letter topics")
    assert world.repo.offer("poison-offer") is None and world.repo.need("poison-need") is None
    assert world.repo.need("poison-date") is None

    world.stop_part(world.first)
    world.start(name="restarted")
    publish_offers(world, ("a", SNUG))
    world.send("need.published", need_data("n1"))
    world.wait_for("n1", {"a": "proposed"})


def test_a_stored_document_that_cannot_be_read_is_left_out_of_the_index_and_named(world):
    world.repo.db.offers.insert_one({"_id": "garbled", "id": "garbled", "status": "open", "version": 1,
                                     "availability": "every day"})
    world.repo.upsert_offer(offer_data("a", **SNUG))
    matching = Matching(world.repo, world.config, world.clock)
    matching.rebuild()
    assert matching.unreadable == ["garbled"]
    assert matching.offers.get("a") is not None


def test_an_expired_pair_is_asked_again_once_the_volunteer_changed_the_offer_but_a_declined_pair_never(world):
    publish_offers(world, ("a", SNUG), ("b", SNUG))
    world.send("need.published", need_data("n1", volunteers_needed=2))
    matches = world.wait_for("n1", {"a": "proposed", "b": "proposed"})
    declined = next(m for m in matches if m["offer_id"] == "b")
    world.answer(declined["_id"], VOLUNTEER, accepted=False)
    world.clock.advance(hours=49)
    assert world.expire_due() == 1
    wait_until(lambda: ("a", "expired") in _statuses(world, "n1"), timeout=30)
    wait_until(world.drained, timeout=10)
    assert _statuses(world, "n1") == [("a", "expired"), ("b", "declined")]

    world.send("offer.updated", offer_data("a", version=2, availability=[
        {"weekday": 2, "start_time": "17:00", "end_time": "19:30"}]))
    world.send("offer.updated", offer_data("b", version=2, availability=[
        {"weekday": 2, "start_time": "17:00", "end_time": "19:30"}]))
    wait_until(lambda: ("a", "proposed") in _statuses(world, "n1"), timeout=30, message="a asked again")
    wait_until(world.drained, timeout=10)
    assert _statuses(world, "n1") == [("a", "expired"), ("a", "proposed"), ("b", "declined")]


def test_lowering_volunteers_needed_cancels_the_newest_surplus_proposals(world):
    publish_offers(world, ("a", SNUG), ("b", SNUG), ("c", SNUG))
    world.send("need.published", need_data("n1", volunteers_needed=3))
    world.wait_for("n1", {"a": "proposed", "b": "proposed", "c": "proposed"})
    newest = max(world.matches("n1"), key=lambda m: (m["created_at"], m["_id"]))
    world.send("need.updated", need_data("n1", version=2, volunteers_needed=2))
    wait_until(lambda: world.repo.matches.get(newest["_id"])["status"] == "cancelled", timeout=30)
    live = [m for m in world.matches("n1") if m["status"] == "proposed"]
    assert len(live) == 2 and world.repo.matches.get(newest["_id"])["cancel_reason"] == "need_reduced"


def test_the_active_worker_reconciles_between_polls_so_a_slot_freed_without_an_event_is_proposed_again(
        tmp_path, mongo_uri):
    with standins.kafka(tmp_path) as kafka:
        world = MatcherWorld(kafka, mongo_uri, matcher_reconcile_seconds=0.5)
        try:
            publish_offers(world, ("a", SNUG), ("b", {}))
            world.send("need.published", need_data("n1"))
            [match] = world.wait_for("n1", {"a": "proposed"})
            wait_until(world.drained, timeout=10)
            world.repo.db.matches.replace_one({"_id": match["_id"]}, {**match, "status": "expired"})  # no event
            world.wait_for("n1", {"a": "expired", "b": "proposed"})
        finally:
            world.stop()


def test_a_proposal_the_volunteer_no_longer_fits_after_changing_the_offer_is_withdrawn_and_refilled(world):
    publish_offers(world, ("a", SNUG), ("b", {}))
    world.send("need.published", need_data("n1"))
    world.wait_for("n1", {"a": "proposed"})
    world.send("offer.updated", offer_data("a", version=2, districts=["svelvik"], **SNUG))
    [cancelled, _] = world.wait_for("n1", {"a": "cancelled", "b": "proposed"})
    assert world.repo.matches.get(cancelled["_id"])["cancel_reason"] == "offer_changed"


def test_a_proposal_that_no_longer_fits_the_changed_need_is_withdrawn_but_a_confirmed_match_stays(world):
    publish_offers(world, ("a", SNUG), ("b", SNUG))
    world.send("need.published", need_data("n1", volunteers_needed=2))
    matches = world.wait_for("n1", {"a": "proposed", "b": "proposed"})
    confirmed = next(m for m in matches if m["offer_id"] == "a")
    world.answer(confirmed["_id"], VOLUNTEER)
    world.answer(confirmed["_id"], "organisation")
    world.send("need.updated", need_data("n1", version=2, volunteers_needed=2,
                                         requirements={"police_certificate": True, "languages": ["pl"]}))
    world.wait_for("n1", {"a": "confirmed", "b": "cancelled"})
    cancelled = next(m for m in world.matches("n1") if m["offer_id"] == "b")
    assert cancelled["cancel_reason"] == "need_changed"


def test_a_proposal_for_a_single_period_must_be_answered_before_the_period_starts(world):
    publish_offers(world, ("a", {"availability": [{"weekday": 1, "start_time": "08:00", "end_time": "20:00"}]}))
    soon = {"start": "2026-03-02T15:00:00+01:00", "end": "2026-03-02T17:00:00+01:00"}  # the clock says 10:00 Oslo
    world.send("need.published", need_data("n1", schedule=soon))
    [match] = world.wait_for("n1", {"a": "proposed"})
    assert match["expires_at"] == "2026-03-02T14:00:00.000000+00:00"
    world.send("need.published", need_data("too_soon", schedule={"start": "2026-03-02T10:30:00+01:00",
                                                                 "end": "2026-03-02T12:00:00+01:00"}))
    wait_until(lambda: world.handled["matcher"] >= 3, timeout=30, message="the second need handled")
    assert world.matches("too_soon") == []


def test_a_cancellation_decided_on_a_proposal_leaves_it_alone_once_it_was_confirmed_meanwhile(world):
    publish_offers(world, ("a", SNUG))
    world.send("need.published", need_data("n1"))
    [match] = world.wait_for("n1", {"a": "proposed"})
    world.answer(match["_id"], VOLUNTEER)
    world.answer(match["_id"], "organisation")
    matching = Matching(world.repo, world.config, world.clock)
    cancel_match(matching, match["_id"], "need_reduced", only_proposed=True)
    assert world.repo.matches.get(match["_id"])["status"] == "confirmed"
