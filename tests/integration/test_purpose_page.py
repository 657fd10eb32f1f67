"""GET /r/<code>/politiattest: the confirmation of purpose a volunteer prints for the police certificate, from the
volunteer's answer link, with the needs and offers services answering over real HTTP."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from shared import links
from services.matcher.app import create_app as create_matcher_app
from services.matcher.repository import MatcherRepository
from tests.integration.conftest import VALID_ORG_NUMBER, create_offer, post_need, register_organisation, unique
from tests.integration.test_match_contact import move_to
from tests.integration.test_matcher_authorisation import propose, serve

BASIS = "Helse- og omsorgstjenesteloven § 5-4"
CERTIFICATE = {"police_certificate": True, "min_age": 18, "languages": ["nb"]}


@pytest.fixture(scope="module")
def matcher(offers_app, needs_app, service_config) -> Iterator[FlaskClient]:
    with serve(offers_app) as offers_url, serve(needs_app) as needs_url:
        config = service_config.with_overrides(offers_url=offers_url, needs_url=needs_url)
        yield create_matcher_app(config).test_client()


@pytest.fixture(scope="module")
def repo(matcher) -> MatcherRepository:
    return matcher.application.extensions["deps"].repo


@pytest.fixture(scope="module")
def people(offers_app, needs_app) -> dict[str, Any]:
    offers, needs = offers_app.test_client(), needs_app.test_client()
    home = register_organisation(needs, kind="municipal_service", name="Drammen kommune",
                                 unit=unique("Fjell bo- og omsorgssenter"))
    return {"volunteer": create_offer(offers), "organisation": home, "needs": needs}


def a_match(repo: MatcherRepository, people: dict[str, Any], state: str = "proposed",
            ttl: timedelta = timedelta(hours=48), **need: Any) -> str:
    """A match of the volunteer to a new need of the organisation, brought to this state; its id."""
    posted = post_need(people["needs"], people["organisation"]["api_key"], **need)
    match_id = propose(repo, people["volunteer"]["id"], posted["id"], people["organisation"]["id"], ttl)
    move_to(repo, match_id, state)
    return match_id


def purpose_path(config, match_id: str, side: str = "volunteer") -> str:
    return urlsplit(links.answer_url(config, match_id, side)).path + "/politiattest"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def open_page(matcher: FlaskClient, match_id: str, side: str = "volunteer"):
    return matcher.get(purpose_path(matcher.application.extensions["deps"].config, match_id, side))


@pytest.mark.parametrize("state", ["proposed", "accepted", "confirmed"])
def test_the_volunteers_link_opens_the_confirmation_with_name_number_role_and_basis(matcher, repo, people, state):
    match_id = a_match(repo, people, state, requirements={**CERTIFICATE, "certificate_basis": BASIS})
    response = open_page(matcher, match_id)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/html" and '<html lang="nb">' in response.get_data(as_text=True)
    text = text_of(response)
    organisation = people["organisation"]
    for fact in ("Bekreftelse på formål – politiattest", f"{organisation['unit']} (Drammen kommune)",
                 VALID_ORG_NUMBER, "Besøksvenn på Fjell bo- og omsorgssenter",
                 "Prate, gå tur, lese avis med en beboer.", BASIS, "Kari Nordmann", "politiet.no/tjenester/politiattest", "Legg ved denne bekreftelsen"):
        assert fact in text, fact
    assert "@media print" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"


def test_without_a_basis_the_page_says_to_ask_the_organisation(matcher, repo, people):
    response = open_page(matcher, a_match(repo, people, requirements=CERTIFICATE))
    assert response.status_code == 200
    assert "har ikke oppgitt hjemmelen" in text_of(response) and "Spør organisasjonen" in text_of(response)


def test_a_need_that_requires_no_police_certificate_has_no_confirmation(matcher, repo, people):
    response = open_page(matcher, a_match(repo, people, requirements={"police_certificate": False}))
    assert response.status_code == 404 and "krever ikke politiattest" in text_of(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_organisations_link_opens_no_confirmation(matcher, repo, people):
    match_id = a_match(repo, people, requirements={**CERTIFICATE, "certificate_basis": BASIS})
    response = open_page(matcher, match_id, side="organisation")
    assert response.status_code == 404 and BASIS not in text_of(response)


@pytest.mark.parametrize("code", ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not-a-code", "x"])
def test_a_forged_code_is_404(matcher, code):
    response = matcher.get(f"/r/{code}/politiattest")
    assert response.status_code == 404 and "Lenken virker ikke" in text_of(response)


def test_a_code_signed_for_another_purpose_is_404(matcher, repo, people):
    match_id = a_match(repo, people, requirements={**CERTIFICATE, "certificate_basis": BASIS})
    config = matcher.application.extensions["deps"].config
    code = links.sign(config, "calendar", bytes.fromhex(match_id.replace("-", "")) + bytes([0]))
    assert matcher.get(f"/r/{code}/politiattest").status_code == 404


@pytest.mark.parametrize("state", ["declined", "cancelled"])
def test_a_match_no_longer_current_has_no_confirmation(matcher, repo, people, state):
    match_id = a_match(repo, people, state, requirements={**CERTIFICATE, "certificate_basis": BASIS})
    response = open_page(matcher, match_id)
    assert response.status_code == 404 and BASIS not in text_of(response)


def test_an_expired_proposal_has_no_confirmation(matcher, repo, people):
    match_id = a_match(repo, people, ttl=timedelta(hours=-1), requirements={**CERTIFICATE, "certificate_basis": BASIS})
    assert open_page(matcher, match_id).status_code == 404


def test_the_answer_page_itself_still_answers_beside_it(matcher, repo, people):
    match_id = a_match(repo, people, requirements=CERTIFICATE)
    path = purpose_path(matcher.application.extensions["deps"].config, match_id).removesuffix("/politiattest")
    response = matcher.get(path)
    assert response.status_code == 200 and "Svar på forespørsel" in text_of(response)
