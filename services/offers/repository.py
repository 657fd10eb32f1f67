"""The only module of the offers service that talks to MongoDB."""
from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from shared.mongo import DocumentStore


class OffersRepository:
    """Volunteers' offers, each saved whole with its pending events."""

    def __init__(self, db: Database):
        self.db = db
        self.offers = DocumentStore(db.offers)

    def ensure_indexes(self) -> None:
        """Create the indexes the queries rely on (idempotent)."""
        self.db.offers.create_index([("status", ASCENDING)])
        self.db.offers.create_index([("manage_token_hash", ASCENDING)])

    def manage_token_known(self, token_hash: str) -> bool:
        """True when some offer, withdrawn ones included, has a manage_token with this hash."""
        return self.db.offers.find_one({"manage_token_hash": token_hash}, {"_id": 1}) is not None

    def find_offers(self, filters: dict[str, Any], limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """A page of offers matching the staff filters, and the total."""
        query: dict[str, Any] = {}
        if filters.get("status"):
            query["status"] = filters["status"]
        if filters.get("skill"):
            query["skills"] = filters["skill"]
        if filters.get("district"):
            query["districts"] = {"$in": [filters["district"], "all"]}
        total = self.db.offers.count_documents(query)
        cursor = self.db.offers.find(query).sort([("created_at", ASCENDING), ("_id", ASCENDING)]).skip(offset).limit(limit)
        return list(cursor), total

    def ping(self) -> None:
        """Raise if the database does not answer."""
        self.db.command("ping")
