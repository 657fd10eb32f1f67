"""Who may do what: every write endpoint and private read, for every kind of caller.

Missing or unknown token: 401, where a token is known only to the service that issued it. A known caller
and someone else's resource, or a staff-only endpoint: 403, or 404 for offers, whose existence is private to
their volunteer. Staff read everything, withdraw offers, change and
close needs and verify organisations; only the volunteer changes an offer.
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass

import pytest

from tests.integration.conftest import (ADMIN_TOKEN, SERVICE_TOKEN, STAFF, assert_contract_error, bearer,
                                        create_offer, need_body, post_need, register_organisation)

ROLES = ("volunteer", "other_volunteer", "organisation", "other_organisation", "staff", "service", "stranger",
         "garbage")


@dataclass
class World:
    """One volunteer's offer and one organisation's need, with another of each beside them."""

    offer_id: str
    need_id: str
    closed_need_id: str
    organisation_id: str
    tokens: dict[str, str | None]


@pytest.fixture
def world(offers_client, needs_client) -> World:
    volunteer = create_offer(offers_client)
    other_volunteer = create_offer(offers_client)
    organisation = register_organisation(needs_client)
    other_organisation = register_organisation(needs_client)
    need = post_need(needs_client, organisation["api_key"])
    closed_need = post_need(needs_client, organisation["api_key"])
    closed = needs_client.post(f"/needs/{closed_need['id']}/close", headers=bearer(organisation["api_key"]))
    assert closed.status_code == 200
    tokens = {
        "volunteer": volunteer["manage_token"], "other_volunteer": other_volunteer["manage_token"],
        "organisation": organisation["api_key"], "other_organisation": other_organisation["api_key"],
        "staff": ADMIN_TOKEN, "service": SERVICE_TOKEN, "stranger": None,
        "garbage": "h6X0lZ3o0m2Kq9yTt1cV8bN4rS7uW5eA2dF6gJ0kL3p",
    }
    return World(volunteer["id"], need["id"], closed_need["id"], organisation["id"], tokens)


ENDPOINTS = {
    "GET /offers/{offer}": ("offers", "GET", "/offers/{offer}", None),
    "GET /offers": ("offers", "GET", "/offers", None),
    "PATCH /offers/{offer}": ("offers", "PATCH", "/offers/{offer}", {"note": "Har bil."}),
    "DELETE /offers/{offer}": ("offers", "DELETE", "/offers/{offer}", None),
    "POST /needs": ("needs", "POST", "/needs", "need"),
    "GET /needs/{closed need}": ("needs", "GET", "/needs/{closed_need}", None),
    "PATCH /needs/{need}": ("needs", "PATCH", "/needs/{need}", {"volunteers_needed": 3}),
    "POST /needs/{need}/close": ("needs", "POST", "/needs/{need}/close", None),
    "POST /organisations/{org}/verify": ("needs", "POST", "/organisations/{organisation}/verify", None),
    "GET /organisations/{org}": ("needs", "GET", "/organisations/{organisation}", None),
    "GET /organisations": ("needs", "GET", "/organisations", None),
    "POST /tokens/introspect (offers)": ("offers", "POST", "/tokens/introspect", {"token": "someone's"}),
    "POST /tokens/introspect (needs)": ("needs", "POST", "/tokens/introspect", {"token": "someone's"}),
}

#                                    volunteer other_vol  org  other_org staff service stranger garbage
EXPECTED = {
    "GET /offers/{offer}":              (200, 404, 401, 401, 200, 200, 401, 401),
    "GET /offers":                      (403, 403, 401, 401, 200, 403, 401, 401),
    "PATCH /offers/{offer}":            (200, 404, 401, 401, 403, 403, 401, 401),
    "DELETE /offers/{offer}":           (200, 404, 401, 401, 200, 403, 401, 401),
    "POST /needs":                      (401, 401, 201, 201, 403, 403, 401, 401),
    "GET /needs/{closed need}":         (401, 401, 200, 403, 200, 200, 401, 401),
    "PATCH /needs/{need}":              (401, 401, 200, 403, 200, 403, 401, 401),
    "POST /needs/{need}/close":         (401, 401, 200, 403, 200, 403, 401, 401),
    "POST /organisations/{org}/verify": (401, 401, 403, 403, 200, 403, 401, 401),
    "GET /organisations/{org}":         (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /organisations":               (401, 401, 403, 403, 200, 403, 401, 401),
    "POST /tokens/introspect (offers)": (403, 403, 401, 401, 403, 200, 401, 401),
    "POST /tokens/introspect (needs)":  (401, 401, 403, 403, 403, 200, 401, 401),
}

MATRIX = [(role, endpoint, statuses[i]) for endpoint, statuses in EXPECTED.items() for i, role in enumerate(ROLES)]


def call(world: World, offers_client, needs_client, endpoint: str, token: str | None):
    service, method, template, body = ENDPOINTS[endpoint]
    path = template.format(offer=world.offer_id, need=world.need_id, closed_need=world.closed_need_id,
                           organisation=world.organisation_id)
    client = offers_client if service == "offers" else needs_client
    return client.open(path, method=method, json=need_body() if body == "need" else body, headers=bearer(token))


@pytest.mark.parametrize(("role", "endpoint", "status"), MATRIX, ids=[f"{e} as {r}" for r, e, _ in MATRIX])
def test_caller_gets_the_status_its_role_allows(world, offers_client, needs_client, role, endpoint, status):
    response = call(world, offers_client, needs_client, endpoint, world.tokens[role])
    if status >= 400:
        assert_contract_error(response, status)
    else:
        assert response.status_code == status, response.get_data(as_text=True)


@pytest.mark.parametrize(("role", "sees_contact"), [
    ("volunteer", False), ("other_volunteer", False), ("organisation", True), ("other_organisation", False),
    ("staff", True), ("service", True), ("stranger", False), ("garbage", False),
])
def test_organisation_contact_is_shown_only_to_itself_staff_and_services(world, needs_client, role, sees_contact):
    response = needs_client.get(f"/organisations/{world.organisation_id}", headers=bearer(world.tokens[role]))
    assert response.status_code == 200
    assert ("contact" in response.get_json()) is sees_contact
    assert ("@example.no" in response.get_data(as_text=True)) is sees_contact


def test_refusals_change_nothing(world, offers_client, needs_client, offers_db, needs_db):
    offer_before = offers_db.offers.find_one({"_id": world.offer_id})
    need_before = needs_db.needs.find_one({"_id": world.need_id})
    for role in ("other_volunteer", "organisation", "service", "stranger", "garbage"):
        offers_client.patch(f"/offers/{world.offer_id}", json={"note": "x"}, headers=bearer(world.tokens[role]))
        offers_client.delete(f"/offers/{world.offer_id}", headers=bearer(world.tokens[role]))
    for role in ("volunteer", "other_organisation", "service", "stranger", "garbage"):
        needs_client.patch(f"/needs/{world.need_id}", json={"volunteers_needed": 9}, headers=bearer(world.tokens[role]))
        needs_client.post(f"/needs/{world.need_id}/close", headers=bearer(world.tokens[role]))
    assert offers_db.offers.find_one({"_id": world.offer_id}) == offer_before
    assert needs_db.needs.find_one({"_id": world.need_id}) == need_before


@pytest.mark.parametrize("role", ["other_volunteer", "staff"])
def test_offer_that_does_not_exist_looks_like_one_that_is_not_yours(world, offers_client, role):
    """Another volunteer cannot tell a missing offer from someone else's; staff simply get 404."""
    missing = offers_client.get("/offers/no-such-offer", headers=bearer(world.tokens[role]))
    assert_contract_error(missing, 404)
    if role == "other_volunteer":
        someone_elses = offers_client.get(f"/offers/{world.offer_id}", headers=bearer(world.tokens[role]))
        assert someone_elses.get_json() == missing.get_json()


