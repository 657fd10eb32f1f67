"""What the APIs answer at their edges: the database away, another service away, bodies sent in chunks."""
from __future__ import annotations

import json
import time
from uuid import uuid4

import pytest
import requests

from deploy import standins
from shared.mongo import VersionConflict
from services.matcher.app import create_app as create_matcher_app
from services.needs.app import create_app as create_needs_app
from services.offers.app import create_app as create_offers_app
from tests.conftest import wait_until
from tests.integration.conftest import (ADMIN_TOKEN, LINK_SIGNING_KEY, SERVICE_TOKEN, STAFF, assert_contract_error,
                                        bearer, create_offer, need_body, offer_body, organisation_body,
                                        register_organisation)
from tests.integration.live_apis import running_apis

MAX_BODY = 64 * 1024


# --- the database away ----------------------------------------------------------------------------

@pytest.fixture
def database_that_goes_away(tmp_path, service_config):
    """A database of the tests' own that a test may stop; the three APIs on it."""
    server = standins.Server("mongodb", standins.free_port(), tmp_path).start()
    config = service_config.with_overrides(mongodb_uri=f"mongodb://{server.address}")
    apps = {"offers": create_offers_app(config).test_client(), "needs": create_needs_app(config).test_client(),
            "matcher": create_matcher_app(config).test_client()}
    try:
        yield server, apps
    finally:
        server.stop()


REQUESTS = [
    ("offers", "POST", "/offers", lambda: offer_body(), None),
    ("offers", "GET", "/offers", None, STAFF),
    ("offers", "GET", f"/offers/{uuid4()}", None, STAFF),
    ("needs", "POST", "/organisations", lambda: organisation_body(), None),
    ("needs", "GET", "/needs", None, None),
    ("needs", "GET", f"/organisations/{uuid4()}", None, None),
    ("matcher", "GET", f"/matches/{uuid4()}", None, STAFF),
    ("matcher", "GET", "/stats", None, STAFF),
]


@pytest.mark.parametrize(("service", "method", "path", "body", "headers"), REQUESTS,
                         ids=[f"{m} {s}{p[:20]}" for s, m, p, _, _ in REQUESTS])
def test_while_the_database_is_away_the_apis_answer_503_within_two_seconds(database_that_goes_away, service,
                                                                          method, path, body, headers):
    server, apps = database_that_goes_away
    for warm_up in (apps["offers"].get("/offers", headers=STAFF), apps["needs"].get("/needs"),
                    apps["matcher"].get("/stats", headers=STAFF)):
        assert warm_up.status_code == 200  # each connected once, as a running service is
    server.stop()
    for _ in range(2):  # the first request after the loss may fail at once; the next waits to select a server
        started = time.monotonic()
        response = apps[service].open(path, method=method, json=body() if body else None, headers=headers or {})
        assert time.monotonic() - started < 2.0
        assert assert_contract_error(response, 503)["code"] == "unavailable"


def test_the_apis_answer_again_once_the_database_is_back(database_that_goes_away):
    server, apps = database_that_goes_away
    server.stop()
    assert_contract_error(apps["needs"].get("/needs"), 503)
    server.start()
    wait_until(lambda: apps["needs"].get("/needs").status_code == 200, timeout=30)


# --- another service away -------------------------------------------------------------------------

@pytest.fixture
def matcher_without_issuers(service_config):
    nowhere = f"http://127.0.0.1:{standins.free_port()}"
    return create_matcher_app(service_config.with_overrides(offers_url=nowhere, needs_url=nowhere)).test_client()


@pytest.mark.parametrize("path", [f"/matches/{uuid4()}", f"/matches?offer_id={uuid4()}", "/stats"])
def test_when_the_issuers_cannot_be_asked_who_holds_a_token_the_matcher_answers_503(matcher_without_issuers, path):
    response = matcher_without_issuers.get(path, headers=bearer("h6X0lZ3o0m2Kq9yTt1cV8bN4rS7uW5eA2dF6gJ0kL3p"))
    assert assert_contract_error(response, 503)["code"] == "unavailable"


