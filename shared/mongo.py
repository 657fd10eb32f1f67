"""MongoDB client creation and the outbox: a state change and its events saved in one document write."""
from __future__ import annotations

import logging
import threading
from typing import Any, Iterable

from kafka.errors import KafkaError
from pymongo import ASCENDING, MongoClient
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import PyMongoError

from shared.config import Config
from shared.events import Event

log = logging.getLogger(__name__)

Document = dict[str, Any]


WORKER_SELECTION_MS = 3000
API_SELECTION_MS = 1000  # an API answers 503 within about a second while the database is away


def connect(config: Config, db_name: str, selection_timeout_ms: int = WORKER_SELECTION_MS) -> Database:
    """A new client for this process and the service's own database (call after fork, never at import)."""
    client: MongoClient = MongoClient(
        config.mongodb_uri, serverSelectionTimeoutMS=selection_timeout_ms, connectTimeoutMS=3000, tz_aware=True,
    )
    return client[db_name]


class Repository:
    """What every service's repository shares: its own database, and a ping for readiness."""

    def __init__(self, db: Database):
        self.db = db

    def ping(self) -> None:
        """Raise if the database does not answer."""
        self.db.command("ping")


class VersionConflict(Exception):
    """The document changed since it was loaded; load it again and retry."""


def _outbox_entries(events: Iterable[Event]) -> list[Document]:
    return [{"topic": e.topic, "key": e.subject, "value": e.to_json().decode()} for e in events]


class DocumentStore:
    """Whole-document writes with optimistic concurrency; pending events travel in the same write."""

    def __init__(self, collection: Collection):
        self.collection = collection

    def get(self, doc_id: str) -> Document | None:
        """The document with this id, or None."""
        return self.collection.find_one({"_id": doc_id})

    def page(self, query: Document, limit: int, offset: int) -> Document:
        """One page of the matching documents in creation order, with the total count."""
        cursor = self.collection.find(query).sort([("created_at", ASCENDING), ("_id", ASCENDING)])
        items = list(cursor.skip(offset).limit(limit))
        return {"items": items, "total": self.collection.count_documents(query), "limit": limit, "offset": offset}

    def insert(self, doc: Document, events: Iterable[Event] = ()) -> Document:
        """Store a new document with its events."""
        doc = {**doc, "version": 1, "outbox": _outbox_entries(events)}
        doc["outbox_pending"] = len(doc["outbox"])
        self.collection.insert_one(doc)
        return doc

    def save(self, doc: Document, events: Iterable[Event] = ()) -> Document:
        """Replace a loaded document if nobody changed it meanwhile; VersionConflict otherwise."""
        version = doc["version"]
        outbox = list(doc.get("outbox", [])) + _outbox_entries(events)
        new = {**doc, "version": version + 1, "outbox": outbox, "outbox_pending": len(outbox)}
        result = self.collection.replace_one({"_id": doc["_id"], "version": version}, new)
        if result.matched_count != 1:
            raise VersionConflict(f"{self.collection.name}/{doc['_id']} changed since version {version}")
        return new


class OutboxRelay:
    """Publishes pending events from the service's collections to Kafka, then marks them sent."""

    def __init__(self, collections: Iterable[Collection], publisher, interval_seconds: float = 0.2):
        self.collections = list(collections)
        self.publisher = publisher
        self.interval_seconds = interval_seconds
        self.stopping = threading.Event()

    def ensure_indexes(self) -> None:
        """Index the pending count, so that each round reads only documents with events to send."""
        for collection in self.collections:
            collection.create_index("outbox_pending")

    def publish_pending(self) -> int:
        """Publish what is pending once; returns how many events went out."""
        sent = 0
        for collection in self.collections:
            for doc in collection.find({"outbox_pending": {"$gt": 0}}, {"outbox": 1, "version": 1}):
                for entry in doc["outbox"]:
                    self.publisher.send_raw(entry["topic"], entry["key"], entry["value"].encode())
                    sent += 1
                collection.update_one({"_id": doc["_id"], "version": doc["version"]},
                                      {"$set": {"outbox": [], "outbox_pending": 0}})
        return sent

    def run(self) -> None:
        """Relay until stopped; while Kafka or MongoDB is away, keep trying."""
        while not self.stopping.is_set():
            try:
                if self.publish_pending():
                    continue
            except (KafkaError, PyMongoError) as exc:
                log.warning("outbox relay waiting: %s", exc)
                self.stopping.wait(1.0)
            self.stopping.wait(self.interval_seconds)

    def stop(self) -> None:
        """Ask the relay to return."""
        self.stopping.set()


def retrying(operation, attempts: int = 5):
    """Run a load-change-save operation again when another writer got there first."""
    for attempt in range(attempts):
        try:
            return operation()
        except VersionConflict:
            if attempt == attempts - 1:
                raise
