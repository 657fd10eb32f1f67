"""Topic set-up: dead-letter topics are created, or kept, with a retention, as they hold events' data."""
from __future__ import annotations

import pytest

from shared import kafka
from shared.config import Config
from shared.events import OFFERS_TOPIC


class FakeAdmin:
    """What ensure_topics asks of the broker's admin API, with some topics already there."""

    existing: set[str] = set()
    configured: dict[str, dict[str, dict]] = {}

    def __init__(self, **settings) -> None:
        self.created: dict[str, dict[str, str]] = {}
        self.altered: dict[str, dict[str, str]] = {}
        FakeAdmin.last = self

    def list_topics(self) -> list[str]:
        return sorted(self.existing)

    def create_topics(self, topics) -> None:
        self.created.update({t.name: dict(t.topic_configs) for t in topics})

    def describe_configs(self, resources) -> dict:
        return {"topic": {r.name: self.configured.get(r.name, {}) for r in resources}}

    def alter_configs(self, resources, raise_on_unknown=True) -> None:
        self.altered.update({r.name: dict(r.configs) for r in resources})

    def close(self) -> None:
        pass


@pytest.fixture
def admin(monkeypatch) -> type[FakeAdmin]:
    monkeypatch.setattr(kafka, "KafkaAdminClient", FakeAdmin)
    FakeAdmin.existing, FakeAdmin.configured = set(), {}
    return FakeAdmin


FOURTEEN_DAYS = {"retention.ms": str(14 * 24 * 3600 * 1000)}


def test_a_new_dead_letter_topic_is_created_with_a_retention_and_its_source_topic_without(admin):
    kafka.ensure_topics(Config(), [OFFERS_TOPIC])
    assert admin.last.created == {OFFERS_TOPIC: {}, f"{OFFERS_TOPIC}.dlq": FOURTEEN_DAYS}
    assert admin.last.altered == {}


def test_a_dead_letter_topic_made_before_retention_was_set_is_given_one(admin):
    admin.existing = {OFFERS_TOPIC, f"{OFFERS_TOPIC}.dlq"}
    kafka.ensure_topics(Config(), [OFFERS_TOPIC])
    assert admin.last.created == {}
    assert admin.last.altered == {f"{OFFERS_TOPIC}.dlq": FOURTEEN_DAYS}


def test_a_retention_set_by_hand_on_a_dead_letter_topic_is_left_as_it_is(admin):
    admin.existing = {OFFERS_TOPIC, f"{OFFERS_TOPIC}.dlq"}
    admin.configured = {f"{OFFERS_TOPIC}.dlq": {"retention.ms": {"value": "86400000"}}}
    kafka.ensure_topics(Config(), [OFFERS_TOPIC])
    assert admin.last.altered == {}
