"""The only module of the needs service that talks to MongoDB."""
from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from shared.mongo import DocumentStore, Repository


class NeedsRepository(Repository):
    """Organisations and needs, each saved whole with its pending events."""

    def __init__(self, db: Database):
        super().__init__(db)
        self.organisations = DocumentStore(db.organisations)
        self.needs = DocumentStore(db.needs)

    def ensure_indexes(self) -> None:
        """Create the indexes the queries rely on (idempotent)."""
        self.db.organisations.create_index([("api_key_hash", ASCENDING)], unique=True)
        self.db.needs.create_index([("organisation_id", ASCENDING)])
        self.db.needs.create_index([("status", ASCENDING), ("district", ASCENDING)])

    def organisation_by_key_hash(self, key_hash: str) -> dict[str, Any] | None:
        """The organisation whose api_key hashes to this value."""
        return self.db.organisations.find_one({"api_key_hash": key_hash})

    def needs_of(self, organisation_id: str, status: str | None = None) -> list[dict[str, Any]]:
        """An organisation's needs, optionally of one status."""
        query: dict[str, Any] = {"organisation_id": organisation_id}
        if status:
            query["status"] = status
        return list(self.db.needs.find(query).sort("created_at", ASCENDING))

    def needs_with_status(self, *statuses: str) -> list[dict[str, Any]]:
        """Every need in one of these statuses: ids, organisation and schedule."""
        return list(self.db.needs.find({"status": {"$in": list(statuses)}},
                                       {"organisation_id": 1, "schedule": 1, "status": 1}))

    def find_organisations(self, query: dict[str, Any]) -> dict[str, Any]:
        """A page of organisations, filtered on verified and contact_confirmed (a missing flag reads as false)."""
        filters = {key: True if query[key] else {"$ne": True}
                   for key in ("verified", "contact_confirmed") if query.get(key) is not None}
        return self.organisations.page(filters, query["limit"], query["offset"])

    def find_needs(self, query: dict[str, Any]) -> dict[str, Any]:
        """A page of needs matching the filters ('skill' matches any of a need's skills)."""
        filters = {("skills" if k == "skill" else k): v for k, v in query.items()
                   if k not in ("limit", "offset") and v is not None}
        return self.needs.page(filters, query["limit"], query["offset"])

