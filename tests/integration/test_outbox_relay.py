"""The outbox relay on a real database: it removes exactly what it sent, and one replica relays at a time."""
from __future__ import annotations

import time
import uuid

import pytest
from pymongo import MongoClient
from pymongo.collection import Collection

from shared.events import Event, new_event, parse_event
from shared.mongo import LEASES, DocumentStore, OutboxRelay, VersionConflict


class RecordingPublisher:
    """Keeps what would have gone to Kafka, as (topic, key, event)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, Event]] = []

    def send_raw(self, topic: str, key: str, value: bytes, headers=None) -> None:
        self.sent.append((topic, key, parse_event(value)))

    def types(self) -> list[str]:
        return [event.type for _, _, event in self.sent]


@pytest.fixture
def collection(mongo_uri) -> Collection:
    client = MongoClient(mongo_uri, serverSelectionTimeoutMS=3000)
    yield client[f"outbox_{uuid.uuid4().hex[:8]}"].things
    client.close()


def _event(type_: str, n: int) -> Event:
    return new_event("/test", type_, "n1", {"n": n})


def test_a_save_from_a_copy_loaded_before_the_relay_ran_does_not_send_its_events_again(collection):
    store, publisher = DocumentStore(collection), RecordingPublisher()
    stale = store.insert({"_id": "n1", "title": "first"}, [_event("need.published", 1)])
    OutboxRelay([collection], publisher).publish_pending()

    store.save({**stale, "title": "second"}, [_event("need.updated", 2)])
    OutboxRelay([collection], publisher).publish_pending()

    assert publisher.types() == ["need.published", "need.updated"]
    assert collection.find_one({"_id": "n1"})["title"] == "second"


def test_a_save_between_publishing_and_clearing_keeps_its_new_event_and_the_sent_one_is_not_sent_again(collection):
    store = DocumentStore(collection)
    store.insert({"_id": "n1"}, [_event("need.published", 1)])

    class SavesWhilePublishing(RecordingPublisher):
        def send_raw(self, topic, key, value, headers=None) -> None:
            super().send_raw(topic, key, value, headers)
            if len(self.sent) == 1:
                store.save(store.get("n1"), [_event("need.updated", 2)])

    publisher = SavesWhilePublishing()
    relay = OutboxRelay([collection], publisher)
    relay.publish_pending()
    stored = collection.find_one({"_id": "n1"})
    assert [parse_event(e["value"]).type for e in stored["outbox"]] == ["need.updated"]
    assert stored["outbox_pending"] == 1 and stored["version"] == 2

    relay.publish_pending()
    assert publisher.types() == ["need.published", "need.updated"]
    assert collection.find_one({"_id": "n1"})["outbox"] == []


def test_a_save_from_a_copy_another_writer_changed_is_still_a_version_conflict(collection):
    store = DocumentStore(collection)
    loaded = store.insert({"_id": "n1"}, [_event("need.published", 1)])
    store.save(loaded, [_event("need.updated", 2)])
    with pytest.raises(VersionConflict):
        store.save(loaded, [_event("need.updated", 3)])


def test_one_replica_relays_a_collection_while_its_lease_holds_and_another_takes_over_when_it_lapses(collection):
    store = DocumentStore(collection)
    first, second = RecordingPublisher(), RecordingPublisher()
    holder = OutboxRelay([collection], first, owner="replica-a", lease_seconds=2.0)
    other = OutboxRelay([collection], second, owner="replica-b", lease_seconds=2.0)
    store.insert({"_id": "n1"}, [_event("need.published", 1)])
    assert holder.publish_pending() == 1

    store.insert({"_id": "n2"}, [_event("need.published", 2)])
    assert other.publish_pending() == 0
    assert collection.database[LEASES].find_one({"_id": collection.name})["owner"] == "replica-a"

    time.sleep(2.2)
    assert other.publish_pending() == 1
    assert holder.publish_pending() == 0
    assert len(first.sent) == 1 and len(second.sent) == 1


def test_a_relay_that_stops_releases_its_lease_so_another_takes_over_at_once(collection):
    store = DocumentStore(collection)
    holder = OutboxRelay([collection], RecordingPublisher(), owner="replica-a", lease_seconds=60.0)
    other_publisher = RecordingPublisher()
    other = OutboxRelay([collection], other_publisher, owner="replica-b", lease_seconds=60.0)
    assert holder.claim(collection)
    holder.stop()
    holder.run()

    store.insert({"_id": "n1"}, [_event("need.published", 1)])
    assert other.publish_pending() == 1 and other_publisher.types() == ["need.published"]
