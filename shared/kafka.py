"""The Kafka publisher, topic set-up, and what a consumer subscribes to (the loop itself is shared.consume)."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.coordinator.assignors.abstract import (AbstractPartitionAssignor, ConsumerProtocolAssignment,
                                                  ConsumerProtocolSubscription)
from kafka.errors import KafkaError, TopicAlreadyExistsError

from shared.config import Config
from shared.events import ALL_TOPICS, TOPIC_OF_TYPE, Event, dlq_topic

log = logging.getLogger(__name__)

Handler = Callable[[Event], None]
PARTITIONS = 4


DEAD_LETTER_RETENTION_MS = 14 * 24 * 3600 * 1000  # dead letters carry what their events carry (an offer's birth year)


def _dead_letter_configs() -> dict[str, str]:
    return {"retention.ms": str(DEAD_LETTER_RETENTION_MS)}


def ensure_topics(config: Config, topics: Iterable[str] = ALL_TOPICS) -> None:
    """Create the topics and their dead-letter topics if they do not exist yet (KAFKA_REPLICATION_FACTOR replicas
    each, for a cluster whose topic operator has not made them yet); dead-letter topics are kept
    for DEAD_LETTER_RETENTION_MS, also when they were created before that was set."""
    admin = KafkaAdminClient(bootstrap_servers=config.kafka_bootstrap_servers, request_timeout_ms=10000)
    replicas = config.kafka_replication_factor
    try:
        existing = set(admin.list_topics())
        for topic in topics:
            if topic not in existing:
                _create(admin, NewTopic(topic, PARTITIONS, replicas))
            if dlq_topic(topic) not in existing:
                _create(admin, NewTopic(dlq_topic(topic), PARTITIONS, replicas, topic_configs=_dead_letter_configs()))
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
    on_released runs there when the partitions this member held go to another member (it now stands by).
    """

    group_id: str
    handlers: Mapping[str, Handler]
    single_active: bool = False
    on_assigned: Callable[[], None] | None = None
    on_idle: Callable[[], object] | None = None
    idle_every_seconds: float = 60.0
    on_released: Callable[[], None] | None = None

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
