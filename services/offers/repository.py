"""The only module of the offers service that talks to MongoDB."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from shared.clock import utcnow
from shared.mongo import DocumentStore, Repository, equal_ignoring_case
from shared.sessions import Sessions

SIGN_IN_AT_MOST = 10  # offers one address may be sent sign-in links to at once


class OffersRepository(Repository):
    """Volunteers' offers, each saved whole with its pending events, and their volunteers' sessions."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow):
        super().__init__(db)
        self.offers = DocumentStore(db.offers)
        self.sessions = Sessions(db.sessions, clock)

    def ensure_indexes(self) -> None:
        """Create the indexes the queries rely on (idempotent)."""
        self.db.offers.create_index([("status", ASCENDING)])
        self.db.offers.create_index([("manage_token_hash", ASCENDING)])
        self.db.offers.create_index([("volunteer.email", ASCENDING)])
        self.sessions.ensure_indexes()

    def offers_of(self, email: str, status: str) -> list[str]:
        """The ids of the offers of a status whose volunteer's address is this one, in any case, newest first."""
        found = self.db.offers.find({"status": status, "volunteer.email": equal_ignoring_case(email)}, {"_id": 1})
        return [offer["_id"] for offer in found.sort("created_at", DESCENDING).limit(SIGN_IN_AT_MOST)]

    def use_sign_in(self, offer_id: str, nonce: str, status: str) -> bool:
        """Remove the sign-in request of an offer of this status if it has this nonce: True for the one caller
        that did. The version moves on, so a save from a copy loaded before cannot bring the request back."""
        return self.db.offers.update_one({"_id": offer_id, "status": status, "sign_in.nonce": nonce},
                                         {"$unset": {"sign_in": ""}, "$inc": {"version": 1}}).modified_count == 1

    def sign_in_waiting(self, offer_id: str, nonce: str, status: str) -> bool:
        """True when an offer of this status has a sign-in request with this nonce (use_sign_in would take it)."""
        found = self.db.offers.find_one({"_id": offer_id, "status": status, "sign_in.nonce": nonce}, {"_id": 1})
        return found is not None

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

