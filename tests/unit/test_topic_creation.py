"""The topics a service creates when they are missing: partitions, replicas, the dead letters' retention."""
from __future__ import annotations

import pytest

from shared import kafka
from shared.config import Config
from shared.events import ALL_TOPICS, dlq_topic


class Admin:
    """Kafka's admin client as far as ensure_topics uses it, on a cluster that has no topics yet."""

    created: list = []

    def __init__(self, **settings) -> None:
        Admin.created = []

    def list_topics(self) -> list[str]:
        return []

    def create_topics(self, topics) -> None:
        Admin.created.extend(topics)

    def close(self) -> None:
        pass


@pytest.mark.parametrize("replicas", [1, 3])
def test_missing_topics_get_the_configured_replicas(monkeypatch, replicas):
    monkeypatch.setattr(kafka, "KafkaAdminClient", Admin)
    kafka.ensure_topics(Config(kafka_replication_factor=replicas))
    made = {topic.name: topic for topic in Admin.created}
    assert set(made) == {*ALL_TOPICS, *map(dlq_topic, ALL_TOPICS)}
    assert {(topic.num_partitions, topic.replication_factor) for topic in made.values()} == {(kafka.PARTITIONS,
                                                                                               replicas)}
    assert all(made[dlq_topic(topic)].topic_configs["retention.ms"] for topic in ALL_TOPICS)
