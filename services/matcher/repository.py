"""The only module of the matcher that talks to MongoDB: its read model of offers and needs, and matches."""
from __future__ import annotations

from typing import Any, Iterable

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, OperationFailure

from shared.mongo import DocumentStore, Repository, VersionConflict
from services.matcher.lifecycle import CONFIRMED, LIVE, PROPOSED


_PAIR = {"need_id": 1, "offer_id": 1, "status": 1, "for_date": 1, "stands_in_for": 1}
STANDING = {"for_date": None}  # the need's own matches, not the one-off stand-ins for a date of one of them


class MatcherRepository(Repository):
    """Read model documents are the event data with their version; matches carry their outbox."""

    def __init__(self, db: Database):
        super().__init__(db)
        self.matches = DocumentStore(db.matches)

    def ensure_indexes(self) -> None:
        """One match per (need, offer) pair at the same versions of both and for the same date (none for a
        standing match): a pair can be asked again only after one of them changed (and a declined pair never,
        which the wave decides), and a stand-in once per date."""
        self.db.matches.create_index([("need_id", ASCENDING), ("offer_id", ASCENDING), ("need_version", ASCENDING),
                                      ("offer_version", ASCENDING), ("for_date", ASCENDING)], unique=True)
        existing = self.db.matches.index_information()  # the new guard first, then the older ones go
        for older in ("need_id_1_offer_id_1", "need_id_1_offer_id_1_need_version_1_offer_version_1"):
            if older in existing:  # one pair ever, then one per versions, before stand-ins had dates
                try:
                    self.db.matches.drop_index(older)
                except OperationFailure:  # another process dropped it first
                    pass
        self.db.matches.create_index([("offer_id", ASCENDING)])
        self.db.matches.create_index([("organisation_id", ASCENDING)])
        self.db.matches.create_index([("stands_in_for", ASCENDING)], sparse=True)
        self.db.matches.create_index([("last_absence", ASCENDING)], sparse=True)
        self.db.matches.create_index([("status", ASCENDING)])


    def _upsert_versioned(self, collection: str, data: dict[str, Any]) -> bool:
        """Store event data unless a newer or equal version is stored already; True when it changed."""
        coll = self.db[collection]
        doc = {**data, "_id": data["id"]}
        if coll.find_one({"_id": doc["_id"]}, {"version": 1}) is None:
            try:
                coll.insert_one(doc)
                return True
            except DuplicateKeyError:
                pass
        return coll.replace_one({"_id": doc["_id"], "version": {"$lt": data["version"]}}, doc).modified_count == 1

    def upsert_offer(self, data: dict[str, Any]) -> bool:
        """Apply an offer event to the read model; older or replayed versions change nothing."""
        return self._upsert_versioned("offers", data)

    def upsert_need(self, data: dict[str, Any]) -> bool:
        """Apply a need event to the read model; older or replayed versions change nothing."""
        return self._upsert_versioned("needs", data)

    def offer(self, offer_id: str) -> dict[str, Any] | None:
        return self.db.offers.find_one({"_id": offer_id})

    def need(self, need_id: str) -> dict[str, Any] | None:
        return self.db.needs.find_one({"_id": need_id})

    def open_offers(self) -> list[dict[str, Any]]:
        return list(self.db.offers.find({"status": "open"}))

    def open_needs(self) -> list[dict[str, Any]]:
        return list(self.db.needs.find({"status": "open"}))

    def insert_match(self, doc: dict[str, Any], events: Iterable) -> dict[str, Any] | None:
        """Store a new proposal; None when the pair exists already (the unique index decides)."""
        try:
            return self.matches.insert(doc, events)
        except DuplicateKeyError:
            return None

    def matches_for_need(self, need_id: str) -> list[dict[str, Any]]:
        return list(self.db.matches.find({"need_id": need_id}).sort("created_at", ASCENDING))

    def matches_for_offer(self, offer_id: str) -> list[dict[str, Any]]:
        return list(self.db.matches.find({"offer_id": offer_id}).sort("created_at", ASCENDING))

    def live_matches(self) -> list[dict[str, Any]]:
        """Every proposed or confirmed match: ids and status."""
        return list(self.db.matches.find({"status": {"$in": list(LIVE)}}, _PAIR))

    def live_matches_of_offer(self, offer_id: str) -> list[dict[str, Any]]:
        return list(self.db.matches.find({"offer_id": offer_id, "status": {"$in": list(LIVE)}}, _PAIR))

    def matches_of_offers(self, offer_ids: list[str]) -> list[dict[str, Any]]:
        """Every match of these offers: status, creation time and date (for their load and fairness)."""
        if not offer_ids:
            return []
        return list(self.db.matches.find({"offer_id": {"$in": offer_ids}},
                                         {"offer_id": 1, "status": 1, "created_at": 1, "for_date": 1, "need_id": 1}))

    def needs_over(self, need_ids: set[str]) -> set[str]:
        """Those of these needs that closed because their last date is past."""
        if not need_ids:
            return set()
        return {doc["_id"] for doc in self.db.needs.find({"_id": {"$in": sorted(need_ids)}, "close_reason": "over"},
                                                         {"_id": 1})}

    def matches_of_organisation(self, organisation_id: str) -> list[dict[str, Any]]:
        """Every match of the organisation's needs, oldest first."""
        query = {"organisation_id": organisation_id}
        return list(self.db.matches.find(query, {"outbox": 0}).sort("created_at", ASCENDING))

    def stand_ins_of(self, standing_id: str, day: str | None = None) -> list[dict[str, Any]]:
        """The stand-in matches made for a standing match, for one date or all."""
        query = {"stands_in_for": standing_id, **({"for_date": day} if day else {})}
        return list(self.db.matches.find(query, {"outbox": 0}).sort("created_at", ASCENDING))

    def absent_from(self, day: str) -> list[dict[str, Any]]:
        """Confirmed matches whose volunteer is absent on some date from this one on."""
        return list(self.db.matches.find({"status": CONFIRMED, "last_absence": {"$gte": day}},
                                         {"for_date": 1, "stands_in_for": 1, "occurrences": 1}))

    def confirmed_with_certificate(self) -> list[dict[str, Any]]:
        """Confirmed standing assignments with a police certificate seen and no reminder about its age yet."""
        return list(self.db.matches.find({"status": CONFIRMED, "certificate": {"$exists": True}, **STANDING,
                                          "certificate_reminded_at": {"$exists": False}}, {"outbox": 0}))

    def live_slots_of_needs(self, need_ids: list[str]) -> dict[str, int]:
        """Slots proposed or confirmed per need (stand-ins take none), for the needs that have any."""
        slots: dict[str, int] = {}
        for x in self.db.matches.find({"need_id": {"$in": need_ids}, "status": {"$in": list(LIVE)}, **STANDING},
                                      {"need_id": 1, "slots": 1}):
            slots[x["need_id"]] = slots.get(x["need_id"], 0) + x["slots"]
        return slots

    def proposals_expiring_before(self, moment_iso: str) -> list[dict[str, Any]]:
        """Proposals whose answer time ran out."""
        return list(self.db.matches.find({"status": PROPOSED, "expires_at": {"$lte": moment_iso}}))

    def all_matches(self) -> list[dict[str, Any]]:
        return list(self.db.matches.find({}, {"outbox": 0}))

    def all_needs(self) -> list[dict[str, Any]]:
        return list(self.db.needs.find({}))

    def record_candidates(self, need_id: str, count: int) -> None:
        """Remember how many eligible candidates a need had at its last wave (for staff statistics)."""
        self.db.need_candidates.replace_one({"_id": need_id}, {"_id": need_id, "count": count}, upsert=True)

    def candidate_counts(self) -> dict[str, int]:
        return {d["_id"]: d["count"] for d in self.db.need_candidates.find({})}

    def match_states(self, need_id: str) -> dict[str, dict[str, Any]]:
        """Status and slots of each of the need's standing matches (those that take its slots), by match id."""
        return {x["_id"]: x for x in self.db.matches.find({"need_id": need_id, **STANDING}, {"status": 1, "slots": 1})}

    def capacity(self, need_id: str) -> dict[str, Any]:
        """The need's capacity record (holds of confirmations under way); a new one is stored at version 1."""
        found = self.db.need_capacity.find_one({"_id": need_id})
        if found is not None:
            return found
        try:
            self.db.need_capacity.insert_one({"_id": need_id, "version": 1, "holds": []})
        except DuplicateKeyError:
            pass
        return self.db.need_capacity.find_one({"_id": need_id})

    def save_capacity(self, capacity: dict[str, Any]) -> dict[str, Any]:
        """Replace the capacity record if nobody changed it since it was read; VersionConflict otherwise."""
        new = {**capacity, "version": capacity["version"] + 1}
        if self.db.need_capacity.replace_one({"_id": capacity["_id"], "version": capacity["version"]},
                                             new).matched_count != 1:
            raise VersionConflict(f"need_capacity/{capacity['_id']} changed since version {capacity['version']}")
        return new
