"""MongoDB client creation and the outbox: a state change and its events saved in one document write."""
from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
import time
from functools import lru_cache
from datetime import datetime
from typing import Any, Iterable
from uuid import uuid4

from kafka.errors import KafkaError
from pymongo import ASCENDING, DESCENDING, MongoClient, ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from shared import metrics
from shared.config import Config
from shared.events import Event
from shared.worker_health import Stall

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


def equal_ignoring_case(value: str) -> Document:
    """A filter matching a string field equal to value in any case (e-mail addresses as people type them)."""
    return {"$regex": f"^{re.escape(value.strip())}$", "$options": "i"}


class VersionConflict(Exception):
    """The document changed since it was loaded; load it again and retry."""


def _outbox_entries(events: Iterable[Event]) -> list[Document]:
    return [{"id": e.id, "topic": e.topic, "key": e.subject, "type": e.type, "time": e.time,
             "value": e.to_json().decode()} for e in events]


def _entry_id(entry: Document) -> str:
    """An outbox entry's identity: its event id (entries written before ids were kept: the event itself)."""
    return entry.get("id") or entry["value"]


def _with_outbox(doc: Document, outbox: list[Document]) -> Document:
    """The document with this outbox, its pending count, and since when its oldest entry waits ("" for none)."""
    return {**doc, "outbox": outbox, "outbox_pending": len(outbox),
            "outbox_since": _entry_attribute(outbox[0], "time") if outbox else ""}


def _entry_attribute(entry: Document, name: str) -> str:
    """An outbox entry's event type or time (from the event itself in entries written before they were kept)."""
    if name in entry:
        return entry[name]
    try:
        return str(json.loads(entry["value"]).get(name) or "")
    except (ValueError, AttributeError):
        return ""


def _age_seconds(waiting: list[Document], now: float) -> float:
    """How long the oldest pending event of these documents has waited (0 for none; a document saved before
    `outbox_since` was kept is left out)."""
    times = []
    for doc in waiting:
        try:
            times.append(datetime.fromisoformat(doc.get("outbox_since") or "").timestamp())
        except ValueError:
            continue
    return max(0.0, now - min(times)) if times else 0.0


class DocumentStore:
    """Whole-document writes with optimistic concurrency; pending events travel in the same write.

    `version` counts the document's own changes. The outbox relay only ever removes sent entries from `outbox`
    and lowers `outbox_pending`, without touching `version`, so a save guards on both: a save from a copy loaded
    before the relay's clear keeps just the entries still pending (never republishing a sent one) and adds its own.
    `outbox_since` is when the oldest pending event was made, so the relay can say how long it has waited.
    """

    def __init__(self, collection: Collection):
        self.collection = collection

    def get(self, doc_id: str) -> Document | None:
        """The document with this id, or None."""
        return self.collection.find_one({"_id": doc_id})

    def page(self, query: Document, limit: int, offset: int, newest_first: bool = False) -> Document:
        """One page of the matching documents in creation order (or newest first), with the total count."""
        order = DESCENDING if newest_first else ASCENDING
        cursor = self.collection.find(query).sort([("created_at", order), ("_id", order)])
        items = list(cursor.skip(offset).limit(limit))
        return {"items": items, "total": self.collection.count_documents(query), "limit": limit, "offset": offset}

    def insert(self, doc: Document, events: Iterable[Event] = ()) -> Document:
        """Store a new document with its events."""
        doc = _with_outbox({**doc, "version": 1}, _outbox_entries(events))
        self.collection.insert_one(doc)
        return doc

    def save(self, doc: Document, events: Iterable[Event] = ()) -> Document:
        """Replace a loaded document if nobody changed it meanwhile; VersionConflict otherwise."""
        version = doc["version"]
        loaded = list(doc.get("outbox", []))
        pending = doc.get("outbox_pending", len(loaded))
        added = _outbox_entries(events)
        for _ in range(5):
            new = _with_outbox({**doc, "version": version + 1}, loaded + added)
            if self.collection.replace_one({"_id": doc["_id"], "version": version, "outbox_pending": pending},
                                           new).matched_count == 1:
                return new
            current = self.collection.find_one({"_id": doc["_id"]}, {"version": 1, "outbox": 1, "outbox_pending": 1})
            if current is None or current["version"] != version:
                break
            still_pending = {_entry_id(entry) for entry in current.get("outbox", [])}
            loaded = [entry for entry in loaded if _entry_id(entry) in still_pending]
            pending = current.get("outbox_pending")
        raise VersionConflict(f"{self.collection.name}/{doc['_id']} changed since version {version}")


LEASES = "outbox_leases"


@lru_cache(maxsize=None)
def _replica_id(pid: int) -> str:
    """This process among the replicas: host, process id and a random part (hosts and pids repeat in containers)."""
    return f"{socket.gethostname()}:{pid}:{uuid4().hex[:8]}"


