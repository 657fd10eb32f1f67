"""Who may read and answer matches, with the offers and needs services answering introspection over real HTTP.

Every role against every matcher endpoint; answer links that are forged, signed for another purpose, signed
under a retired key or under a key still listed for rotation; ids that try to walk to another service's path.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator
from uuid import UUID, uuid4

import pytest
from flask import Flask
from pymongo import MongoClient
from werkzeug.serving import make_server

from shared import links
from shared.clock import to_iso
from shared.config import Config
from services.matcher import access, lifecycle
from services.matcher.app import create_app as create_matcher_app
from services.matcher.repository import MatcherRepository
from tests.integration.conftest import (ADMIN_TOKEN, SERVICE_TOKEN, assert_contract_error, bearer, create_offer,
                                        post_need, register_organisation)

ROLES = ("volunteer", "other_volunteer", "organisation", "other_organisation", "staff", "service", "stranger",
         "garbage")
OLD_KEY = "retired-link-signing-key-" + "o" * 32
NEW_KEY = "current-link-signing-key-" + "n" * 32


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """The app on a free port over real HTTP, in a thread; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture(scope="module")
def issuers(offers_app, needs_app) -> Iterator[tuple[str, str]]:
    """The offers and needs services, reachable over HTTP as the matcher's directory reaches them."""
    with serve(offers_app) as offers, serve(needs_app) as needs:
        yield offers, needs


@pytest.fixture(scope="module")
def matcher_config(service_config: Config, issuers) -> Config:
    offers_url, needs_url = issuers
    return service_config.with_overrides(offers_url=offers_url, needs_url=needs_url)


@pytest.fixture(scope="module")
def matcher_app(matcher_config: Config) -> Flask:
    return create_matcher_app(matcher_config)


@pytest.fixture
def matcher(matcher_app):
    return matcher_app.test_client()


@pytest.fixture(scope="module")
def matches(mongo_uri) -> MatcherRepository:
    return MatcherRepository(MongoClient(mongo_uri, tz_aware=True).matcher)


@dataclass
class World:
    """A proposal between one volunteer's offer and one organisation's need, with another of each beside them."""

    match_id: str
    offer_id: str
    need_id: str
    organisation_id: str
    tokens: dict[str, str | None]


def propose(repo: MatcherRepository, offer_id: str, need_id: str, organisation_id: str,
            ttl: timedelta = timedelta(hours=48)) -> str:
    """A proposal written as the matcher's wave writes it; its id."""
    change = lifecycle.propose(need_id, organisation_id, offer_id, 1, 0.9, {"skills": ["visiting_friend"]},
                               datetime.now(timezone.utc), ttl)
    return repo.matches.insert(change.doc, change.events)["_id"]


@pytest.fixture(scope="module")
def people(offers_app, needs_app) -> dict:
    offers, needs = offers_app.test_client(), needs_app.test_client()
    volunteer, other_volunteer = create_offer(offers), create_offer(offers)
    organisation, other_organisation = register_organisation(needs), register_organisation(needs)
    need = post_need(needs, organisation["api_key"])
    return {"volunteer": volunteer, "other_volunteer": other_volunteer, "organisation": organisation,
            "other_organisation": other_organisation, "need": need}


@pytest.fixture
def world(people, matches) -> World:
    volunteer, organisation, need = people["volunteer"], people["organisation"], people["need"]
    tokens = {
        "volunteer": volunteer["manage_token"], "other_volunteer": people["other_volunteer"]["manage_token"],
        "organisation": organisation["api_key"], "other_organisation": people["other_organisation"]["api_key"],
        "staff": ADMIN_TOKEN, "service": SERVICE_TOKEN, "stranger": None,
        "garbage": "h6X0lZ3o0m2Kq9yTt1cV8bN4rS7uW5eA2dF6gJ0kL3p",
    }
    match_id = propose(matches, volunteer["id"], need["id"], organisation["id"])
    return World(match_id, volunteer["id"], need["id"], organisation["id"], tokens)


