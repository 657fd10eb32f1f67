"""The only module of the notify service that talks to MongoDB: notifications, their log, and assignments."""
from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shared.mongo import DocumentStore, Repository
from services.notify.model import ACTIVE, ENDED, HELD, PENDING, REMINDER, RETRYING, SENDING


class NotifyRepository(Repository):
    """One notification per idempotency key (its _id); one assignment per confirmed match (its _id)."""

    def __init__(self, db: Database):
        super().__init__(db)
        self.notifications = DocumentStore(db.notifications)

    def ensure_indexes(self) -> None:
        self.db.notifications.create_index([("match_id", ASCENDING)])
        self.db.notifications.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])
        self.db.assignments.create_index([("status", ASCENDING)])
        self.db.assignments.create_index([("offer_id", ASCENDING), ("need_id", ASCENDING)])

    def create(self, doc: dict[str, Any]) -> bool:
        """Store a new notification; False when it exists already (a redelivered event, a reminder planned again)."""
        try:
            self.notifications.insert(doc)
            return True
        except DuplicateKeyError:
            return False

    def for_match(self, match_id: str) -> list[dict[str, Any]]:
        return list(self.db.notifications.find({"match_id": match_id}).sort("created_at", ASCENDING))

    def due(self, now_iso: str, limit: int = 200) -> list[dict[str, Any]]:
        """Notifications whose next attempt is due (new, retrying, held, or a send whose lease ran out)."""
        query = {"status": {"$in": [PENDING, RETRYING, HELD, SENDING]}, "next_attempt_at": {"$lte": now_iso}}
        return list(self.db.notifications.find(query).sort("next_attempt_at", ASCENDING).limit(limit))

    def record_assignment(self, doc: dict[str, Any]) -> None:
        """Remember a confirmed match once; an assignment that has ended stays ended."""
        self.db.assignments.update_one({"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True)

    def end_assignment(self, match_id: str, reason: str, now_iso: str) -> None:
        """No more reminders for this match, also when its confirmation has not been seen yet."""
        ended = {"status": ENDED, "ended_reason": reason, "ended_at": now_iso}
        if self.db.assignments.update_one({"_id": match_id, "status": ACTIVE}, {"$set": ended}).matched_count:
            return
        try:
            self.db.assignments.insert_one({"_id": match_id, **ended})
        except DuplicateKeyError:
            return

    def add_absent_dates(self, match_id: str, dates: dict[str, str]) -> None:
        """Remember occurrence dates the volunteer will not come, with the reason: one key per date, so a
        replayed event changes nothing (no array push, which the MongoDB stand-in mangles)."""
        if dates:
            changes = {f"absent.{day}": reason for day, reason in dates.items()}
            self.db.assignments.update_one({"_id": match_id}, {"$set": changes})

    def active_assignments(self) -> list[dict[str, Any]]:
        return list(self.db.assignments.find({"status": ACTIVE}))

    def assignments_since(self, moment_iso: str) -> list[dict[str, Any]]:
        """The active assignments and those ended since the moment."""
        ended = self.db.assignments.find({"status": ENDED, "ended_at": {"$gte": moment_iso}})
        return self.active_assignments() + list(ended)

    def assignments_of(self, offer_id: str, need_id: str) -> list[dict[str, Any]]:
        """Every assignment, active or ended, of one volunteer's offer for one need."""
        return list(self.db.assignments.find({"offer_id": offer_id, "need_id": need_id}))

    def reminders_of(self, match_ids: list[str]) -> list[dict[str, Any]]:
        """The reminders of these matches, whatever their status."""
        if not match_ids:
            return []
        return list(self.db.notifications.find({"match_id": {"$in": match_ids}, "kind": REMINDER}))

    def assignment(self, match_id: str) -> dict[str, Any] | None:
        return self.db.assignments.find_one({"_id": match_id})
