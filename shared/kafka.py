"""The Kafka publisher, topic set-up and the one consume loop every service uses."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from kafka import (ConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer, KafkaProducer, OffsetAndMetadata,
                   TopicPartition)
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.coordinator.assignors.abstract import (AbstractPartitionAssignor, ConsumerProtocolAssignment,
                                                  ConsumerProtocolSubscription)
from kafka.errors import KafkaError, TopicAlreadyExistsError

from shared.config import Config
from shared.events import ALL_TOPICS, TOPIC_OF_TYPE, Event, dlq_topic, parse_event
from shared.failures import Failure, backoff, classify
from shared.worker_health import Stall

log = logging.getLogger(__name__)

Handler = Callable[[Event], None]
PARTITIONS = 4


DEAD_LETTER_RETENTION_MS = 14 * 24 * 3600 * 1000  # dead letters carry what their events carry (an offer's birth year)


def _dead_letter_configs() -> dict[str, str]:
    return {"retention.ms": str(DEAD_LETTER_RETENTION_MS)}


def ensure_topics(config: Config, topics: Iterable[str] = ALL_TOPICS) -> None:
    """Create the topics and their dead-letter topics if they do not exist yet; dead-letter topics are kept
    for DEAD_LETTER_RETENTION_MS, also when they were created before that was set."""
    admin = KafkaAdminClient(bootstrap_servers=config.kafka_bootstrap_servers, request_timeout_ms=10000)
    try:
        existing = set(admin.list_topics())
        for topic in topics:
            if topic not in existing:
                _create(admin, NewTopic(topic, PARTITIONS, 1))
            if dlq_topic(topic) not in existing:
                _create(admin, NewTopic(dlq_topic(topic), PARTITIONS, 1, topic_configs=_dead_letter_configs()))
        _keep_dead_letters_limited(admin, [dlq_topic(t) for t in topics if dlq_topic(t) in existing])
    finally:
        admin.close()


def _create(admin: KafkaAdminClient, topic: NewTopic) -> None:
    try:
        admin.create_topics([topic])
    except TopicAlreadyExistsError:
        pass


def _keep_dead_letters_limited(admin: KafkaAdminClient, names: list[str]) -> None:
    """Give dead-letter topics made without a retention ours (one set by hand is left as it is)."""
    if not names:
        return
    try:
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in names])
        configured = described.get("topic", {})
        unlimited = [name for name in names if "retention.ms" not in configured.get(name, {})]
        if unlimited:
            admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs=_dead_letter_configs())
                                 for name in unlimited], raise_on_unknown=False)
    except (KafkaError, ValueError) as exc:
        log.warning("could not set the retention of %s: %s", ", ".join(names), exc)


class Publisher:
    """Sends events keyed by their subject and waits for the broker's acknowledgement."""

    def __init__(self, config: Config):
        self._config = config
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()

    def _client(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(
                bootstrap_servers=self._config.kafka_bootstrap_servers,
                acks="all",
                enable_idempotence=self._config.kafka_idempotent_producer,
                retries=3,
                request_timeout_ms=10000,
                max_block_ms=10000,
            )
        return self._producer

    def send_raw(self, topic: str, key: str, value: bytes, headers: list[tuple[str, bytes]] | None = None) -> None:
        """Send one message and wait for it; on failure the producer is rebuilt and the error raised."""
        with self._lock:
            try:
                self._client().send(topic, key=key.encode(), value=value, headers=headers or []).get(timeout=15)
            except KafkaError:
                self._reset()
                raise

    def publish(self, event: Event) -> None:
        """Send one event to its topic."""
        self.send_raw(event.topic, event.subject, event.to_json())

    def _reset(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                producer.close(timeout=1)
            except KafkaError:
                log.warning("closing a failed producer raised", exc_info=True)

    def close(self) -> None:
        """Flush and close the producer."""
        with self._lock:
            if self._producer is not None:
                self._producer.close(timeout=5)
                self._producer = None


@dataclass(frozen=True)
class Subscription:
    """Which topics a consumer group reads and which handler takes each event type.

    With single_active, one member of the group consumes every partition while the others stand by (see
    SingleActiveAssignor); on_assigned then runs in the consuming thread, before the next event is handled,
    each time this member is handed the partitions. on_idle runs in the consuming thread too, between polls, every
    idle_every_seconds while this member holds partitions (a standby never runs it), so it never races a handler.
    """

    group_id: str
    handlers: Mapping[str, Handler]
    single_active: bool = False
    on_assigned: Callable[[], None] | None = None
    on_idle: Callable[[], object] | None = None
    idle_every_seconds: float = 60.0

    @property
    def topics(self) -> list[str]:
        """The topics that carry the handled event types."""
        return sorted({TOPIC_OF_TYPE[t] for t in self.handlers})


class SingleActiveAssignor(AbstractPartitionAssignor):
    """Every partition of the subscribed topics goes to one member of the group, the first by member id.

    For a worker that keeps state in memory: a second replica stands by and takes over when the first leaves
    or dies, instead of splitting the events between two partial copies of that state.
    """

    name = "single-active"
    version = 0

    @classmethod
    def assign(cls, cluster, members):
        """All partitions to the first member, none to the others."""
        active = min(member.member_id for member in members)
        topics = sorted({topic for member in members for topic in member.metadata.topics})
        everything = [(topic, sorted(cluster.partitions_for_topic(topic) or ())) for topic in topics]
        return {member.member_id: ConsumerProtocolAssignment(cls.version,
                                                             everything if member.member_id == active else [], b"")
                for member in members}

    @classmethod
    def metadata(cls, topics):
        """What this member subscribes to."""
        return ConsumerProtocolSubscription(cls.version, sorted(topics), b"")

    @classmethod
    def on_assignment(cls, assignment, generation):
        """Nothing to remember."""


class _Assignments(ConsumerRebalanceListener):
    """This member's partitions (None while it joins the group), and whether it was just handed some: the
    consume loop acts on that outside the consumer's I/O."""

    def __init__(self) -> None:
        self.current: frozenset[TopicPartition] | None = None
        self.fresh = threading.Event()

    def on_partitions_revoked(self, revoked) -> None:
        """Nothing to hand over, as offsets are committed after each event; just note the rejoining."""
        self.current = None

    def on_partitions_assigned(self, assigned) -> None:
        self.current = frozenset(assigned)
        if assigned:
            self.fresh.set()


def _consumer(config: Config, subscription: Subscription, listener: ConsumerRebalanceListener,
              settings: Mapping[str, object]) -> KafkaConsumer:
    strategy = {"partition_assignment_strategy": (SingleActiveAssignor,)} if subscription.single_active else {}
    options = dict(enable_auto_commit=False, auto_offset_reset="earliest", session_timeout_ms=6000,
                   heartbeat_interval_ms=1500, max_poll_records=100, **strategy)
    consumer = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers, group_id=subscription.group_id,
                             **{**options, **settings})
    consumer.subscribe(subscription.topics, listener=listener)
    return consumer


class ConsumeLoop:
    """Poll, dispatch, commit after success.

    A transient failure (see shared.failures) holds the partitions: paused, rewound to the failed record, nothing
    committed, polled all the while so the member keeps its place in the group, and tried again after a backoff
    that doubles up to max_backoff_seconds, for as long as it takes. A permanent failure goes to the dead-letter
    topic at once; an unexpected one after `attempts` tries. `stall` says since when the loop has made no progress.
    """

    def __init__(self, config: Config, subscription: Subscription, publisher: Publisher,
                 attempts: int = 3, backoff_seconds: float = 0.2, max_backoff_seconds: float = 30.0,
                 consumer_settings: Mapping[str, object] | None = None):
        self.config = config
        self.subscription = subscription
        self.publisher = publisher
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.consumer_settings = dict(consumer_settings or {})
        self.stopping = threading.Event()
        self.stall = Stall()
        self._assignments = _Assignments()
        self._failed: tuple[tuple[str, int, int], int] | None = None  # the record being retried, failed attempts
        self._idle_due = 0.0  # when on_idle runs next (monotonic seconds); at once after each new assignment

    @property
    def assigned(self) -> frozenset[TopicPartition] | None:
        """The partitions this member consumes now (empty while it stands by), or None while it joins."""
        return self._assignments.current

    def stop(self) -> None:
        """Ask the loop to finish the current message and return."""
        self.stopping.set()

    def run(self) -> None:
        """Consume until stopped; a lost broker connection rebuilds the consumer and goes on."""
        while not self.stopping.is_set():
            try:
                self._run_once()
            except KafkaError as exc:
                self.stall.failing(f"broker unavailable: {exc}")
                log.warning("consumer lost the broker (%s); reconnecting", exc)
                self.stopping.wait(1.0)

    def _run_once(self) -> None:
        self._assignments = assignments = _Assignments()
        consumer = _consumer(self.config, self.subscription, assignments, self.consumer_settings)
        log.info("consuming %s as group %s", self.subscription.topics, self.subscription.group_id)
        try:
            while not self.stopping.is_set():
                batches = consumer.poll(timeout_ms=500)
                if assignments.fresh.is_set():
                    assignments.fresh.clear()
                    self._failed = None
                    self._idle_due = 0.0
                    if not self._prepared_for_assignment():
                        return
                if assignments.current is None:
                    self.stall.waiting("not yet a member of the consumer group")
                elif self._failed is None:
                    self.stall.progressed()
                wait = self._consume(consumer, batches)
                if wait is not None:
                    self._hold(consumer, wait)
                elif assignments.current:
                    self._idle()
        finally:
            consumer.close(autocommit=False)

    def _idle(self) -> None:
        """Run the subscription's on_idle when it is due; a failing round is logged and tried at the next."""
        task = self.subscription.on_idle
        if task is None or time.monotonic() < self._idle_due:
            return
        self._idle_due = time.monotonic() + self.subscription.idle_every_seconds
        try:
            task()
        except Exception:  # a periodic repair must not stop the consuming; the next round tries again
            log.exception("the periodic task between polls failed; it runs again in %.0f s",
                          self.subscription.idle_every_seconds)

    def _prepared_for_assignment(self) -> bool:
        """Run the subscription's on_assigned; False (after a pause) when it failed, so the member rejoins."""
        if self.subscription.on_assigned is None:
            return True
        try:
            self.subscription.on_assigned()
            return True
        except Exception as exc:  # stale state must not handle events: leave the group and join again
            self.stall.failing(f"cannot prepare for the assigned partitions: {type(exc).__name__}: {exc}")
            log.exception("preparing for the assigned partitions failed; rejoining the group")
            self.stopping.wait(1.0)
            return False

    def _consume(self, consumer: KafkaConsumer, batches) -> float | None:
        """Handle and commit each record in turn; when one is to be tried again, rewind every partition of the
        batch to its first unhandled record and return how long to hold off."""
        pending = list(batches.items())
        for index, (tp, records) in enumerate(pending):
            for record in records:
                if self.stopping.is_set():
                    return None
                wait = self.attempt(record)
                if wait is not None:
                    consumer.seek(tp, record.offset)
                    for later, later_records in pending[index + 1:]:
                        consumer.seek(later, later_records[0].offset)
                    return wait
                consumer.commit({tp: OffsetAndMetadata(record.offset + 1, None, -1)})
        return None

    def _hold(self, consumer: KafkaConsumer, seconds: float) -> None:
        """Wait with every partition paused, polling so the group keeps this member, until the time is up, the
        loop stops or the assignment changes (a new assignment is prepared first, as always)."""
        consumer.pause(*consumer.assignment())
        deadline = time.monotonic() + seconds
        try:
            while not self.stopping.is_set() and not self._assignments.fresh.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                for tp, records in consumer.poll(timeout_ms=max(1, int(min(remaining, 0.5) * 1000))).items():
                    consumer.seek(tp, records[0].offset)  # assigned meanwhile: read again once prepared
        finally:
            consumer.resume(*consumer.paused())

    def process(self, record) -> None:
        """Handle one record to the end outside a consumer: try again while it should be, else dead-letter."""
        while (wait := self.attempt(record)) is not None and not self.stopping.wait(wait):
            pass

    def attempt(self, record) -> float | None:
        """Try one record once: None when it is done with (handled, not ours, or dead-lettered), else the
        seconds to wait before trying it again."""
        try:
            event = parse_event(record.value)
            handler = self.subscription.handlers.get(event.type)
            if handler is not None:
                handler(event)
        except Exception as exc:  # whatever a handler raises is classified, never allowed to stop the loop
            return self._failed_attempt(record, exc)
        self._failed = None
        self.stall.progressed()
        return None

    def _failed_attempt(self, record, error: Exception) -> float | None:
        key = (record.topic, record.partition, record.offset)
        attempts = self._failed[1] + 1 if self._failed and self._failed[0] == key else 1
        failure = classify(error)
        if failure is Failure.PERMANENT or (failure is Failure.UNEXPECTED and attempts >= self.attempts):
            try:
                self.dead_letter(record, error, attempts)
            except KafkaError as exc:  # the dead-letter topic is out of reach too: keep the record for later
                failure, error = Failure.TRANSIENT, exc
            else:
                self._failed = None
                self.stall.progressed()
                return None
        self._failed = (key, attempts)
        wait = backoff(attempts, self.backoff_seconds, self.max_backoff_seconds)
        if failure is Failure.TRANSIENT:
            self.stall.failing(f"{record.topic}[{record.partition}]@{record.offset}: {type(error).__name__}: {error}")
        log.warning("%s failure on %s[%d]@%d (attempt %d), trying again in %.1f s: %s", failure.value, record.topic,
                    record.partition, record.offset, attempts, wait, error)
        return wait

    def dead_letter(self, record, error: Exception, attempts: int = 1) -> None:
        """Send the original message to <topic>.dlq with the error, its class and its origin in headers."""
        headers = [
            ("error", f"{type(error).__name__}: {error}"[:1000].encode()),
            ("error_class", Failure.PERMANENT.value.encode()),
            ("attempts", str(attempts).encode()),
            ("origin_topic", record.topic.encode()),
            ("origin_partition", str(record.partition).encode()),
            ("origin_offset", str(record.offset).encode()),
            ("consumer_group", self.subscription.group_id.encode()),
        ]
        key = record.key.decode(errors="replace") if record.key else ""
        log.error("dead-lettering %s[%d]@%d: %s", record.topic, record.partition, record.offset, error)
        self.publisher.send_raw(dlq_topic(record.topic), key, record.value or b"", headers)