ENDPOINTS = {
    "GET /matches?need_id": ("GET", "/matches?need_id={need}"),
    "GET /matches?offer_id": ("GET", "/matches?offer_id={offer}"),
    "GET /matches/{id}": ("GET", "/matches/{match}"),
    "POST /matches/{id}/accept": ("POST", "/matches/{match}/accept"),
    "POST /matches/{id}/decline": ("POST", "/matches/{match}/decline"),
    "GET /stats": ("GET", "/stats"),
}

# The organisation may not accept before the volunteer has (409): it is let in, and the lifecycle says no.
#                                    volunteer other_vol  org  other_org staff service stranger garbage
EXPECTED = {
    "GET /matches?need_id":         (403, 403, 200, 403, 200, 403, 401, 401),
    "GET /matches?offer_id":        (200, 403, 403, 403, 200, 403, 401, 401),
    "GET /matches/{id}":            (200, 404, 200, 404, 200, 200, 401, 401),
    "POST /matches/{id}/accept":    (200, 404, 409, 404, 403, 403, 401, 401),
    "POST /matches/{id}/decline":   (200, 404, 200, 404, 403, 403, 401, 401),
    "GET /stats":                   (403, 403, 403, 403, 200, 403, 401, 401),
}

MATRIX = [(role, endpoint, statuses[i]) for endpoint, statuses in EXPECTED.items() for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("role", "endpoint", "status"), MATRIX, ids=[f"{e} as {r}" for r, e, _ in MATRIX])
def test_caller_gets_the_status_its_role_allows(world, matcher, role, endpoint, status):
    method, template = ENDPOINTS[endpoint]
    path = template.format(need=world.need_id, offer=world.offer_id, match=world.match_id)
    response = matcher.open(path, method=method, headers=bearer(world.tokens[role]))
    if status >= 400:
        assert_contract_error(response, status)
    else:
        assert response.status_code == status, response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["other_volunteer", "other_organisation", "staff", "service", "stranger", "garbage"])
def test_a_refused_answer_leaves_the_proposal_as_it_was(world, matcher, matches, role):
    before = matches.matches.get(world.match_id)
    for verb in ("accept", "decline"):
        assert matcher.post(f"/matches/{world.match_id}/{verb}", headers=bearer(world.tokens[role])).status_code >= 400
    assert matches.matches.get(world.match_id) == before


def test_the_volunteer_accepts_with_their_own_token(world, matcher, matches):
    accepted = matcher.post(f"/matches/{world.match_id}/accept", headers=bearer(world.tokens["volunteer"]))
    assert accepted.status_code == 200 and accepted.get_json()["accepted_by"] == ["volunteer"]
    assert matches.matches.get(world.match_id)["accepted_by"] == ["volunteer"]


def test_the_listings_show_each_side_only_its_own_matches(world, matcher, matches, people):
    other_need = propose(matches, people["other_volunteer"]["id"], world.need_id, world.organisation_id)
    mine = matcher.get(f"/matches?offer_id={world.offer_id}", headers=bearer(world.tokens["volunteer"])).get_json()
    assert world.match_id in {m["id"] for m in mine["items"]} and other_need not in {m["id"] for m in mine["items"]}
    theirs = matcher.get(f"/matches?need_id={world.need_id}", headers=bearer(world.tokens["organisation"])).get_json()
    assert {world.match_id, other_need} <= {m["id"] for m in theirs["items"]}


@pytest.mark.parametrize("role", ROLES)
def test_no_caller_is_handed_answer_links_not_even_a_service(world, matcher, role):
    """Notify signs the links it sends, so the service token alone cannot answer for anyone."""
    response = matcher.get(f"/matches/{world.match_id}", headers=bearer(world.tokens[role]))
    if response.status_code != 200:
        return
    assert "links" not in response.get_json()
    assert "/r/" not in response.get_data(as_text=True)


def test_answer_links_carry_the_match_and_side_signed_with_the_link_key(world, matcher_config):
    for role in lifecycle.ROLES:
        code = _code(matcher_config, world.match_id, role)
        assert links.read_answer_code(matcher_config, code) == (world.match_id, role)
        assert links.verify(matcher_config, links.ANSWER, code)[:16] == UUID(world.match_id).bytes


