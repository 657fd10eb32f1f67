"""Confirming takes a slot of the need on the real database: two organisations' answers racing for the last
slot cannot both win, a full need answers 409 and leaves the proposal as it was, and a failed save gives its
slot back."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from pymongo import MongoClient

from shared.errors import Conflict
from shared.mongo import DocumentStore
from services.matcher import lifecycle
from services.matcher.handlers import respond
from services.matcher.lifecycle import ORGANISATION, VOLUNTEER
from services.matcher.repository import MatcherRepository
from tests.integration.matcher_world import need_data

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
TTL = timedelta(hours=48)


@pytest.fixture
def db_name(mongo_uri: str) -> Iterator[str]:
    name = f"matcher_{uuid.uuid4().hex[:10]}"
    yield name
    client = MongoClient(mongo_uri)
    client.drop_database(name)
    client.close()


@pytest.fixture
def repos(mongo_uri: str, db_name: str) -> Iterator[list[MatcherRepository]]:
    """Two repositories on one database through separate clients, as two API processes have."""
    clients = [MongoClient(mongo_uri, tz_aware=True) for _ in range(2)]
    repos = [MatcherRepository(client[db_name]) for client in clients]
    repos[0].ensure_indexes()
    yield repos
    for client in clients:
        client.close()


def _need(repo: MatcherRepository, volunteers_needed: int) -> str:
    need_id = f"need-{uuid.uuid4().hex[:8]}"
    repo.upsert_need(need_data(need_id, volunteers_needed=volunteers_needed))
    return need_id


def _accepted_by_volunteer(repo: MatcherRepository, need_id: str, offer_id: str) -> str:
    """A proposal stored as the matcher's wave stores it, which the volunteer has accepted."""
    change = lifecycle.propose(need_id, "org-1", offer_id, 1, 0.9, {}, NOW, TTL)
    repo.insert_match(change.doc, change.events)
    respond(change.doc["_id"], VOLUNTEER, True, repo, NOW, TTL)
    return change.doc["_id"]


class SlowReads(MatcherRepository):
    """The real repository, pausing after reading the need's matches, so a rival gets in before the write."""

    def match_states(self, need_id: str) -> dict[str, dict[str, Any]]:
        found = super().match_states(need_id)
        time.sleep(0.3)
        return found


def _statuses(repo: MatcherRepository, need_id: str) -> list[str]:
    return sorted(m["status"] for m in repo.matches_for_need(need_id))


def test_two_confirmations_racing_for_the_last_slot_confirm_one_and_refuse_the_other(repos):
    need_id = _need(repos[0], volunteers_needed=1)
    matches = [_accepted_by_volunteer(repos[0], need_id, offer) for offer in ("a", "b")]
    slow = [SlowReads(repo.db) for repo in repos]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm(repo: MatcherRepository, match_id: str) -> None:
        barrier.wait()
        try:
            outcomes.append(respond(match_id, ORGANISATION, True, repo, NOW, TTL)["status"])
        except Conflict as refused:
            outcomes.append(refused.message)

    threads = [threading.Thread(target=confirm, args=pair) for pair in zip(slow, matches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["This need already has all the volunteers it asked for.", "confirmed"]
    assert _statuses(repos[0], need_id) == ["confirmed", "proposed"]


def test_racing_confirmations_fill_every_slot_and_not_one_more(repos):
    need_id = _need(repos[0], volunteers_needed=2)
    matches = [_accepted_by_volunteer(repos[0], need_id, f"offer-{n}") for n in range(5)]
    barrier = threading.Barrier(len(matches))
    confirmed: list[str] = []

    def confirm(repo: MatcherRepository, match_id: str) -> None:
        barrier.wait()
        try:
            confirmed.append(respond(match_id, ORGANISATION, True, repo, NOW, TTL)["_id"])
        except Conflict:
            pass

    threads = [threading.Thread(target=confirm, args=(SlowReads(repos[n % 2].db), match_id))
               for n, match_id in enumerate(matches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(confirmed) == 2
    assert _statuses(repos[0], need_id) == ["confirmed", "confirmed", "proposed", "proposed", "proposed"]


def test_a_full_need_answers_conflict_and_leaves_the_proposal_waiting_as_it_was(repos):
    repo = repos[0]
    need_id = _need(repo, volunteers_needed=1)
    first, second = (_accepted_by_volunteer(repo, need_id, offer) for offer in ("a", "b"))
    respond(first, ORGANISATION, True, repo, NOW, TTL)
    before = repo.matches.get(second)

    with pytest.raises(Conflict):
        respond(second, ORGANISATION, True, repo, NOW, TTL)

    assert repo.matches.get(second) == before
    assert lifecycle.waiting_for(before) == ORGANISATION


def test_a_slot_freed_by_a_cancelled_confirmation_can_be_confirmed_again(repos):
    repo = repos[0]
    need_id = _need(repo, volunteers_needed=1)
    first, second = (_accepted_by_volunteer(repo, need_id, offer) for offer in ("a", "b"))
    confirmed = respond(first, ORGANISATION, True, repo, NOW, TTL)
    repo.matches.save(lifecycle.cancel(confirmed, "offer_withdrawn", NOW).doc)

    assert respond(second, ORGANISATION, True, repo, NOW, TTL)["status"] == "confirmed"


class FailingSave(DocumentStore):
    """The real store, whose saves of confirmed matches fail (the database goes away mid-answer)."""

    def save(self, doc: dict[str, Any], events=()) -> dict[str, Any]:
        if doc["status"] == "confirmed":
            raise ConnectionError("database went away")
        return super().save(doc, events)


def test_a_confirmation_whose_save_fails_gives_its_slot_back(repos):
    repo = repos[0]
    need_id = _need(repo, volunteers_needed=1)
    first, second = (_accepted_by_volunteer(repo, need_id, offer) for offer in ("a", "b"))
    failing = MatcherRepository(repo.db)
    failing.matches = FailingSave(repo.db.matches)

    with pytest.raises(ConnectionError):
        respond(first, ORGANISATION, True, failing, NOW, TTL)

    assert repo.capacity(need_id)["holds"] == []
    assert respond(second, ORGANISATION, True, repo, NOW, TTL)["status"] == "confirmed"


def test_a_closed_need_cannot_be_confirmed(repos):
    repo = repos[0]
    need_id = _need(repo, volunteers_needed=1)
    match_id = _accepted_by_volunteer(repo, need_id, "a")
    repo.upsert_need(need_data(need_id, version=2, status="closed"))

    with pytest.raises(Conflict, match="no longer open"):
        respond(match_id, ORGANISATION, True, repo, NOW, TTL)