def test_staff_need_no_issuer_to_be_known(matcher_without_issuers):
    assert matcher_without_issuers.get("/stats", headers=STAFF).status_code == 200


# --- bodies sent in chunks, through gunicorn as the stack runs it -----------------------------------

@pytest.fixture(scope="module")
def gunicorn_apis(tmp_path_factory, mongo_uri):
    with running_apis(["offers", "needs"], tmp_path_factory.mktemp("gunicorn"), mongo_uri,
                      LINK_SIGNING_KEY=LINK_SIGNING_KEY, ADMIN_TOKEN=ADMIN_TOKEN, SERVICE_TOKEN=SERVICE_TOKEN) as urls:
        yield urls


def chunked(body: bytes, size: int = 4096):
    """The body as a generator, which requests sends with Transfer-Encoding: chunked and no Content-Length."""
    for start in range(0, len(body), size):
        yield body[start:start + size]


def padded(body: dict, total: int) -> bytes:
    """The body with a note long enough to make it `total` bytes of JSON."""
    raw = json.dumps({**body, "note": ""}).encode()
    return json.dumps({**body, "note": "x" * (total - len(raw))}).encode()


@pytest.mark.parametrize("size", [MAX_BODY + 1, MAX_BODY + 10_000, 5 * MAX_BODY])
def test_a_chunked_body_over_64_kib_is_413(gunicorn_apis, size):
    response = requests.post(gunicorn_apis["offers"] + "/offers", data=chunked(padded(offer_body(), size)),
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "body_too_large"


def test_a_chunked_body_to_a_protected_endpoint_over_64_kib_is_413(gunicorn_apis, needs_client):
    organisation = register_organisation(needs_client)
    response = requests.post(gunicorn_apis["needs"] + "/needs", data=chunked(padded(need_body(), MAX_BODY + 100)),
                             headers={"Content-Type": "application/json", **bearer(organisation["api_key"])})
    assert response.status_code == 413, response.text


@pytest.mark.parametrize("size", [2000, MAX_BODY - 200])
def test_a_chunked_body_within_the_limit_is_read_whole(gunicorn_apis, size):
    body = offer_body()
    body.pop("note", None)
    response = requests.post(gunicorn_apis["offers"] + "/offers", data=chunked(padded(body, size)),
                             headers={"Content-Type": "application/json"})
    if size > 2000:  # the note's own limit speaks, which proves the whole body was read
        assert response.status_code == 422 and "note" in response.json()["error"]["fields"], response.text
    else:
        assert response.status_code == 201, response.text


def test_a_body_with_a_content_length_over_64_kib_is_still_413(gunicorn_apis):
    response = requests.post(gunicorn_apis["offers"] + "/offers", data=padded(offer_body(), MAX_BODY + 1),
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_a_patch_in_chunks_by_its_owner_works(gunicorn_apis, offers_client):
    offer = create_offer(offers_client)
    response = requests.patch(f"{gunicorn_apis['offers']}/offers/{offer['id']}",
                              data=chunked(json.dumps({"note": "Har bil."}).encode(), 3),
                              headers={"Content-Type": "application/json", **bearer(offer["manage_token"])})
    assert response.status_code == 200 and response.json()["note"] == "Har bil."


def test_a_change_that_keeps_losing_to_concurrent_writers_answers_409_not_500(offers_client):
    offer = create_offer(offers_client)
    store = offers_client.application.extensions["deps"].repo.offers

    def always_changed_meanwhile(doc, events=()):
        raise VersionConflict(f"offers/{doc['_id']} changed since version {doc['version']}")

    store.save = always_changed_meanwhile
    try:
        response = offers_client.patch(f"/offers/{offer['id']}", json={"note": "Kan også lørdager."},
                                       headers=bearer(offer["manage_token"]))
    finally:
        del store.save
    assert assert_contract_error(response, 409)["code"] == "conflict"
