"""GET /matches/{id}/contact: who sees whose contact details when, with the offers and needs services answering over
real HTTP (introspection and the details themselves), sign-in sessions included."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest
from flask import Flask

from services.matcher import lifecycle
from services.matcher.app import create_app as create_matcher_app
from services.matcher.repository import MatcherRepository
from tests.integration.conftest import (ADMIN_TOKEN, SERVICE_TOKEN, assert_contract_error, bearer, create_offer,
                                        post_need, register_organisation, signed_in)
from tests.integration.test_matcher_authorisation import propose, serve

ROLES = ("volunteer", "organisation", "staff", "service", "other_volunteer", "other_organisation", "stranger",
         "garbage")
TTL = timedelta(hours=48)


@pytest.fixture(scope="module")
def matcher(offers_app, needs_app, service_config) -> Iterator[Flask]:
    with serve(offers_app) as offers_url, serve(needs_app) as needs_url:
        app = create_matcher_app(service_config.with_overrides(offers_url=offers_url, needs_url=needs_url))
        yield app.test_client()


@pytest.fixture(scope="module")
def matches(matcher) -> MatcherRepository:
    return matcher.application.extensions["deps"].repo


@dataclass
class Pair:
    """A match between one volunteer's offer and one organisation's need, with a stranger of each kind beside."""

    match_id: str
    volunteer: dict
    organisation: dict
    tokens: dict[str, str | None]


@pytest.fixture
def pair(offers_client, needs_client, matches) -> Pair:
    volunteer = create_offer(offers_client)
    organisation = register_organisation(needs_client, unit="Fjell bo- og omsorgssenter")
    need = post_need(needs_client, organisation["api_key"])
    tokens = {"volunteer": volunteer["manage_token"], "organisation": organisation["api_key"], "staff": ADMIN_TOKEN,
              "service": SERVICE_TOKEN, "other_volunteer": create_offer(offers_client)["manage_token"],
              "other_organisation": register_organisation(needs_client)["api_key"], "stranger": None,
              "garbage": "h6X0lZ3o0m2Kq9yTt1cV8bN4rS7uW5eA2dF6gJ0kL3p"}
    return Pair(propose(matches, volunteer["id"], need["id"], organisation["id"]), volunteer, organisation, tokens)


def move_to(matches: MatcherRepository, match_id: str, state: str) -> None:
    """Bring the match to a state as its sides' answers would (the need's capacity is not what is tested here)."""
    now = datetime.now(timezone.utc)
    steps = {"proposed": [], "accepted": [("accept", "volunteer")],
             "confirmed": [("accept", "volunteer"), ("accept", "organisation")],
             "declined": [("accept", "volunteer"), ("decline", "organisation")],
             "cancelled": [("accept", "volunteer"), ("accept", "organisation"), ("cancel", "need_closed")]}[state]
    for verb, who in steps:
        match = matches.matches.get(match_id)
        change = {"accept": lambda: lifecycle.accept(match, who, now, TTL),
                  "decline": lambda: lifecycle.decline(match, who, now),
                  "cancel": lambda: lifecycle.cancel(match, who, now)}[verb]()
        matches.matches.save(change.doc, change.events)


#                 volunteer organisation staff service other_vol other_org stranger garbage
EXPECTED = {
    "proposed":  (403, 403, 200, 403, 404, 404, 401, 401),
    "accepted":  (403, 200, 200, 403, 404, 404, 401, 401),
    "confirmed": (200, 200, 200, 403, 404, 404, 401, 401),
    "declined":  (403, 403, 200, 403, 404, 404, 401, 401),
    "cancelled": (403, 403, 200, 403, 404, 404, 401, 401),
}
MATRIX = [(state, role, statuses[i]) for state, statuses in EXPECTED.items() for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("state", "role", "status"), MATRIX, ids=[f"{s} to {r}" for s, r, _ in MATRIX])
def test_each_caller_gets_the_contact_its_role_and_the_match_allow(pair, matcher, matches, state, role, status):
    move_to(matches, pair.match_id, state)
    response = matcher.get(f"/matches/{pair.match_id}/contact", headers=bearer(pair.tokens[role]))
    if status >= 400:
        assert_contract_error(response, status)
    else:
        assert response.status_code == 200, response.get_data(as_text=True)


def test_once_the_volunteer_accepted_the_organisation_sees_the_volunteer_only(pair, matcher, matches):
    move_to(matches, pair.match_id, "accepted")
    shown = matcher.get(f"/matches/{pair.match_id}/contact", headers=bearer(pair.tokens["organisation"])).get_json()
    volunteer = pair.volunteer["volunteer"]
    assert shown == {"id": pair.match_id, "volunteer": {"name": volunteer["name"], "email": volunteer["email"],
                                                        "phone": volunteer["phone"]}}


def test_once_confirmed_the_volunteer_sees_the_organisation_and_its_contact(pair, matcher, matches):
    move_to(matches, pair.match_id, "confirmed")
    shown = matcher.get(f"/matches/{pair.match_id}/contact", headers=bearer(pair.tokens["volunteer"])).get_json()
    organisation = pair.organisation
    assert shown == {"id": pair.match_id, "organisation": {
        "id": organisation["id"], "name": organisation["name"], "unit": "Fjell bo- og omsorgssenter",
        "contact": {key: organisation["contact"][key] for key in ("name", "email", "phone")}}}


def test_staff_see_both_sides_even_of_a_fresh_proposal(pair, matcher):
    shown = matcher.get(f"/matches/{pair.match_id}/contact", headers=bearer(ADMIN_TOKEN)).get_json()
    assert shown["volunteer"]["email"] == pair.volunteer["volunteer"]["email"]
    assert shown["organisation"]["contact"]["email"] == pair.organisation["contact"]["email"]


def test_the_details_of_an_erased_volunteer_are_gone(pair, matcher, matches, offers_client):
    move_to(matches, pair.match_id, "confirmed")
    offers_client.delete(f"/offers/{pair.volunteer['id']}", headers=bearer(pair.tokens["volunteer"]))
    assert_contract_error(matcher.get(f"/matches/{pair.match_id}/contact",
                                      headers=bearer(pair.tokens["organisation"])), 404)
    assert "volunteer" not in matcher.get(f"/matches/{pair.match_id}/contact", headers=bearer(ADMIN_TOKEN)).get_json()


def test_an_unknown_or_malformed_match_is_not_found(pair, matcher):
    for match_id in ("6a1c2f9e-0000-4000-8000-000000000000", "not-an-id"):
        assert_contract_error(matcher.get(f"/matches/{match_id}/contact", headers=bearer(ADMIN_TOKEN)), 404)


def test_sign_in_sessions_are_accepted_by_the_matcher_as_their_sides(pair, matcher, matches, offers_client,
                                                                     needs_client):
    move_to(matches, pair.match_id, "confirmed")
    volunteer = signed_in(offers_client, "offers", pair.volunteer["id"], pair.volunteer["volunteer"]["email"])
    organisation = signed_in(needs_client, "organisations", pair.organisation["id"],
                             pair.organisation["contact"]["email"])
    listed = matcher.get(f"/matches?offer_id={pair.volunteer['id']}", headers=bearer(volunteer["token"]))
    assert pair.match_id in {m["id"] for m in listed.get_json()["items"]}
    for session, other_side in ((volunteer, "organisation"), (organisation, "volunteer")):
        shown = matcher.get(f"/matches/{pair.match_id}/contact", headers=bearer(session["token"]))
        assert shown.status_code == 200 and set(shown.get_json()) == {"id", other_side}
    offers_client.delete("/sessions/current", headers=bearer(volunteer["token"]))
    assert_contract_error(matcher.get(f"/matches/{pair.match_id}", headers=bearer(volunteer["token"])), 401)
