"""The shared consume loop and outbox relay on a real broker and database."""
from __future__ import annotations

import threading
import uuid

import pytest
from kafka import KafkaConsumer
from pymongo import MongoClient

from deploy import standins
from shared.config import Config
from shared.events import NEEDS_TOPIC, OFFERS_TOPIC, dlq_topic, new_event, parse_event
from shared.kafka import ConsumeLoop, Publisher, Subscription, ensure_topics
from shared.mongo import DocumentStore, OutboxRelay
from tests.conftest import wait_until


@pytest.fixture
def broker(tmp_path):
    """A broker of its own: these tests read whole topics."""
    with standins.kafka(tmp_path) as address:
        yield address


@pytest.fixture
def config(broker, mongo_uri) -> Config:
    config = Config(kafka_bootstrap_servers=broker, mongodb_uri=mongo_uri, testing=True)
    ensure_topics(config)
    return config


def _read_all(config: Config, topic: str, expected: int) -> list:
    consumer = KafkaConsumer(topic, bootstrap_servers=config.kafka_bootstrap_servers, auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=2000)
    records: list = []
    try:
        wait_until(lambda: records.extend(consumer) or len(records) >= expected, timeout=20)
    finally:
        consumer.close()
    return records


class Running:
    """A consume loop on its own thread."""

    def __init__(self, loop: ConsumeLoop):
        self.loop = loop
        self.thread = threading.Thread(target=loop.run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.loop.stop()
        self.thread.join(timeout=15)


def _loop(config: Config, handlers, group: str | None = None) -> ConsumeLoop:
    return ConsumeLoop(config, Subscription(group or f"test-{uuid.uuid4()}", handlers), Publisher(config),
                       attempts=3, backoff_seconds=0.01)


def test_handled_events_arrive_in_order_per_key(config):
    seen: list[int] = []
    publisher = Publisher(config)
    for n in range(5):
        publisher.publish(new_event("/test", "offer.updated", "offer-1", {"n": n}))
    running = Running(_loop(config, {"offer.updated": lambda e: seen.append(e.data["n"])}))
    try:
        wait_until(lambda: len(seen) == 5, timeout=30)
    finally:
        running.stop()
    assert seen == [0, 1, 2, 3, 4]


def test_malformed_message_goes_to_dead_letter_topic_with_its_origin_and_the_loop_goes_on(config):
    seen: list[str] = []
    publisher = Publisher(config)
    publisher.send_raw(OFFERS_TOPIC, "bad", b"{not json")
    publisher.publish(new_event("/test", "offer.published", "good", {}))
    running = Running(_loop(config, {"offer.published": lambda e: seen.append(e.subject)}))
    try:
        wait_until(lambda: seen == ["good"], timeout=30)
    finally:
        running.stop()
    [dead] = _read_all(config, dlq_topic(OFFERS_TOPIC), 1)
    headers = dict(dead.headers)
    assert dead.value == b"{not json"
    assert headers["origin_topic"] == OFFERS_TOPIC.encode()
    assert {"origin_partition", "origin_offset", "error"} <= set(headers)
    assert b"CloudEvents" in headers["error"]


def test_failing_handler_is_retried_a_bounded_number_of_times_then_dead_lettered(config):
    attempts: list[str] = []
    done: list[str] = []

    def handler(event):
        if event.subject == "poison":
            attempts.append(event.id)
            raise RuntimeError("cannot handle this one")
        done.append(event.subject)

    publisher = Publisher(config)
    publisher.publish(new_event("/test", "need.published", "poison", {}))
    publisher.publish(new_event("/test", "need.published", "fine", {}))
    running = Running(_loop(config, {"need.published": handler}))
    try:
        wait_until(lambda: done == ["fine"], timeout=30)
    finally:
        running.stop()
    assert len(attempts) == 3
    [dead] = _read_all(config, dlq_topic(NEEDS_TOPIC), 1)
    assert b"cannot handle this one" in dict(dead.headers)["error"]


class Crash(BaseException):
    """A process dying in the middle of a handler (not an error the loop may catch and retry)."""


# The crash ends the loop's thread with an exception on purpose.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_message_whose_handler_never_finished_is_delivered_again_after_a_restart(config):
    seen: list[int] = []
    group = f"test-{uuid.uuid4()}"
    publisher = Publisher(config)
    for n in range(4):
        publisher.publish(new_event("/test", "offer.updated", "offer-2", {"n": n}))

    def crashes_on_two(event) -> None:
        seen.append(event.data["n"])
        if event.data["n"] == 2:
            raise Crash()

    crashed = Running(_loop(config, {"offer.updated": crashes_on_two}, group))
    crashed.thread.join(timeout=30)
    assert seen == [0, 1, 2]
    running = Running(_loop(config, {"offer.updated": lambda e: seen.append(e.data["n"])}, group))
    try:
        wait_until(lambda: len(seen) >= 5, timeout=30)
    finally:
        running.stop()
    assert seen == [0, 1, 2, 2, 3]


def test_outbox_relay_publishes_pending_events_once_and_marks_them_sent(config, mongo_uri):
    collection = MongoClient(mongo_uri)[f"outbox_{uuid.uuid4().hex[:8]}"].things
    store = DocumentStore(collection)
    doc = store.insert({"_id": "n1"}, [new_event("/test", "need.published", "n1", {"v": 1})])
    store.save(doc, [new_event("/test", "need.updated", "n1", {"v": 2})])
    relay = OutboxRelay([collection], Publisher(config))
    assert relay.publish_pending() == 2
    assert relay.publish_pending() == 0
    assert collection.find_one({"_id": "n1"})["outbox"] == []
    records = _read_all(config, NEEDS_TOPIC, 2)
    assert [r.key for r in records] == [b"n1", b"n1"]
    assert [parse_event(r.value).type for r in records] == ["need.published", "need.updated"]


def test_no_event_is_handled_before_the_member_has_prepared_for_its_partitions(config):
    steps: list[str] = []

    def prepare() -> None:
        steps.append("prepare")
        if steps.count("prepare") == 1:
            raise RuntimeError("the read model is not reachable yet")

    Publisher(config).publish(new_event("/test", "offer.published", "o1", {}))
    subscription = Subscription(f"test-{uuid.uuid4()}", {"offer.published": lambda e: steps.append(e.subject)},
                                single_active=True, on_assigned=prepare)
    running = Running(ConsumeLoop(config, subscription, Publisher(config), backoff_seconds=0.01))
    try:
        wait_until(lambda: "o1" in steps, timeout=30)
    finally:
        running.stop()
    assert steps == ["prepare", "prepare", "o1"]
