"""The only module of the offers service that talks to MongoDB."""
from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from shared.mongo import DocumentStore, Repository


class OffersRepository(Repository):
    """Volunteers' offers, each saved whole with its pending events."""

    def __init__(self, db: Database):
        super().__init__(db)
        self.offers = DocumentStore(db.offers)

    def ensure_indexes(self) -> None:
        """Create the indexes the queries rely on (idempotent)."""
        self.db.offers.create_index([("status", ASCENDING)])
        self.db.offers.create_index([("manage_token_hash", ASCENDING)])

    def offer_by_token_hash(self, token_hash: str) -> dict[str, Any] | None:
        """The offer whose manage_token has this hash (its id and status only), or None."""
        return self.db.offers.find_one({"manage_token_hash": token_hash}, {"_id": 1, "status": 1})

    def manage_token_known(self, token_hash: str) -> bool:
        """True when some offer, withdrawn ones included, has a manage_token with this hash."""
        return self.db.offers.find_one({"manage_token_hash": token_hash}, {"_id": 1}) is not None

    def pending_requested_before(self, status: str, before: str) -> list[dict[str, Any]]:
        """Offers of a status whose confirmation was requested before an instant (ids only)."""
        return list(self.db.offers.find({"status": status, "confirmation.requested_at": {"$lt": before}}, {"_id": 1}))

    def find_offers(self, query: dict[str, Any]) -> dict[str, Any]:
        """A page of offers matching the staff filters (status, skill, district; "all" serves every district)."""
        found: dict[str, Any] = {}
        if query.get("status"):
            found["status"] = query["status"]
        if query.get("skill"):
            found["skills"] = query["skill"]
        if query.get("district"):
            found["districts"] = {"$in": [query["district"], "all"]}
        return self.offers.page(found, query["limit"], query["offset"])

