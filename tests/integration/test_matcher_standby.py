"""Two matcher workers on a real broker and database: one consumes while the other stands by, then takes over.

The indexes live in memory, so two workers splitting the events would each match against part of the offers.
"""
from __future__ import annotations

import pytest

from deploy import standins
from tests.conftest import wait_until
from tests.integration.matcher_world import MatcherWorld, need_data, offer_data

SNUG = {"availability": [{"weekday": 2, "start_time": "17:30", "end_time": "19:00"}]}
LOOSE = {"availability": [{"weekday": 2, "start_time": "12:00", "end_time": "22:00"}]}


@pytest.fixture
def world(tmp_path, mongo_uri):
    with standins.kafka(tmp_path) as kafka:
        world = MatcherWorld(kafka, mongo_uri)
        try:
            yield world
        finally:
            world.stop()


def test_one_worker_handles_every_event_while_the_other_stands_by_then_takes_over(world):
    first, second = world.first, world.start(name="second")
    wait_until(lambda: first.assigned is not None and second.assigned is not None
               and sorted((bool(first.assigned), bool(second.assigned))) == [False, True],
               timeout=30, message="one worker to hold every partition and the other none")
    active, standby = (first, second) if first.assigned else (second, first)
    offers = [f"loose{n}" for n in range(7)] + ["snug"]
    for offer_id in offers:
        world.send("offer.published", offer_data(offer_id, **(SNUG if offer_id == "snug" else LOOSE)))
    world.send("need.published", need_data("n1"))
    world.wait_for("n1", {"snug": "proposed"})
    wait_until(world.drained, timeout=10)
    assert world.handled.get("first", 0) + world.handled.get("second", 0) == world.handled["matcher"]
    assert {world.handled.get("first", 0), world.handled.get("second", 0)} == {0, world.handled["matcher"]}

    world.stop_part(active)
    world.send("need.published", need_data("n2"))
    world.wait_for("n2", {"snug": "proposed"})
    assert standby.assigned
