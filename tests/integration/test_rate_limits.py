"""Rate limits per client address, shared through the database by every worker of a service."""
from __future__ import annotations

import itertools

import pytest

from services.matcher.app import create_app as create_matcher_app
from services.needs.app import create_app as create_needs_app
from services.offers.app import create_app as create_offers_app
from shared.ratelimit import CounterStorage
from tests.integration.conftest import (SERVICE_TOKEN, assert_contract_error, bearer, create_offer, offer_body,
                                        organisation_body)

_addresses = itertools.count(1)


def address() -> dict[str, str]:
    """A client address no other test uses, so counts do not carry over."""
    n = next(_addresses)
    return {"REMOTE_ADDR": f"198.51.{n // 250}.{n % 250 + 1}"}


@pytest.fixture(scope="module")
def limited(service_config):
    """Two workers of each service, as gunicorn runs them, with small limits."""
    config = service_config.with_overrides(rate_limit_writes="3/minute", rate_limit_token_failures="2/minute")
    return {"offers": [create_offers_app(config).test_client() for _ in range(2)],
            "needs": [create_needs_app(config).test_client() for _ in range(2)],
            "matcher": [create_matcher_app(config).test_client()]}


def assert_too_many(response) -> None:
    error = assert_contract_error(response, 429)
    assert error["code"] == "too_many_requests"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_new_offers_from_one_address_are_limited_across_workers(limited):
    client = address()
    statuses = [limited["offers"][i % 2].post("/offers", json=offer_body(), environ_base=client).status_code
                for i in range(3)]
    assert statuses == [201, 201, 201]
    assert_too_many(limited["offers"][1].post("/offers", json=offer_body(), environ_base=client))
    assert_too_many(limited["offers"][0].post("/offers", json=offer_body(), environ_base=client))


def test_another_address_has_its_own_count(limited):
    first, second = address(), address()
    for _ in range(3):
        limited["offers"][0].post("/offers", json=offer_body(), environ_base=first)
    assert_too_many(limited["offers"][0].post("/offers", json=offer_body(), environ_base=first))
    assert limited["offers"][0].post("/offers", json=offer_body(), environ_base=second).status_code == 201


def test_new_organisations_are_limited(limited):
    client = address()
    for i in range(3):
        response = limited["needs"][i % 2].post("/organisations", json=organisation_body(), environ_base=client)
        assert response.status_code == 201
    assert_too_many(limited["needs"][0].post("/organisations", json=organisation_body(), environ_base=client))


@pytest.mark.parametrize(("service", "path"), [("offers", "/confirm/{code}"), ("needs", "/confirm/{code}"),
                                               ("matcher", "/r/{code}")])
def test_pressing_link_buttons_is_limited_even_with_codes_that_do_not_work(limited, service, path):
    client = address()
    for n in range(3):
        response = limited[service][0].post(path.format(code=f"guess{n}" + "A" * 40), data={"answer": "accept"},
                                            environ_base=client)
        assert response.status_code == 404
    response = limited[service][0].post(path.format(code="guess" + "B" * 40), data={"answer": "accept"},
                                        environ_base=client)
    assert response.status_code == 429 and "Retry-After" in response.headers


def test_reads_and_authenticated_writes_are_not_limited_as_writes(limited, offers_client):
    client = address()
    offer = create_offer(offers_client)
    for _ in range(6):
        assert limited["offers"][0].get("/skills", environ_base=client).status_code == 200
        patched = limited["offers"][0].patch(f"/offers/{offer['id']}", json={"note": "Har bil."},
                                             headers=bearer(offer["manage_token"]), environ_base=client)
        assert patched.status_code == 200


def test_failed_token_attempts_are_limited_across_endpoints_and_workers(limited, offers_client):
    client = address()
    offer = create_offer(offers_client)
    guess = bearer("h6X0lZ3o0m2Kq9yTt1cV8bN4rS7uW5eA2dF6gJ0kL3p")
    assert_contract_error(limited["offers"][0].get(f"/offers/{offer['id']}", headers=guess, environ_base=client), 401)
    assert_contract_error(limited["offers"][1].get("/offers", headers=guess, environ_base=client), 401)
    assert_too_many(limited["offers"][0].get(f"/offers/{offer['id']}", headers=guess, environ_base=client))
    assert_too_many(limited["offers"][1].get(f"/offers/{offer['id']}", headers=bearer(offer["manage_token"]),
                                             environ_base=client))


def test_requests_without_a_token_do_not_count_as_failed_token_attempts(limited):
    client = address()
    for _ in range(5):
        assert_contract_error(limited["offers"][0].get("/offers", environ_base=client), 401)


def test_successful_token_use_does_not_count(limited, offers_client):
    client = address()
    offer = create_offer(offers_client)
    for _ in range(5):
        response = limited["offers"][0].get(f"/offers/{offer['id']}", headers=bearer(offer["manage_token"]),
                                            environ_base=client)
        assert response.status_code == 200


def test_the_service_token_introspecting_unknown_tokens_is_not_a_failure(limited):
    client = address()
    for _ in range(5):
        response = limited["offers"][0].post("/tokens/introspect", json={"token": "nobody's"},
                                             headers=bearer(SERVICE_TOKEN), environ_base=client)
        assert response.get_json() == {"active": False}


def test_tests_run_without_limits_unless_they_set_them(offers_client):
    client = address()
    assert all(offers_client.post("/offers", json=offer_body(), environ_base=client).status_code == 201
               for _ in range(25))


def test_counters_of_windows_that_ended_long_ago_are_swept_away(mongo):
    collection = mongo.offers["rate_limits_sweep_test"]
    collection.delete_many({})
    collection.insert_one({"_id": "LIMITER/old-client", "count": 3, "ends": 1.0})
    storage = CounterStorage(collection=collection)
    storage._next_purge = 0.0
    assert storage.incr("LIMITER/new-client", 60) == 1
    assert collection.find_one({"_id": "LIMITER/old-client"}) is None
    assert storage.get("LIMITER/new-client") == 1


def test_a_window_that_ended_starts_again_from_one(mongo):
    collection = mongo.offers["rate_limits_window_test"]
    collection.delete_many({})
    storage = CounterStorage(collection=collection)
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    collection.update_one({"_id": "k"}, {"$set": {"ends": 1.0}})
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1
