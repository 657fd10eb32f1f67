"""Sign-in sessions: a random bearer token handed out for a used sign-in link, stored only as a hash.

A session stands for its subject (an offer or an organisation) as that subject's own credential does, for
VALID_FOR, until it is revoked (signing out) or its subject is erased. Each service keeps its subjects'
sessions in its own database; `expires_at` is a date, so a TTL index removes them once they are over, and
every read checks it too (a TTL sweep runs only now and then).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from pymongo import ASCENDING
from pymongo.collection import Collection

from shared.auth import hash_token, new_token
from shared.clock import to_iso, utcnow

VALID_FOR = timedelta(hours=12)


class Sessions:
    """The sessions of one service's subjects, read against the service's clock."""

    def __init__(self, collection: Collection, clock: Callable[[], datetime] = utcnow):
        self.collection = collection
        self.clock = clock

    def ensure_indexes(self) -> None:
        """Expire sessions by their end, and find a subject's sessions (idempotent)."""
        self.collection.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)
        self.collection.create_index([("subject_id", ASCENDING)])

    def open(self, subject_id: str) -> tuple[str, datetime]:
        """A new session for the subject: its token (shown once) and when it ends."""
        token, now = new_token(), self.clock()
        expires_at = now + VALID_FOR
        self.collection.insert_one({"_id": hash_token(token), "subject_id": subject_id, "created_at": to_iso(now),
                                    "expires_at": expires_at})
        return token, expires_at

    def subject_of(self, token: str) -> str | None:
        """The subject a live session token stands for, or None."""
        found = self.collection.find_one({"_id": hash_token(token), "expires_at": {"$gt": self.clock()}},
                                         {"subject_id": 1})
        return found["subject_id"] if found else None

    def revoke(self, token: str) -> bool:
        """End a live session (signing out); False when the token is no live session."""
        return self.collection.delete_one({"_id": hash_token(token),
                                           "expires_at": {"$gt": self.clock()}}).deleted_count == 1

    def revoke_all(self, subject_id: str) -> int:
        """End every session of a subject (it was erased); how many there were."""
        return self.collection.delete_many({"subject_id": subject_id}).deleted_count
