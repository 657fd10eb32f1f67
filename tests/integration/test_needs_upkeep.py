"""The needs service keeps its needs in order by itself: a need that is over is closed, and a need posted while
its organisation was being verified is published, on a real database."""
from __future__ import annotations

import json
from datetime import date, timedelta

from pymongo.database import Database

from services.needs import handlers
from services.needs.repository import NeedsRepository
from shared.clock import to_iso, utcnow
from tests.integration.conftest import bearer, need_body, post_need, register_organisation


def _outbox_types(needs_db: Database, need_id: str) -> list[str]:
    doc = needs_db.needs.find_one({"_id": need_id})
    return [json.loads(entry["value"])["type"] for entry in doc["outbox"]]


def _now() -> str:
    return to_iso(utcnow())


def test_a_need_whose_last_occurrence_is_past_is_closed_as_over_with_its_event(needs_client, needs_db):
    organisation = register_organisation(needs_client)
    today = date.today()
    weekly = {"weekday": 2, "start_time": "17:30", "end_time": "19:00",
              "from_date": today.isoformat(), "until_date": (today + timedelta(days=14)).isoformat()}
    over = post_need(needs_client, organisation["api_key"], schedule=weekly)
    going_on = post_need(needs_client, organisation["api_key"])
    handlers.close_over_needs(NeedsRepository(needs_db), lambda: utcnow() + timedelta(days=30))
    closed = needs_db.needs.find_one({"_id": over["id"]})
    assert (closed["status"], closed["close_reason"]) == ("closed", "over")
    assert _outbox_types(needs_db, over["id"])[-1:] == ["need.closed"]
    assert json.loads(closed["outbox"][-1]["value"])["data"]["close_reason"] == "over"
    assert needs_db.needs.find_one({"_id": going_on["id"]})["status"] == "open"


def test_a_need_whose_last_occurrence_is_today_is_not_yet_over(needs_client, needs_db):
    organisation = register_organisation(needs_client)
    today = utcnow()
    single = {"start": to_iso(today + timedelta(hours=2)), "end": to_iso(today + timedelta(hours=3))}
    need = post_need(needs_client, organisation["api_key"], schedule=single)
    handlers.close_over_needs(NeedsRepository(needs_db), utcnow)
    assert needs_db.needs.find_one({"_id": need["id"]})["status"] == "open"


def test_a_need_posted_while_its_organisation_is_verified_is_published(needs_client, needs_db):
    """The verification lists the waiting needs just before this one is stored: the poster publishes it."""
    organisation = register_organisation(needs_client, verified=False)
    repo = NeedsRepository(needs_db)
    real_insert = repo.needs.insert

    def verified_meanwhile(doc, events=()):
        handlers.verify_organisation(organisation["id"], repo, _now)
        return real_insert(doc, events)

    needs_client.application.extensions["deps"].repo.needs.insert = verified_meanwhile
    try:
        response = needs_client.post("/needs", json=need_body(), headers=bearer(organisation["api_key"]))
    finally:
        del needs_client.application.extensions["deps"].repo.needs.insert
    assert response.status_code == 201, response.get_data(as_text=True)
    need = response.get_json()
    assert need["status"] == "open"
    assert _outbox_types(needs_db, need["id"]) == ["need.published"]


def test_waiting_needs_of_a_verified_organisation_are_published_by_the_periodic_repair(needs_client, needs_db):
    organisation = register_organisation(needs_client, verified=False)
    need = post_need(needs_client, organisation["api_key"])
    assert need["status"] == "pending_verification"
    org = needs_db.organisations.find_one({"_id": organisation["id"]})
    needs_db.organisations.replace_one({"_id": org["_id"]}, {**org, "verified": True})  # verify cut short
    handlers.publish_all_waiting(NeedsRepository(needs_db), _now)
    assert needs_db.needs.find_one({"_id": need["id"]})["status"] == "open"
    assert _outbox_types(needs_db, need["id"]) == ["need.published"]
