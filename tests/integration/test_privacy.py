"""Personal data stays where erasure reaches it: withdrawal erases it, listings and events never carry it."""
from __future__ import annotations

import json
import random
from typing import Any, Iterator
from uuid import UUID

import pytest

from shared.events import parse_event
from shared.mongo import OutboxRelay
from tests.integration.conftest import (STAFF, assert_contract_error, bearer, create_offer, need_body, post_need,
                                        register_organisation, unique, unique_email)


class RecordingPublisher:
    """Stands in for Kafka behind the outbox relay: keeps what it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, bytes]] = []

    def send_raw(self, topic: str, key: str, value: bytes, headers: list | None = None) -> None:
        self.sent.append((topic, key, value))

    def events_about(self, subject: str) -> list:
        return [parse_event(value) for _, key, value in self.sent if key == subject]


def leaves(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair at any depth, reading JSON kept in strings (the outbox) as JSON."""
    if isinstance(value, str) and value.startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, v
            yield from leaves(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item, key)
    else:
        yield key, value


def personal_data_found(db, person: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """Where, in any document of any collection, the person's name, e-mail, phone or birth year appear."""
    texts = [person["name"], person["email"], person["phone"]]
    found = []
    for collection in db.list_collection_names():
        for doc in db[collection].find():
            for key, value in leaves(doc):
                if key in ("volunteer", "name", "email", "phone", "birth_year"):
                    found.append((collection, key, value))
                elif isinstance(value, str) and any(text in value for text in texts):
                    found.append((collection, key, value))
                elif value == person["birth_year"] and not isinstance(value, bool):
                    found.append((collection, key, value))
    return found


def a_person() -> dict[str, Any]:
    return {"name": f"Testperson {unique('name')}", "email": unique_email(),
            "phone": f"+479{random.randrange(10**6, 10**7)}", "birth_year": random.randrange(1931, 1999),
            "languages": ["nb", "ar"]}


# --- withdrawal ------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["volunteer", "staff"])
def test_withdrawn_offer_leaves_a_tombstone_without_personal_data(offers_client, empty_offers_db, who):
    person = a_person()
    offer = create_offer(offers_client, volunteer=person, note=f"Ring {person['phone']}")
    token = bearer(offer["manage_token"])
    assert offers_client.patch(f"/offers/{offer['id']}", json={"skills": ["music"]}, headers=token).status_code == 200
    assert personal_data_found(empty_offers_db, person)

    response = offers_client.delete(f"/offers/{offer['id']}", headers=token if who == "volunteer" else STAFF)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["id"] == offer["id"] and response.get_json()["status"] == "withdrawn"
    tombstone = empty_offers_db.offers.find_one({"_id": offer["id"]})
    assert tombstone["status"] == "withdrawn"
    assert personal_data_found(empty_offers_db, person) == []


def test_withdrawn_offer_reads_back_as_a_tombstone(offers_client):
    person = a_person()
    offer = create_offer(offers_client, volunteer=person)
    offers_client.delete(f"/offers/{offer['id']}", headers=bearer(offer["manage_token"]))
    for headers in (bearer(offer["manage_token"]), STAFF):
        response = offers_client.get(f"/offers/{offer['id']}", headers=headers)
        assert response.status_code == 200
        assert response.get_json()["status"] == "withdrawn"
        assert "volunteer" not in response.get_json()
        assert person["email"] not in response.get_data(as_text=True)


def test_withdrawn_offer_cannot_be_changed_back(offers_client):
    offer = create_offer(offers_client)
    offers_client.delete(f"/offers/{offer['id']}", headers=bearer(offer["manage_token"]))
    response = offers_client.patch(f"/offers/{offer['id']}", json={"volunteer": {"name": "Kari"}},
                                   headers=bearer(offer["manage_token"]))
    assert assert_contract_error(response, 409)["code"] == "conflict"


def test_withdrawal_emits_offer_withdrawn_with_no_personal_data(offers_client, offers_db):
    person = a_person()
    offer = create_offer(offers_client, volunteer=person)
    offers_client.delete(f"/offers/{offer['id']}", headers=bearer(offer["manage_token"]))
    publisher = RecordingPublisher()

    OutboxRelay([offers_db.offers], publisher).publish_pending()

    events = publisher.events_about(offer["id"])
    assert events and events[-1].type == "offer.withdrawn"
    withdrawn = events[-1]
    assert withdrawn.source == "/services/offers" and withdrawn.subject == offer["id"]
    assert UUID(withdrawn.id)
    assert withdrawn.data["id"] == offer["id"] and withdrawn.data["status"] == "withdrawn"
    for event in events:
        assert "birth_year" not in event.data
        assert not any(person[k] in json.dumps(event.data) for k in ("name", "email", "phone"))
    assert offers_db.offers.find_one({"_id": offer["id"]})["outbox"] == []


def test_offer_published_event_is_a_cloudevent_without_name_email_or_phone(offers_client, offers_db):
    person = a_person()
    offer = create_offer(offers_client, volunteer=person)
    publisher = RecordingPublisher()

    OutboxRelay([offers_db.offers], publisher).publish_pending()

    about_offer = [m for m in publisher.sent if m[1] == offer["id"]]
    assert not [raw for _, _, raw in about_offer if any(person[k].encode() in raw for k in ("name", "email", "phone"))]
    [(topic, _, raw)] = [m for m in about_offer if json.loads(m[2])["type"] == "offer.published"]
    envelope = json.loads(raw)
    assert topic == "offers.v1"
    assert envelope["specversion"] == "1.0" and envelope["type"] == "offer.published"
    assert envelope["datacontenttype"] == "application/json" and envelope["subject"] == offer["id"]
    assert not any(person[k] in raw.decode() for k in ("name", "email", "phone"))
    assert envelope["data"]["skills"] == ["driving", "cooking"]


def test_withdrawing_twice_changes_nothing_more(offers_client, offers_db):
    offer = create_offer(offers_client)
    first = offers_client.delete(f"/offers/{offer['id']}", headers=bearer(offer["manage_token"]))
    OutboxRelay([offers_db.offers], RecordingPublisher()).publish_pending()
    second = offers_client.delete(f"/offers/{offer['id']}", headers=STAFF)
    assert second.status_code == 200 and second.get_json() == first.get_json()
    assert offers_db.offers.find_one({"_id": offer["id"]})["outbox"] == []


# --- staff listing ---------------------------------------------------------------------------------

def test_staff_listing_of_offers_shows_contact_details(offers_client, empty_offers_db):
    person = a_person()
    offer = create_offer(offers_client, volunteer=person)
    response = offers_client.get("/offers", headers=STAFF)
    assert response.status_code == 200
    [item] = response.get_json()["items"]
    assert item["id"] == offer["id"]
    assert {k: item["volunteer"][k] for k in ("name", "email", "phone")} == {
        k: person[k] for k in ("name", "email", "phone")}


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["fjell", "svelvik", "all", "withdrawn"]),
    ("district=fjell", ["fjell", "all"]),
    ("district=svelvik", ["svelvik", "all"]),
    ("skill=music", ["svelvik"]),
    ("skill=musikk", ["svelvik"]),
    ("status=withdrawn", ["withdrawn"]),
    ("status=open&limit=2&offset=1", ["svelvik", "all"]),
])
def test_staff_listing_of_offers_filters_by_district_skill_and_status(offers_client, empty_offers_db, query, expected):
    created = {
        "fjell": create_offer(offers_client, districts=["fjell"]),
        "svelvik": create_offer(offers_client, districts=["svelvik"], skills=["music"]),
        "all": create_offer(offers_client, districts=["all"]),
        "withdrawn": create_offer(offers_client, districts=["fjell"]),
    }
    offers_client.delete(f"/offers/{created['withdrawn']['id']}", headers=STAFF)
    response = offers_client.get(f"/offers?{query}", headers=STAFF)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [item["id"] for item in response.get_json()["items"]] == [created[name]["id"] for name in expected]


