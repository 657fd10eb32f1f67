"""The only module of the needs service that talks to MongoDB."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from shared.clock import utcnow
from shared.mongo import DocumentStore, Repository, equal_ignoring_case
from shared.sessions import Sessions

SIGN_IN_AT_MOST = 10  # organisations one contact address may be sent sign-in links to at once


class NeedsRepository(Repository):
    """Organisations and needs, each saved whole with its pending events, and the contacts' sessions."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow):
        super().__init__(db)
        self.organisations = DocumentStore(db.organisations)
        self.needs = DocumentStore(db.needs)
        self.sessions = Sessions(db.sessions, clock)

    def ensure_indexes(self) -> None:
        """Create the indexes the queries rely on (idempotent)."""
        self.db.organisations.create_index([("api_key_hash", ASCENDING)], unique=True)
        self.db.organisations.create_index([("contact.email", ASCENDING)])
        self.db.needs.create_index([("organisation_id", ASCENDING)])
        self.db.needs.create_index([("status", ASCENDING), ("district", ASCENDING)])
        self.sessions.ensure_indexes()

    def organisation_by_key_hash(self, key_hash: str) -> dict[str, Any] | None:
        """The organisation whose api_key hashes to this value."""
        return self.db.organisations.find_one({"api_key_hash": key_hash})

    def confirmed_organisations_of(self, email: str) -> list[str]:
        """The ids of the organisations whose confirmed contact address is this one, in any case, newest first."""
        found = self.db.organisations.find({"contact_confirmed": True, "contact.email": equal_ignoring_case(email)},
                                           {"_id": 1})
        return [organisation["_id"] for organisation in found.sort("created_at", DESCENDING).limit(SIGN_IN_AT_MOST)]

    def use_sign_in(self, organisation_id: str, nonce: str) -> bool:
        """Remove the organisation's sign-in request if it has this nonce: True for the one caller that did. The
        version moves on, so a save from a copy loaded before cannot bring the request back."""
        return self.db.organisations.update_one(
            {"_id": organisation_id, "contact_confirmed": True, "sign_in.nonce": nonce},
            {"$unset": {"sign_in": ""}, "$inc": {"version": 1}}).modified_count == 1

    def sign_in_waiting(self, organisation_id: str, nonce: str) -> bool:
        """True when the organisation has a sign-in request with this nonce (use_sign_in would take it)."""
        return self.db.organisations.find_one({"_id": organisation_id, "contact_confirmed": True,
                                               "sign_in.nonce": nonce}, {"_id": 1}) is not None

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

    def page_of_needs_of(self, organisation_id: str, query: dict[str, Any]) -> dict[str, Any]:
        """A page of an organisation's needs, any status, newest first."""
        return self.needs.page({"organisation_id": organisation_id}, query["limit"], query["offset"],
                               newest_first=True)

    def find_needs(self, query: dict[str, Any]) -> dict[str, Any]:
        """A page of needs matching the filters ('skill' matches any of a need's skills)."""
        filters = {("skills" if k == "skill" else k): v for k, v in query.items()
                   if k not in ("limit", "offset") and v is not None}
        return self.needs.page(filters, query["limit"], query["offset"])

