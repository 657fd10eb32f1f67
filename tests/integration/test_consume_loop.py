"""The shared consume loop and outbox relay on a real broker and database."""
from __future__ import annotations

import io
import json
import threading
import time
import uuid
from types import SimpleNamespace

import pytest
from kafka import KafkaConsumer, TopicPartition
from marshmallow import ValidationError
from pymongo import MongoClient
from pymongo.errors import AutoReconnect

from deploy import standins
from shared import logs, tracing
from shared.config import Config
from shared.consume import ConsumeLoop
from shared.events import NEEDS_TOPIC, OFFERS_TOPIC, InvalidEvent, dlq_topic, new_event, parse_event
from shared.kafka import Publisher, Subscription, ensure_topics
from shared.mongo import DocumentStore, OutboxRelay
from tests.conftest import wait_until
from tests.integration.topics import read_now


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
        wait_until(lambda: done == ["fine"] and len(attempts) >= 3, timeout=30)  # on partitions of their own
    finally:
        running.stop()
    assert len(attempts) == 3
    [dead] = _read_all(config, dlq_topic(NEEDS_TOPIC), 1)
    assert b"cannot handle this one" in dict(dead.headers)["error"]
    assert (dict(dead.headers)["error_class"], dict(dead.headers)["attempts"]) == (b"unexpected", b"3")


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


def _committed(config: Config, group: str, topic: str) -> dict[int, int]:
    """The group's committed offsets on the topic, by partition (absent where none was committed)."""
    consumer = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers, group_id=group, enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        offsets = {p: consumer.committed(TopicPartition(topic, p)) for p in partitions}
        return {p: offset for p, offset in offsets.items() if offset is not None}
    finally:
        consumer.close()


class Outage:
    """A handler whose database is away for the first `seconds` after the first call."""

    def __init__(self, seconds: float, error: Exception | None = None):
        self.seconds = seconds
        self.error = error or AutoReconnect("connection refused")
        self.started: float | None = None
        self.failed = 0
        self.handled: list[str] = []

    def __call__(self, event) -> None:
        self.started = self.started or time.monotonic()
        if time.monotonic() - self.started < self.seconds:
            self.failed += 1
            raise self.error
        self.handled.append(event.subject)


def test_an_outage_longer_than_the_old_retry_window_is_waited_out_not_dead_lettered_nor_committed(config):
    group = f"test-{uuid.uuid4()}"
    outage = Outage(8.0)
    Publisher(config).publish(new_event("/test", "offer.published", "o-outage", {}))
    running = Running(ConsumeLoop(config, Subscription(group, {"offer.published": outage}), Publisher(config),
                                  backoff_seconds=0.1, max_backoff_seconds=1.0))
    try:
        wait_until(lambda: outage.started and time.monotonic() - outage.started > 5, timeout=30)
        assert outage.failed >= 4 and outage.handled == []
        assert _committed(config, group, OFFERS_TOPIC) == {}
        wait_until(lambda: outage.handled, timeout=30)
        wait_until(lambda: sum(_committed(config, group, OFFERS_TOPIC).values()) == 1, timeout=10)
    finally:
        running.stop()
    assert outage.handled == ["o-outage"]
    assert read_now(config, dlq_topic(OFFERS_TOPIC)) == []


@pytest.mark.parametrize("error", [InvalidEvent("availability[0] cannot be read"), ValidationError({"x": ["bad"]})],
                         ids=type)
