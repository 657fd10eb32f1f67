"""Storage of calendar feeds: each owner's feed generation, and the confirmed matches a feed lists.

A feed's code is signed, not stored (services/matcher/calendars.py); all that is kept is one document per owner,
`{_id: "volunteer:<offer id>" | "organisation:<organisation id>", generation}`. A missing document is generation 0,
so reading a feed writes nothing; renewing bumps the generation, and every code of an older one stops working.
Lookups go by `_id` alone, so the collection needs no index of its own.
"""
from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database

from services.matcher.lifecycle import CONFIRMED, ORGANISATION, VOLUNTEER

OWNER_FIELD = {VOLUNTEER: "offer_id", ORGANISATION: "organisation_id"}


def owner_key(kind: str, owner_id: str) -> str:
    """The feed document's id: the owner's kind and id."""
    return f"{kind}:{owner_id}"


class Feeds:
    """The matcher database's `calendar_feeds`, and its confirmed matches by owner."""

    def __init__(self, db: Database):
        self.db = db
        self.collection = db.calendar_feeds

    def generation(self, kind: str, owner_id: str) -> int:
        """The owner's current feed generation (0 until the feed is first renewed)."""
        doc = self.collection.find_one({"_id": owner_key(kind, owner_id)}, {"generation": 1})
        return int(doc["generation"]) if doc else 0

    def renew(self, kind: str, owner_id: str) -> int:
        """The next generation, stored: from now on only codes of it are valid."""
        doc = self.collection.find_one_and_update({"_id": owner_key(kind, owner_id)}, {"$inc": {"generation": 1}},
                                                  upsert=True, return_document=ReturnDocument.AFTER)
        return int(doc["generation"])

    def confirmed_matches(self, kind: str, owner_id: str) -> list[dict[str, Any]]:
        """The confirmed matches of an offer (a volunteer) or of an organisation's needs, oldest first."""
        query = {OWNER_FIELD[kind]: owner_id, "status": CONFIRMED}
        return list(self.db.matches.find(query, {"outbox": 0}).sort("created_at", ASCENDING))
