"""Rate limits per client address, shared through the database by every worker of a service."""
from __future__ import annotations

import itertools

import pytest

from services.matcher.app import create_app as create_matcher_app
from services.needs.app import create_app as create_needs_app
from services.offers.app import create_app as create_offers_app
from shared.ratelimit import CAP_FACTOR, CounterStorage
from tests.integration.conftest import (ADMIN_TOKEN, SERVICE_TOKEN, assert_contract_error, bearer, create_offer,
                                        offer_body, organisation_body, register_organisation)
from tests.integration.test_matcher_authorisation import serve

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


@pytest.mark.parametrize("service", ["offers", "needs"])
def test_exchanging_a_credential_for_a_session_is_limited_as_a_write(limited, offers_client, needs_client, service):
    client = address()
    credential = (create_offer(offers_client)["manage_token"] if service == "offers"
                  else register_organisation(needs_client, verified=False)["api_key"])
    for i in range(3):
        response = limited[service][i % 2].post("/sessions", headers=bearer(credential), environ_base=client)
        assert response.status_code == 201, response.get_data(as_text=True)
    assert_too_many(limited[service][0].post("/sessions", headers=bearer(credential), environ_base=client))


@pytest.mark.parametrize("service", ["offers", "needs"])
def test_asking_whether_sign_in_links_work_is_limited_as_a_write(limited, service):
    client = address()
    for n in range(3):
        response = limited[service][n % 2].post("/sessions/check", json={"code": f"guess{n}"}, environ_base=client)
        assert response.status_code == 404
    assert_too_many(limited[service][0].post("/sessions/check", json={"code": "guess"}, environ_base=client))


def test_reads_and_authenticated_writes_are_not_limited_as_writes(limited, offers_client):
    client = address()
    offer = create_offer(offers_client)
    for _ in range(6):
        assert limited["offers"][0].get("/skills", environ_base=client).status_code == 200
        patched = limited["offers"][0].patch(f"/offers/{offer['id']}", json={"note": "Har bil."},
                                             headers=bearer(offer["manage_token"]), environ_base=client)
        assert patched.status_code == 200


GUESS = "h6X0lZ3o0m2Kq9yTt1cV8bN4rS7uW5eA2dF6gJ0kL3p"
ADDRESS_CAP = 2 * CAP_FACTOR  # the fixture's 2/minute for one token, times the factor for an address


def test_one_wrong_token_is_refused_unchecked_beyond_the_limit_across_endpoints_and_workers(limited, offers_client):
    client = address()
    offer = create_offer(offers_client)
    assert_contract_error(limited["offers"][0].get(f"/offers/{offer['id']}", headers=bearer(GUESS),
                                                   environ_base=client), 401)
    assert_contract_error(limited["offers"][1].get("/offers", headers=bearer(GUESS), environ_base=client), 401)
    assert_too_many(limited["offers"][0].get(f"/offers/{offer['id']}", headers=bearer(GUESS), environ_base=client))


def test_a_valid_token_still_works_from_an_address_that_sent_many_wrong_ones(limited, offers_client):
    client = address()
    offer = create_offer(offers_client)
    for n in range(ADDRESS_CAP - 1):
        assert_contract_error(limited["offers"][n % 2].get(f"/offers/{offer['id']}", headers=bearer(f"wrong{n}"),
                                                           environ_base=client), 401)
    for worker in limited["offers"]:
        owner = worker.get(f"/offers/{offer['id']}", headers=bearer(offer["manage_token"]), environ_base=client)
        assert owner.status_code == 200
    assert limited["offers"][0].get("/offers", headers=bearer(ADMIN_TOKEN), environ_base=client).status_code == 200


def test_an_address_guessing_tokens_beyond_its_cap_gets_429_for_every_unchecked_token(limited, offers_client):
    client = address()
    offer = create_offer(offers_client)
    for n in range(ADDRESS_CAP):
        assert_contract_error(limited["offers"][n % 2].get(f"/offers/{offer['id']}", headers=bearer(f"guess{n}"),
                                                           environ_base=client), 401)
    assert_too_many(limited["offers"][0].get(f"/offers/{offer['id']}", headers=bearer("one guess more"),
                                             environ_base=client))
    # a valid token not yet checked is refused like a guess: 429 says nothing about whether it was right
    assert_too_many(limited["offers"][1].get(f"/offers/{offer['id']}", headers=bearer(offer["manage_token"]),
                                             environ_base=client))
    assert limited["offers"][0].get(f"/offers/{offer['id']}", headers=bearer(offer["manage_token"]),
                                    environ_base=address()).status_code == 200


@pytest.mark.parametrize("token", [ADMIN_TOKEN, SERVICE_TOKEN])
def test_the_staff_and_service_tokens_pass_while_their_address_is_over_its_cap(limited, offers_client, token):
    client = address()
    offer = create_offer(offers_client)
    for n in range(ADDRESS_CAP + 2):
        limited["offers"][0].get(f"/offers/{offer['id']}", headers=bearer(f"guess{n}"), environ_base=client)
    assert limited["offers"][1].get(f"/offers/{offer['id']}", headers=bearer(token),
                                    environ_base=client).status_code == 200