def test_volunteer_cannot_change_another_volunteers_offer(world, offers_client, offers_db):
    response = offers_client.patch(f"/offers/{world.offer_id}", json={"volunteer": {"email": "thief@example.no"}},
                                   headers=bearer(world.tokens["other_volunteer"]))
    assert_contract_error(response, 404)
    assert offers_db.offers.find_one({"_id": world.offer_id})["volunteer"]["email"] != "thief@example.no"


def test_organisation_cannot_close_another_organisations_need(world, needs_client, needs_db):
    response = needs_client.post(f"/needs/{world.need_id}/close", headers=bearer(world.tokens["other_organisation"]))
    assert_contract_error(response, 403)
    assert needs_db.needs.find_one({"_id": world.need_id})["status"] == "open"


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic c3RhZmY6dG9rZW4=", "staff-token", "Bearer  "])
def test_malformed_authorization_header_is_401(world, offers_client, header):
    response = offers_client.get(f"/offers/{world.offer_id}", headers={"Authorization": header})
    assert_contract_error(response, 401)


def test_staff_token_is_compared_whole(world, offers_client):
    for near_miss in (ADMIN_TOKEN[:-1], ADMIN_TOKEN + "x", ADMIN_TOKEN.upper()):
        assert_contract_error(offers_client.get("/offers", headers=bearer(near_miss)), 401)


# --- tokens ---------------------------------------------------------------------------------------