# --- answer links ------------------------------------------------------------------------------------

def _code(config: Config, match_id: str, role: str = "volunteer") -> str:
    return links.answer_url(config, match_id, role).rsplit("/r/", 1)[1]


def _service_token_code(match_id: str, role: str = "volunteer") -> str:
    """A code made the old way, with SERVICE_TOKEN as the HMAC key."""
    mac = hmac.new(SERVICE_TOKEN.encode(), f"respond:{match_id}:{role}".encode(), hashlib.sha256).digest()[:16]
    raw = UUID(match_id).bytes + bytes([0]) + mac
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _flip(code: str) -> str:
    last = "A" if code[-2] != "A" else "B"
    return code[:-2] + last + code[-1]


@pytest.mark.parametrize("role", ROLES)
def test_an_answer_link_works_whatever_token_comes_with_it(world, matcher, matcher_config, role):
    code = _code(matcher_config, world.match_id)
    assert matcher.get(f"/r/{code}", headers=bearer(world.tokens[role])).status_code == 200


@pytest.mark.parametrize("forge", ["flipped_mac", "other_purpose", "service_token_key", "retired_key", "truncated",
                                   "garbage", "other_match"])
def test_a_link_not_signed_for_this_answer_opens_nothing_and_answers_nothing(world, matcher, matcher_config,
                                                                             matches, forge):
    payload = UUID(world.match_id).bytes + bytes([0])
    code = {
        "flipped_mac": lambda: _flip(_code(matcher_config, world.match_id)),
        "other_purpose": lambda: links.sign(matcher_config, "confirm-offer", payload),
        "service_token_key": lambda: _service_token_code(world.match_id),
        "retired_key": lambda: links.sign(matcher_config.with_overrides(link_signing_keys=(OLD_KEY,)),
                                          links.ANSWER, payload),
        "truncated": lambda: _code(matcher_config, world.match_id)[:30],
        "garbage": lambda: "not-a-code!",
        "other_match": lambda: "x" + _code(matcher_config, world.match_id)[1:],
    }[forge]()
    before = matches.matches.get(world.match_id)
    assert matcher.get(f"/r/{code}").status_code == 404
    assert matcher.post(f"/r/{code}", data={"answer": "accept"}).status_code == 404
    assert matches.matches.get(world.match_id) == before


def test_a_link_signed_under_a_key_still_listed_for_rotation_works(world, matcher_config, matches):
    old = matcher_config.with_overrides(link_signing_keys=(OLD_KEY,))
    rotating = create_matcher_app(matcher_config.with_overrides(link_signing_keys=(NEW_KEY, OLD_KEY))).test_client()
    retired = create_matcher_app(matcher_config.with_overrides(link_signing_keys=(NEW_KEY,))).test_client()
    code = _code(old, world.match_id)
    assert retired.get(f"/r/{code}").status_code == 404
    assert rotating.get(f"/r/{code}").status_code == 200
    assert rotating.post(f"/r/{code}", data={"answer": "accept"}).status_code == 200
    assert matches.matches.get(world.match_id)["accepted_by"] == ["volunteer"]


def test_new_links_are_signed_with_the_first_key(world, matcher_config):
    rotating = matcher_config.with_overrides(link_signing_keys=(NEW_KEY, OLD_KEY))
    code = _code(rotating, world.match_id)
    assert links.read_answer_code(matcher_config.with_overrides(link_signing_keys=(NEW_KEY,)), code)[0] == world.match_id
    with pytest.raises(links.InvalidLink):
        links.read_answer_code(matcher_config.with_overrides(link_signing_keys=(OLD_KEY,)), code)


def test_a_link_stops_answering_once_its_match_is_decided(world, matcher, matcher_config, matches):
    code = _code(matcher_config, world.match_id)
    assert matcher.post(f"/r/{code}", data={"answer": "decline"}).status_code == 200
    decided = matches.matches.get(world.match_id)
    assert decided["status"] == "declined"
    assert matcher.get(f"/r/{code}").status_code >= 400
    assert matcher.post(f"/r/{code}", data={"answer": "accept"}).status_code >= 400
    assert matches.matches.get(world.match_id) == decided