@pytest.fixture(scope="module")
def link_guessing(service_config):
    """Each service with writes limited loosely, so failed credentials are what refuses a link."""
    config = service_config.with_overrides(rate_limit_writes="100/minute", rate_limit_token_failures="2/minute")
    return {"offers": create_offers_app(config).test_client(), "needs": create_needs_app(config).test_client(),
            "matcher": create_matcher_app(config).test_client()}


LINK_BUTTONS = [("offers", "/confirm/{code}"), ("needs", "/confirm/{code}"), ("matcher", "/r/{code}")]
TOKEN_CHECKED = {"offers": "/offers", "needs": "/organisations/me", "matcher": "/stats"}


@pytest.mark.parametrize(("service", "path"), LINK_BUTTONS)
def test_pressing_one_forged_link_again_beyond_the_limit_gets_429(link_guessing, service, path):
    client, forged = address(), path.format(code="forged" + "A" * 40)
    for _ in range(2):
        assert link_guessing[service].post(forged, data={"answer": "accept"}, environ_base=client).status_code == 404
    assert_too_many(link_guessing[service].post(forged, data={"answer": "accept"}, environ_base=client))


@pytest.mark.parametrize(("service", "path"), LINK_BUTTONS)
def test_forged_links_and_wrong_tokens_share_the_address_cap(link_guessing, service, path):
    client = address()
    for n in range(ADDRESS_CAP):
        response = link_guessing[service].post(path.format(code=f"forged{n}" + "A" * 40), data={"answer": "accept"},
                                               environ_base=client)
        assert response.status_code == 404
    assert_too_many(link_guessing[service].post(path.format(code="forged" + "B" * 40), data={"answer": "accept"},
                                                environ_base=client))
    # the matcher cannot reach the token issuers here (503 if it asked): 429 shows the guess was not looked up
    assert_too_many(link_guessing[service].get(TOKEN_CHECKED[service], headers=bearer(GUESS), environ_base=client))


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


@pytest.fixture(scope="module")
def matcher_with_issuers(service_config, offers_app, needs_app):
    """The matcher with small limits, asking the offers and needs services over HTTP who holds a token."""
    with serve(offers_app) as offers_url, serve(needs_app) as needs_url:
        config = service_config.with_overrides(offers_url=offers_url, needs_url=needs_url,
                                               rate_limit_token_failures="2/minute")
        yield create_matcher_app(config).test_client()


def test_the_matcher_lets_valid_tokens_through_after_wrong_ones_and_refuses_guesses_beyond_the_cap(
        matcher_with_issuers, offers_client):
    client, offer = address(), create_offer(offers_client)
    listing = f"/matches?offer_id={offer['id']}"
    for n in range(ADDRESS_CAP):
        assert_contract_error(matcher_with_issuers.get(listing, headers=bearer(f"wrong{n}"), environ_base=client), 401)
        if n == ADDRESS_CAP // 2:
            for token in (offer["manage_token"], ADMIN_TOKEN):
                assert matcher_with_issuers.get(listing, headers=bearer(token), environ_base=client).status_code == 200
    assert_too_many(matcher_with_issuers.get(listing, headers=bearer("wrong again"), environ_base=client))
    assert matcher_with_issuers.get(listing, headers=bearer(ADMIN_TOKEN), environ_base=client).status_code == 200


# --- behind the web --------------------------------------------------------------------------------------

WEB = "192.0.2.80"


@pytest.fixture(scope="module")
def behind_the_web(service_config):
    """The offers service trusting the web's address to name the client in X-Forwarded-For."""
    config = service_config.with_overrides(rate_limit_writes="3/minute", rate_limit_token_failures="2/minute",
                                           trusted_proxies=(WEB,))
    return create_offers_app(config).test_client()


def through(peer: str, client: dict[str, str], **headers: str) -> dict[str, object]:
    """A request from `peer` saying it forwards `client`, with any other headers."""
    return {"environ_base": {"REMOTE_ADDR": peer}, "headers": {"X-Forwarded-For": client["REMOTE_ADDR"], **headers}}


def test_citizens_behind_the_trusted_web_are_counted_each_by_their_own_address(behind_the_web):
    first, second = address(), address()
    for _ in range(3):
        assert behind_the_web.post("/offers", json=offer_body(), **through(WEB, first)).status_code == 201
    assert_too_many(behind_the_web.post("/offers", json=offer_body(), **through(WEB, first)))
    assert behind_the_web.post("/offers", json=offer_body(), **through(WEB, second)).status_code == 201


def test_failed_tokens_behind_the_trusted_web_count_against_the_citizen_not_the_web(behind_the_web):
    guesser, neighbour = address(), address()
    guess = {"Authorization": f"Bearer {GUESS}"}
    for _ in range(2):
        assert_contract_error(behind_the_web.get("/offers", **through(WEB, guesser, **guess)), 401)
    assert_too_many(behind_the_web.get("/offers", **through(WEB, guesser, **guess)))
    assert_contract_error(behind_the_web.get("/offers", **through(WEB, neighbour, **guess)), 401)


def test_an_untrusted_peer_cannot_dodge_its_count_by_naming_other_addresses(behind_the_web):
    peer = address()["REMOTE_ADDR"]
    for _ in range(3):
        assert behind_the_web.post("/offers", json=offer_body(), **through(peer, address())).status_code == 201
    assert_too_many(behind_the_web.post("/offers", json=offer_body(), **through(peer, address())))