# --- the public listing of needs -----------------------------------------------------------------

@pytest.fixture
def needs_in_every_state(needs_client, empty_needs_db) -> dict[str, Any]:
    """Three open needs, a closed one and one held for verification, from two organisations."""
    verified = register_organisation(needs_client, name="Fjell Frivilligsentral")
    unverified = register_organisation(needs_client, verified=False, name="Ukjent Forening")
    key = verified["api_key"]
    needs = {
        "n1": post_need(needs_client, key, district="fjell", skills=["visiting_friend"]),
        "n2": post_need(needs_client, key, district="konnerud", skills=["driving", "cooking"]),
        "n3": post_need(needs_client, key, district="fjell", skills=["driving"]),
        "closed": post_need(needs_client, key, district="fjell", skills=["visiting_friend"]),
        "pending": post_need(needs_client, unverified["api_key"], district="fjell", skills=["visiting_friend"]),
    }
    assert needs_client.post(f"/needs/{needs['closed']['id']}/close", headers=bearer(key)).status_code == 200
    contacts = [v for org in (verified, unverified) for v in org["contact"].values()]
    return {"needs": needs, "contacts": contacts}


@pytest.mark.parametrize(("query", "expected", "total"), [
    ("", ["n1", "n2", "n3"], 3),
    ("district=fjell", ["n1", "n3"], 2),
    ("district=konnerud", ["n2"], 1),
    ("district=svelvik", [], 0),
    ("skill=driving", ["n2", "n3"], 2),
    ("skill=sjåfør", ["n2", "n3"], 2),
    ("skill=visiting_friend", ["n1"], 1),
    ("district=fjell&skill=driving", ["n3"], 1),
    ("limit=1", ["n1"], 3),
    ("limit=2&offset=1", ["n2", "n3"], 3),
    ("offset=3", [], 3),
    ("status=closed", ["n1", "n2", "n3"], 3),
    ("status=pending_verification", ["n1", "n2", "n3"], 3),
])
def test_public_listing_shows_open_needs_only_and_no_contact_details(needs_client, needs_in_every_state, query,
                                                                    expected, total):
    response = needs_client.get(f"/needs?{query}")

    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_json()
    needs = needs_in_every_state["needs"]
    assert [item["id"] for item in page["items"]] == [needs[name]["id"] for name in expected]
    assert page["total"] == total
    assert all(item["status"] == "open" for item in page["items"])
    keys = {key for key, _ in leaves(page)}
    assert not keys & {"contact", "email", "phone", "api_key", "api_key_hash", "outbox"}
    text = response.get_data(as_text=True)
    assert not [c for c in needs_in_every_state["contacts"] if c in text]