class OutboxRelay:
    """Publishes pending events from the service's collections to Kafka, then removes exactly those it sent.

    Each collection is relayed by one replica at a time: a round first takes the collection's lease (a document in
    `outbox_leases` with an owner and an expiry), and another replica takes over once a lease has lapsed. The
    owner is the process, so relays within one process share a lease. The holder says what waits in each
    collection's outbox and counts the match events it publishes (shared.metrics).
    """

    def __init__(self, collections: Iterable[Collection], publisher, interval_seconds: float = 0.2,
                 owner: str | None = None, lease_seconds: float = 10.0):
        self.collections = list(collections)
        self.publisher = publisher
        self.interval_seconds = interval_seconds
        self.owner = owner or _replica_id(os.getpid())
        self.lease_seconds = lease_seconds
        self.stopping = threading.Event()
        self.stall = Stall()
        self._renew_after: dict[str, float] = {}  # by collection: when the lease this relay holds needs renewing
        self._gauged: set[str] = set()  # the collections whose backlog this relay reports

    def ensure_indexes(self) -> None:
        """Index the pending count, so that each round reads only documents with events to send."""
        for collection in self.collections:
            collection.create_index("outbox_pending")

    def claim(self, collection: Collection) -> bool:
        """Take or renew this collection's lease (renewed once half of it has passed); False while another
        replica holds it."""
        if time.monotonic() < self._renew_after.get(collection.name, 0.0):
            return True
        now = time.time()
        try:
            lease = collection.database[LEASES].find_one_and_update(
                {"_id": collection.name, "$or": [{"owner": self.owner}, {"expires": {"$lt": now}}]},
                {"$set": {"owner": self.owner, "expires": now + self.lease_seconds}},
                upsert=True, return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:  # the lease exists and is another replica's (nx-27017 answers None instead)
            return False
        if lease is None or lease["owner"] != self.owner:
            return False
        self._renew_after[collection.name] = time.monotonic() + self.lease_seconds / 2
        return True

    def release(self) -> None:
        """Give up the leases this relay holds, so another replica takes over at once."""
        self._renew_after.clear()
        for collection in self.collections:
            collection.database[LEASES].update_one({"_id": collection.name, "owner": self.owner},
                                                   {"$set": {"expires": 0}})

    def publish_pending(self) -> int:
        """Publish what is pending once where this relay holds the lease; returns how many events went out. The
        backlog gauges say what each round finds waiting (nothing, in the round after one that sent it all)."""
        sent = 0
        for collection in self.collections:
            if not self.claim(collection):
                self._ungauge(collection)  # the replica holding the lease says what waits
                continue
            if not self._gauge(collection):
                continue
            pending = collection.find({"outbox_pending": {"$gt": 0}}, {"outbox": 1, "version": 1, "outbox_pending": 1})
            for doc in pending:
                if not self.claim(collection):
                    break
                for entry in doc["outbox"]:
                    self.publisher.send_raw(entry["topic"], entry["key"], entry["value"].encode())
                    metrics.published(_entry_attribute(entry, "type"))
                    sent += 1
                _clear(collection, doc, {_entry_id(entry) for entry in doc["outbox"]})
        return sent

    def _gauge(self, collection: Collection) -> bool:
        """Say how many events wait in the collection's outbox and since when; False when none does."""
        waiting = list(collection.find({"outbox_pending": {"$gt": 0}}, {"outbox_pending": 1, "outbox_since": 1}))
        self._gauged.add(collection.name)
        metrics.OUTBOX_PENDING.labels(collection.name).set(sum(doc.get("outbox_pending") or 0 for doc in waiting))
        metrics.OUTBOX_OLDEST.labels(collection.name).set(_age_seconds(waiting, time.time()))
        return bool(waiting)

    def _ungauge(self, collection: Collection) -> None:
        if collection.name in self._gauged:
            self._gauged.discard(collection.name)
            metrics.OUTBOX_PENDING.remove(collection.name)
            metrics.OUTBOX_OLDEST.remove(collection.name)

    def run(self) -> None:
        """Relay until stopped; while Kafka or MongoDB is away, keep trying."""
        while not self.stopping.is_set():
            try:
                published = self.publish_pending()
                self.stall.progressed()
                if published:
                    continue
            except (KafkaError, PyMongoError) as exc:
                self.stall.failing(f"cannot relay the outbox: {type(exc).__name__}: {exc}")
                log.warning("outbox relay waiting: %s", exc)
                self.stopping.wait(1.0)
            self.stopping.wait(self.interval_seconds)
        try:
            self.release()
        except PyMongoError as exc:
            log.warning("could not release the outbox lease (it lapses by itself): %s", exc)

    def stop(self) -> None:
        """Ask the relay to return."""
        self.stopping.set()


def _clear(collection: Collection, doc: Document, sent: set[str]) -> None:
    """Remove the sent entries from the document's outbox, keeping any a save added meanwhile; version unchanged."""
    for _ in range(5):
        remaining = [entry for entry in doc.get("outbox", []) if _entry_id(entry) not in sent]
        guard = {"_id": doc["_id"], "version": doc["version"], "outbox_pending": doc.get("outbox_pending")}
        if remaining:
            written = collection.replace_one(guard, _with_outbox(doc, remaining))
        else:
            written = collection.update_one(guard, {"$set": {"outbox": [], "outbox_pending": 0, "outbox_since": ""}})
        if written.matched_count == 1:
            return
        doc = collection.find_one({"_id": doc["_id"]})
        if doc is None:
            return
    log.warning("outbox of %s/%s changed during five clears; its sent events may go out again",
                collection.name, doc["_id"])


def retrying(operation, attempts: int = 5):
    """Run a load-change-save operation again when another writer got there first."""
    for attempt in range(attempts):
        try:
            return operation()
        except VersionConflict:
            if attempt == attempts - 1:
                raise