URLSAFE = re.compile(r"^[A-Za-z0-9_-]+$")


def random_bits(token: str) -> int:
    assert URLSAFE.match(token), token
    return len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8


def test_manage_token_and_api_key_carry_at_least_128_random_bits(offers_client, needs_client):
    offers = [create_offer(offers_client)["manage_token"] for _ in range(3)]
    organisations = [register_organisation(needs_client, verified=False)["api_key"] for _ in range(3)]
    for token in offers + organisations:
        assert len(token) >= 22 and random_bits(token) >= 128
    assert len(set(offers + organisations)) == 6


def _everything_in(db) -> str:
    return "\n".join(json.dumps(doc, default=str) for name in db.list_collection_names() for doc in db[name].find())


def test_manage_token_is_stored_only_as_a_hash(offers_client, offers_db):
    offer = create_offer(offers_client)
    offers_client.patch(f"/offers/{offer['id']}", json={"note": "Har bil."}, headers=bearer(offer["manage_token"]))
    assert offer["manage_token"] not in _everything_in(offers_db)
    assert offers_db.offers.find_one({"_id": offer["id"]})["manage_token_hash"] != offer["manage_token"]


def test_api_key_is_stored_only_as_a_hash(needs_client, needs_db):
    organisation = register_organisation(needs_client)
    post_need(needs_client, organisation["api_key"])
    assert organisation["api_key"] not in _everything_in(needs_db)


def test_tokens_are_shown_once_and_never_read_back(offers_client, needs_client):
    offer = create_offer(offers_client)
    organisation = register_organisation(needs_client)
    reads = [
        offers_client.get(f"/offers/{offer['id']}", headers=bearer(offer["manage_token"])),
        offers_client.get(f"/offers/{offer['id']}", headers=STAFF),
        offers_client.patch(f"/offers/{offer['id']}", json={"note": "x"}, headers=bearer(offer["manage_token"])),
        needs_client.get(f"/organisations/{organisation['id']}", headers=bearer(organisation["api_key"])),
        needs_client.get("/organisations/me", headers=bearer(organisation["api_key"])),
    ]
    for response in reads:
        assert response.status_code == 200, response.get_data(as_text=True)
        text = response.get_data(as_text=True)
        assert offer["manage_token"] not in text and organisation["api_key"] not in text
        assert "manage_token" not in response.get_json() and "api_key" not in response.get_json()
        assert "hash" not in text


# --- the caller before the body -------------------------------------------------------------------

GARBAGE_BODIES = [{"volunteers_needed": "many", "skills": 7, "unknown": True}, ["not", "an", "object"], "[1, 2",
                  {"volunteer": {"email": "not-an-e-mail"}, "note": 5}]
PROTECTED_WRITES = [("offers", "PATCH", "/offers/{offer}"), ("needs", "POST", "/needs"),
                    ("needs", "PATCH", "/needs/{need}"), ("offers", "POST", "/tokens/introspect"),
                    ("needs", "POST", "/tokens/introspect")]


@pytest.mark.parametrize("body", GARBAGE_BODIES, ids=["wrong_fields", "array", "broken_json", "bad_nested"])
@pytest.mark.parametrize(("service", "method", "template"), PROTECTED_WRITES,
                         ids=[f"{m} {t}" for _, m, t in PROTECTED_WRITES])
@pytest.mark.parametrize("role", ["stranger", "garbage"])
def test_a_stranger_is_refused_before_the_body_is_read(world, offers_client, needs_client, role, service, method,
                                                        template, body):
    client = offers_client if service == "offers" else needs_client
    path = template.format(offer=world.offer_id, need=world.need_id)
    data = body if isinstance(body, str) else json.dumps(body)
    response = client.open(path, method=method, data=data, content_type="application/json",
                           headers=bearer(world.tokens[role]))
    assert_contract_error(response, 401)


# --- token introspection --------------------------------------------------------------------------

SERVICE = bearer(SERVICE_TOKEN)


def introspect(client, token: str):
    response = client.post("/tokens/introspect", json={"token": token}, headers=SERVICE)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_manage_token_introspects_as_its_volunteer_and_nothing_more(world, offers_client, needs_client):
    token = world.tokens["volunteer"]
    assert introspect(offers_client, token) == {"active": True, "kind": "volunteer", "offer_id": world.offer_id}
    assert introspect(needs_client, token) == {"active": False}


def test_an_api_key_introspects_as_its_organisation_verified_or_not(world, offers_client, needs_client):
    assert introspect(needs_client, world.tokens["organisation"]) == {
        "active": True, "kind": "organisation", "organisation_id": world.organisation_id}
    assert introspect(offers_client, world.tokens["organisation"]) == {"active": False}
    waiting = register_organisation(needs_client, verified=False, confirmed=False)
    assert introspect(needs_client, waiting["api_key"]) == {
        "active": True, "kind": "organisation", "organisation_id": waiting["id"]}