def test_open_need_read_by_the_public_has_no_contact_details(needs_client, organisation):
    need = post_need(needs_client, organisation["api_key"])
    response = needs_client.get(f"/needs/{need['id']}")
    assert response.status_code == 200
    assert not [v for v in organisation["contact"].values() if v in response.get_data(as_text=True)]


# --- verification ----------------------------------------------------------------------------------

def outbox_events(needs_db, need_id: str) -> list:
    return [parse_event(entry["value"]) for entry in needs_db.needs.find_one({"_id": need_id})["outbox"]]


def test_a_need_sends_an_event_when_its_matching_attributes_change_or_it_closes_and_not_otherwise(
        needs_client, needs_db):
    organisation = register_organisation(needs_client)
    need = post_need(needs_client, organisation["api_key"])
    key = bearer(organisation["api_key"])
    changes = [("patch", {"title": "Ny tittel"}), ("patch", {"volunteers_needed": 4}), ("post", None), ("post", None)]
    for method, body in changes:
        path = f"/needs/{need['id']}" + ("/close" if method == "post" else "")
        assert getattr(needs_client, method)(path, json=body, headers=key).status_code == 200

    assert [e.type for e in outbox_events(needs_db, need["id"])] == ["need.published", "need.updated", "need.closed"]


def test_an_offer_sends_an_event_when_its_matching_attributes_change_and_not_for_a_note(offers_client, offers_db):
    offer = create_offer(offers_client)
    token = bearer(offer["manage_token"])
    for body in ({"note": "Har bil."}, {"skills": ["music"]}):
        assert offers_client.patch(f"/offers/{offer['id']}", json=body, headers=token).status_code == 200

    outbox = offers_db.offers.find_one({"_id": offer["id"]})["outbox"]
    assert [parse_event(entry["value"]).type for entry in outbox] == [
        "offer.confirmation_requested", "offer.published", "offer.updated"]


def test_need_of_unverified_organisation_waits_for_staff_and_is_then_published(needs_client, empty_needs_db):
    organisation = register_organisation(needs_client, verified=False)
    need = post_need(needs_client, organisation["api_key"])
    assert need["status"] == "pending_verification"
    assert outbox_events(empty_needs_db, need["id"]) == []
    assert need["id"] not in [item["id"] for item in needs_client.get("/needs").get_json()["items"]]
    assert_contract_error(needs_client.get(f"/needs/{need['id']}"), 401)

    verified = needs_client.post(f"/organisations/{organisation['id']}/verify", headers=STAFF)

    assert verified.status_code == 200 and verified.get_json()["verified"] is True
    published = needs_client.get(f"/needs/{need['id']}")
    assert published.status_code == 200
    assert published.get_json()["status"] == "open" and published.get_json()["published_at"]
    assert need["id"] in [item["id"] for item in needs_client.get("/needs").get_json()["items"]]
    [event] = outbox_events(empty_needs_db, need["id"])
    assert (event.type, event.subject, event.data["status"]) == ("need.published", need["id"], "open")
    assert event.data["organisation_id"] == organisation["id"]
    raw = empty_needs_db.needs.find_one({"_id": need["id"]})["outbox"][0]["value"]
    assert not [v for v in organisation["contact"].values() if v in raw]


def test_verifying_twice_publishes_once(needs_client, needs_db):
    organisation = register_organisation(needs_client, verified=False)
    need = post_need(needs_client, organisation["api_key"])
    for _ in range(2):
        assert needs_client.post(f"/organisations/{organisation['id']}/verify", headers=STAFF).status_code == 200
    assert [e.type for e in outbox_events(needs_db, need["id"])] == ["need.published"]


def test_need_events_carry_neither_free_text_nor_contact_details(needs_client, needs_db, organisation):
    body = need_body(title=f"Ring {organisation['contact']['phone']}", description=organisation["contact"]["email"])
    need = post_need(needs_client, organisation["api_key"], **body)
    [event] = outbox_events(needs_db, need["id"])
    assert "title" not in event.data and "description" not in event.data
    raw = needs_db.needs.find_one({"_id": need["id"]})["outbox"][0]["value"]
    assert organisation["contact"]["email"] not in raw and organisation["contact"]["phone"] not in raw


def test_unverified_organisations_need_closed_before_verification_is_never_published(needs_client, needs_db):
    organisation = register_organisation(needs_client, verified=False)
    need = post_need(needs_client, organisation["api_key"])
    needs_client.post(f"/needs/{need['id']}/close", headers=bearer(organisation["api_key"]))
    needs_client.post(f"/organisations/{organisation['id']}/verify", headers=STAFF)
    stored = needs_db.needs.find_one({"_id": need["id"]})
    assert stored["status"] == "closed" and stored["outbox"] == []
