"""The only module of the notify service that talks to MongoDB: the notifications and their log."""
from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shared.mongo import DocumentStore
from services.notify.model import FINAL, PENDING, RETRYING, HELD

SENDING = "sending"


class NotifyRepository:
    """One document per (event, recipient, channel); its _id is the idempotency key."""

    def __init__(self, db: Database):
        self.db = db
        self.notifications = DocumentStore(db.notifications)

    def ensure_indexes(self) -> None:
        self.db.notifications.create_index([("match_id", ASCENDING)])
        self.db.notifications.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])

    def ping(self) -> None:
        self.db.command("ping")

    def create(self, doc: dict[str, Any]) -> bool:
        """Store a new notification; False when it exists already (a redelivered event)."""
        try:
            self.notifications.insert(doc)
            return True
        except DuplicateKeyError:
            return False

    def for_event(self, event_id: str) -> list[dict[str, Any]]:
        return list(self.db.notifications.find({"event_id": event_id}))

    def for_match(self, match_id: str) -> list[dict[str, Any]]:
        return list(self.db.notifications.find({"match_id": match_id}).sort("created_at", ASCENDING))

    def due(self, now_iso: str, limit: int = 200) -> list[dict[str, Any]]:
        """Notifications whose next attempt is due (new, retrying, held, or a send whose lease ran out)."""
        query = {"status": {"$in": [PENDING, RETRYING, HELD, SENDING]}, "next_attempt_at": {"$lte": now_iso}}
        return list(self.db.notifications.find(query).sort("next_attempt_at", ASCENDING).limit(limit))

    def count_open(self) -> int:
        return self.db.notifications.count_documents({"status": {"$nin": list(FINAL)}})