def test_a_pending_offers_token_is_active_so_its_volunteer_can_still_edit_it(offers_client):
    pending = create_offer(offers_client, confirmed=False)
    assert pending["status"] == "pending_confirmation"
    assert introspect(offers_client, pending["manage_token"]) == {
        "active": True, "kind": "volunteer", "offer_id": pending["id"]}


def test_a_withdrawn_offers_token_is_inactive(offers_client):
    offer = create_offer(offers_client)
    assert offers_client.delete(f"/offers/{offer['id']}", headers=bearer(offer["manage_token"])).status_code == 200
    assert introspect(offers_client, offer["manage_token"]) == {"active": False}


@pytest.mark.parametrize("token", ["", "x", "h6X0lZ3o0m2Kq9yTt1cV8bN4rS7uW5eA2dF6gJ0kL3p", ADMIN_TOKEN[:-1], " " * 3])
def test_a_token_nobody_holds_is_inactive_and_nothing_else(world, offers_client, needs_client, token):
    assert introspect(offers_client, token) == {"active": False}
    assert introspect(needs_client, token) == {"active": False}


def test_the_staff_and_service_tokens_introspect_as_what_they_are(offers_client, needs_client):
    for client in (offers_client, needs_client):
        assert introspect(client, ADMIN_TOKEN) == {"active": True, "kind": "staff"}
        assert introspect(client, SERVICE_TOKEN) == {"active": True, "kind": "service"}


@pytest.mark.parametrize("body", [{}, {"token": 5}, {"token": "x" * 600}, {"token": None}])
def test_introspection_without_a_readable_token_is_422_for_the_service(offers_client, body):
    assert_contract_error(offers_client.post("/tokens/introspect", json=body, headers=SERVICE), 422)


def test_introspection_also_takes_a_form_encoded_body_as_rfc_7662_sends_it(world, offers_client, needs_client):
    response = offers_client.post("/tokens/introspect", data={"token": world.tokens["volunteer"],
                                                             "token_type_hint": "access_token"}, headers=SERVICE)
    assert response.get_json() == {"active": True, "kind": "volunteer", "offer_id": world.offer_id}
    response = needs_client.post("/tokens/introspect", data={"token": "nobody's"}, headers=SERVICE)
    assert response.get_json() == {"active": False}


def test_other_endpoints_still_take_only_json(needs_client, organisation):
    response = needs_client.post("/needs", data={"title": "Besøksvenn"}, headers=bearer(organisation["api_key"]))
    assert_contract_error(response, 422)


def _listed(needs_client, **filters: str) -> dict[str, dict]:
    """Every organisation staff see through GET /organisations with these filters, page by page, by id."""
    found, offset = {}, 0
    while True:
        response = needs_client.get("/organisations", query_string={**filters, "limit": 200, "offset": offset},
                                    headers=STAFF)
        assert response.status_code == 200, response.get_data(as_text=True)
        page = response.get_json()
        found.update({item["id"]: item for item in page["items"]})
        offset += page["limit"]
        if offset >= page["total"]:
            return found


def test_staff_find_the_organisations_waiting_to_be_verified_with_their_contact(needs_client):
    waiting = register_organisation(needs_client, verified=False)
    unconfirmed = register_organisation(needs_client, verified=False, confirmed=False)
    verified = register_organisation(needs_client)

    to_verify = _listed(needs_client, verified="false", contact_confirmed="true")
    assert waiting["id"] in to_verify and unconfirmed["id"] not in to_verify and verified["id"] not in to_verify
    assert to_verify[waiting["id"]]["contact"]["email"] == waiting["contact"]["email"]
    assert "api_key" not in to_verify[waiting["id"]] and "api_key_hash" not in to_verify[waiting["id"]]
    assert unconfirmed["id"] in _listed(needs_client, contact_confirmed="false")
    assert verified["id"] in _listed(needs_client, verified="true")
    assert {waiting["id"], unconfirmed["id"], verified["id"]} <= set(_listed(needs_client))


def test_the_organisation_listing_is_paginated_like_the_needs(needs_client):
    page = needs_client.get("/organisations?limit=1&offset=0", headers=STAFF).get_json()
    assert set(page) == {"items", "total", "limit", "offset"} and page["limit"] == 1 and len(page["items"]) <= 1
    for query in ("limit=0", "limit=201", "verified=maybe"):
        assert_contract_error(needs_client.get(f"/organisations?{query}", headers=STAFF), 422)
