"""Listing filters are checked like the bodies they filter: an id that is not a UUID and a skill or district
no one can have are 422 with the field at fault, never an empty list."""
from __future__ import annotations

from uuid import uuid4

import pytest

from services.notify.app import create_app as create_notify_app
from tests.integration.conftest import STAFF, assert_contract_error, bearer, create_offer

UUID_MESSAGE = "Must be an id (a UUID such as 0b8e2a4c-5f1d-4c3a-9e7b-2d6f8a1c3e5b)."


@pytest.fixture(scope="module")
def notify_client(service_config):
    return create_notify_app(service_config).test_client()


@pytest.mark.parametrize("match_id", ["../x", "x", "../healthz", "0B8E2A4C5F1D4C3A9E7B2D6F8A1C3E5B", " " + str(uuid4())])
def test_notifications_for_a_match_id_that_is_not_a_uuid_are_422(notify_client, match_id):
    response = notify_client.get("/notifications", query_string={"match_id": match_id}, headers=STAFF)
    error = assert_contract_error(response, 422)
    assert error["fields"] == {"match_id": [UUID_MESSAGE]}


def test_notifications_for_an_unknown_match_are_an_empty_list(notify_client):
    response = notify_client.get("/notifications", query_string={"match_id": str(uuid4())}, headers=STAFF)
    assert response.status_code == 200 and response.get_json() == {"items": []}


@pytest.mark.parametrize("headers", [{}, bearer("not-a-token")])
def test_notifications_refuse_a_stranger_before_reading_the_query(notify_client, headers):
    assert_contract_error(notify_client.get("/notifications", query_string={"match_id": "../x"}, headers=headers), 401)


LISTINGS = [("offers", "/offers", STAFF), ("needs", "/needs", {})]


@pytest.fixture
def listing(request, offers_client, needs_client):
    service, path, headers = request.param
    client = {"offers": offers_client, "needs": needs_client}[service]
    return lambda **query: client.get(path, query_string=query, headers=headers)


@pytest.mark.parametrize("listing", LISTINGS, indirect=True)
@pytest.mark.parametrize(("skill", "closest"), [("knittin", "crafts"), ("drivng", "driving"), ("cookin", "cooking")])
def test_a_misspelt_skill_filter_is_422_with_the_close_codes(listing, skill, closest):
    error = assert_contract_error(listing(skill=skill), 422)
    [message] = error["fields"]["skill"]
    assert f"Unknown skill {skill!r}" in message and closest in message and "GET /skills" in message


@pytest.mark.parametrize("listing", LISTINGS, indirect=True)
@pytest.mark.parametrize("skill", ["xyzzy", "", "../x"])
def test_a_skill_filter_no_skill_resembles_is_422(listing, skill):
    assert "skill" in assert_contract_error(listing(skill=skill), 422)["fields"]


@pytest.mark.parametrize("listing", LISTINGS, indirect=True)
@pytest.mark.parametrize("skill", ["crafts", "knitting", "Strikking", "driving"])
def test_a_skill_filter_takes_codes_labels_and_synonyms(listing, skill):
    # "knitting" is a synonym of crafts, as in an offer's skills: the filter is crafts, not unknown
    response = listing(skill=skill)
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("listing", LISTINGS, indirect=True)
def test_an_unknown_district_filter_is_422(listing):
    assert "district" in assert_contract_error(listing(district="atlantis"), 422)["fields"]


def test_offers_filtered_by_a_synonym_are_those_with_its_skill(offers_client):
    offer = create_offer(offers_client, skills=["crafts"])
    response = offers_client.get("/offers", query_string={"skill": "knitting", "status": "open", "limit": 200},
                                 headers=STAFF)
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert offer["id"] in {item["id"] for item in items} and all("crafts" in item["skills"] for item in items)