def test_an_event_the_handler_cannot_read_is_dead_lettered_after_one_attempt(config, error):
    group = f"test-{uuid.uuid4()}"
    attempts: list[str] = []
    handled: list[str] = []

    def handler(event) -> None:
        if event.subject == "unreadable":
            attempts.append(event.id)
            raise error
        handled.append(event.subject)

    publisher = Publisher(config)
    publisher.publish(new_event("/test", "need.published", "unreadable", {}))
    publisher.publish(new_event("/test", "need.published", "readable", {}))
    running = Running(ConsumeLoop(config, Subscription(group, {"need.published": handler}), Publisher(config),
                                  attempts=5, backoff_seconds=5.0))
    try:
        wait_until(lambda: handled == ["readable"], timeout=30)
    finally:
        running.stop()
    assert len(attempts) == 1
    [dead] = _read_all(config, dlq_topic(NEEDS_TOPIC), 1)
    headers = dict(dead.headers)
    assert headers["error_class"] == b"permanent" and headers["attempts"] == b"1"
    assert headers["consumer_group"] == group.encode() and headers["origin_topic"] == NEEDS_TOPIC.encode()
    assert type(error).__name__.encode() in headers["error"]
    assert parse_event(dead.value).subject == "unreadable"


def test_the_member_keeps_its_partitions_through_a_hold_longer_than_max_poll_interval(config):
    assignments: list[int] = []
    outage = Outage(1.0)
    Publisher(config).publish(new_event("/test", "offer.published", "o-long-hold", {}))
    subscription = Subscription(f"test-{uuid.uuid4()}", {"offer.published": outage},
                                on_assigned=lambda: assignments.append(1))
    loop = ConsumeLoop(config, subscription, Publisher(config), backoff_seconds=9.0,
                       consumer_settings={"max_poll_interval_ms": 6000})
    running = Running(loop)
    try:
        wait_until(lambda: outage.handled, timeout=40)
    finally:
        running.stop()
    assert outage.failed == 1 and outage.handled == ["o-long-hold"]
    assert len(assignments) == 1


def test_a_record_held_through_a_rebalance_is_handled_by_whoever_has_its_partition_then(config):
    group = f"test-{uuid.uuid4()}"
    outage = Outage(3600.0)
    healthy: list[str] = []
    Publisher(config).publish(new_event("/test", "offer.published", "o-rebalanced", {}))
    stalled = Running(ConsumeLoop(config, Subscription(group, {"offer.published": outage}), Publisher(config),
                                  backoff_seconds=0.2, max_backoff_seconds=1.0))
    wait_until(lambda: outage.failed >= 2, timeout=30)
    other = Running(ConsumeLoop(config, Subscription(group, {"offer.published": lambda e: healthy.append(e.subject)}),
                                Publisher(config)))
    try:
        wait_until(lambda: other.loop.assigned, timeout=30)
        stalled.stop()
        wait_until(lambda: healthy, timeout=30)
    finally:
        stalled.stop()
        other.stop()
    assert healthy == ["o-rebalanced"] and outage.handled == []
    assert read_now(config, dlq_topic(OFFERS_TOPIC)) == []


def test_each_attempt_at_an_event_writes_one_line_with_its_ids_trace_outcome_and_masked_error(config):
    stream, handler = io.StringIO(), logs.json_handler()
    handler.setStream(stream)
    logs.EVENTS.addHandler(handler)
    need_id = str(uuid.uuid4())

    def fail(event) -> None:
        raise RuntimeError("cannot write to kari@example.no")

    with tracing.Span("publishing") as context:
        value = new_event("/test", "need.published", need_id, {"id": need_id}).to_json()
    record = SimpleNamespace(topic=NEEDS_TOPIC, partition=0, offset=7, key=need_id.encode(), value=value)
    try:
        _loop(config, {"need.published": fail}).process(record)
    finally:
        logs.EVENTS.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["outcome"], line.get("attempt")) for line in lines] == [
        ("retrying", 1), ("retrying", 2), ("dead_lettered", 3)]
    assert {(line["need_id"], line["trace_id"], line["offset"], line["event_type"]) for line in lines} == {
        (need_id, context.trace_id, 7, "need.published")}
    assert all(line["error"] == "RuntimeError: cannot write to [email]" for line in lines)
    assert "kari@" not in stream.getvalue() and "Traceback" in lines[0]["exc_info"]