def test_a_link_stops_answering_once_its_match_has_expired(people, matcher, matcher_config, matches):
    match_id = propose(matches, people["volunteer"]["id"], people["need"]["id"], people["organisation"]["id"],
                       ttl=timedelta(seconds=-1))
    code = _code(matcher_config, match_id)
    assert matcher.get(f"/r/{code}").status_code >= 400
    assert matcher.post(f"/r/{code}", data={"answer": "accept"}).status_code >= 400
    assert matches.matches.get(match_id)["accepted_by"] == []


# --- ids that try to choose another path --------------------------------------------------------------

@pytest.mark.parametrize("parameter", ["need_id", "offer_id"])
@pytest.mark.parametrize("value", ["../organisations/{org}", "../healthz", "..%2Fhealthz", "{need}/../../healthz",
                                   "%2e%2e/healthz", "{need}?x=1", "{need}#x", "00000000-0000-0000-0000-00000000000G"])
@pytest.mark.parametrize("role", ["staff", "organisation", "volunteer"])
def test_an_id_that_is_not_an_id_is_refused_before_any_service_is_asked(world, matcher, parameter, value, role):
    value = value.format(org=world.organisation_id, need=world.need_id)
    response = matcher.get("/matches", query_string={parameter: value}, headers=bearer(world.tokens[role]))
    error = assert_contract_error(response, 422)
    assert parameter in error["fields"]


@pytest.mark.parametrize("role", ["stranger", "garbage"])
def test_a_stranger_with_a_path_for_an_id_is_told_to_sign_in(world, matcher, role):
    response = matcher.get("/matches", query_string={"offer_id": "../healthz"}, headers=bearer(world.tokens[role]))
    assert_contract_error(response, 401)


@pytest.mark.parametrize("path", ["/matches/..%2F..%2Fhealthz", "/matches/not-an-id", "/matches/%2e%2e",
                                  "/matches/{match}x", "/matches/..%2Fstats/accept"])
def test_a_match_path_that_is_not_an_id_is_not_found(world, matcher, path):
    for method in ("GET", "POST"):
        response = matcher.open(path.format(match=world.match_id), method=method, headers=bearer(ADMIN_TOKEN))
        assert response.status_code in (404, 405), response.get_data(as_text=True)
        assert response.is_json


def test_an_unknown_match_is_404_to_staff_and_401_to_a_garbage_token(world, matcher):
    missing = str(uuid4())
    assert_contract_error(matcher.get(f"/matches/{missing}", headers=bearer(ADMIN_TOKEN)), 404)
    assert_contract_error(matcher.get(f"/matches/{missing}", headers=bearer(world.tokens["garbage"])), 401)


def test_a_withdrawn_volunteer_can_no_longer_read_or_answer(people, matcher, matches, offers_app):
    offers = offers_app.test_client()
    leaving = create_offer(offers)
    match_id = propose(matches, leaving["id"], people["need"]["id"], people["organisation"]["id"])
    assert matcher.get(f"/matches/{match_id}", headers=bearer(leaving["manage_token"])).status_code == 200
    assert offers.delete(f"/offers/{leaving['id']}", headers=bearer(leaving["manage_token"])).status_code == 200
    assert_contract_error(matcher.get(f"/matches/{match_id}", headers=bearer(leaving["manage_token"])), 401)
    assert_contract_error(matcher.post(f"/matches/{match_id}/accept", headers=bearer(leaving["manage_token"])), 401)


def test_proposals_expire_with_their_answer_time(people, matches):
    """The helper's expired proposal really is past its answer time, so the link tests above mean what they say."""
    match_id = propose(matches, people["volunteer"]["id"], people["need"]["id"], people["organisation"]["id"],
                       ttl=timedelta(seconds=-1))
    match = matches.matches.get(match_id)
    assert access.link_state(match, datetime.now(timezone.utc)) == access.EXPIRED
    assert match["expires_at"] < to_iso(datetime.now(timezone.utc))
