"""The organisation's pages against the real offers, needs and matcher APIs (gunicorn on a real MongoDB-protocol
server), through the web app with CSRF on, as a person fills them in.

Most tests run only the APIs: there the contact's address is confirmed by pressing the button of the needs
service's own /confirm page, with the link made as notify makes it for the mail (shared.confirmation.contact_link
from the stored request), as the notify worker does not run. The candidate test runs the whole system (broker,
workers, the web as its own process) and confirms through the link in the captured mail. Staff verify through
the needs API, with the staff token.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import requests
from pymongo import MongoClient

from services.needs.app import DB_NAME as NEEDS_DB
from tests.conftest import forms_of, wait_until
from tests.e2e.journeys import confirm_address, register_confirmed_offer
from tests.integration.conftest import STAFF, VALID_ORG_NUMBER, offer_body, unique_email
from tests.integration.web_fixtures import confirm_contact, csrf, submit, text_of, verify, web_apis, web_client
from tests.system import running_system


@pytest.fixture(scope="module")
def apis(tmp_path_factory, mongo_uri):
    """offers (districts, skills) and needs, then the matcher, which finds them by their URLs."""
    with web_apis(tmp_path_factory.mktemp("web-organisation"), mongo_uri, then=("matcher",)) as urls:
        yield urls


@pytest.fixture
def web(apis):
    return web_client(apis)


def registration(**changes) -> dict:
    return {"name": "Fjell bo- og omsorgssenter", "org_number": VALID_ORG_NUMBER, "kind": "municipal_service",
            "unit": "Fjell bo- og omsorgssenter", "contact_name": "Ola Hansen",
            "contact_email": unique_email("contact"),
            "contact_phone": "98765432", **changes}


def weekly_need(**changes) -> dict:
    today = date.today()
    return {"title": "Besøksvenn", "description": "Prate og gå tur.", "skills": ["visiting_friend"],
            "district": "fjell", "schedule_kind": "weekly", "weekday": "2", "weekly_start": "17:30",
            "weekly_end": "19:00", "from_date": today.isoformat(),
            "until_date": (today + timedelta(days=90)).isoformat(),
            "volunteers_needed": "2", "police_certificate": "y", "min_age": "18", "languages": ["nb"], **changes}


def organisation_id_of(apis, email: str) -> str:
    """The id of the organisation registered on the web whose contact has this address."""
    with MongoClient(apis["mongo_uri"]) as client:
        return client[NEEDS_DB].organisations.find_one({"contact.email": email})["_id"]


@pytest.fixture
def verified(web, apis):
    """A registered, confirmed and verified organisation, signed in on the web."""
    fields = registration()
    assert submit(web, "/organisasjon/registrer", fields).status_code == 302
    organisation_id = organisation_id_of(apis, fields["contact_email"])
    confirm_contact(apis, organisation_id)
    verify(apis, organisation_id)
    return fields


def test_a_wrong_organisation_number_shows_the_summary_and_keeps_the_input(web):
    fields = registration(org_number="974760674")
    response = submit(web, "/organisasjon/registrer", fields)
    page = text_of(response)
    assert response.status_code == 422
    assert 'class="error-summary"' in page and '<a href="#org_number">Organisasjonsnummeret stemmer ikke.' in page
    assert 'value="974760674"' in page and f'value="{fields["contact_email"]}"' in page


def test_a_phone_number_that_is_not_in_use_is_named_beside_the_phone_field(web, apis):
    fields = registration(contact_phone="12345678")
    response = submit(web, "/organisasjon/registrer", fields)
    page = text_of(response)
    assert response.status_code == 422 and '<a href="#contact_phone">Skriv et gyldig telefonnummer' in page
    assert 'value="12345678"' in page


def test_the_registration_sent_again_after_registering_registers_nothing_and_says_how_to_register_another(web, apis):
    fields = registration()
    kept = text_of(web.get("/organisasjon/registrer"))  # the page the back button shows again
    assert web.post("/organisasjon/registrer", data={"csrf_token": csrf(kept), **fields}).status_code == 302
    page = text_of(web.get("/vare-behov"))
    for token in (csrf(kept), csrf(page)):  # the old page's, and one a reloaded page would carry
        again = web.post("/organisasjon/registrer", data={"csrf_token": token, **fields})
        assert again.status_code == 302 and again.headers["Location"] == "/vare-behov"
    page = text_of(web.get("/vare-behov"))
    assert "Organisasjonen er allerede registrert" in page and "logge ut først" in page
    with MongoClient(apis["mongo_uri"]) as client:
        assert client[NEEDS_DB].organisations.count_documents({"contact.email": fields["contact_email"]}) == 1


def test_the_name_fields_take_no_more_than_the_needs_service_does(web):
    page = text_of(web.get("/organisasjon/registrer"))
    for field in ("name", "unit", "contact_name"):
        assert re.search(rf'<input[^>]*id="{field}"[^>]*maxlength="200"', page), field


def test_registering_signs_in_and_shows_what_the_organisation_waits_for(web, apis):
    fields = registration()
    response = submit(web, "/organisasjon/registrer", fields, follow=True)
    page = text_of(response)
    assert response.status_code == 200 and "<h1>Våre behov</h1>" in page
    assert "Bekreft e-postadressen" in page and fields["contact_email"] in page
    assert any(form["action"] == "/vare-behov/bekreftelse" for form in forms_of(page))
    again = web.post("/vare-behov/bekreftelse", data={"csrf_token": csrf(page)}, follow_redirects=True)
    assert "Vi sendte en lenke for under ti minutter siden" in text_of(again)  # a link went out just now
    assert "Dere kan ikke legge ut behov ennå" in text_of(web.get("/vare-behov/nytt"))

    organisation_id = organisation_id_of(apis, fields["contact_email"])
    confirm_contact(apis, organisation_id)
    assert "Venter på godkjenning fra kommunen" in text_of(web.get("/vare-behov"))

    verify(apis, organisation_id)
    page = text_of(web.get("/vare-behov"))
    assert "Venter på godkjenning" not in page and 'href="/vare-behov/nytt"' in page


def test_a_verified_organisation_posts_a_need_and_sees_its_open_slots(web, verified):
    response = submit(web, "/vare-behov/nytt", weekly_need(title="Leksehjelp på Fjell"), follow=True)
    page = text_of(response)
    assert response.status_code == 200 and "Behovet er lagt ut" in page
    assert "Leksehjelp på Fjell" in page and "tirsdager kl. 17.30–19.00" in page
    assert page.count("<li>Ledig</li>") == 2


def test_an_end_time_before_the_start_shows_the_error_beside_the_end_and_keeps_the_input(web, verified):
    response = submit(web, "/vare-behov/nytt", weekly_need(weekly_start="18:00", weekly_end="17:00"))
    page = text_of(response)
    assert response.status_code == 422
    assert '<a href="#weekly_end">Sluttid må være etter starttid.</a>' in page
    assert re.search(r'id="weekly_end-error">.*Sluttid må være etter starttid\.</p>', page)
    assert 'value="18:00"' in page and 'value="17:00"' in page and 'value="Besøksvenn"' in page


def test_editing_a_need_changes_it_and_closing_asks_first(web, apis, verified):
    submit(web, "/vare-behov/nytt", weekly_need(title="Turvenn"))
    need_id = re.search(r'id="behov-([0-9a-f-]{36})"', text_of(web.get("/vare-behov")))[1]

    edit = web.get(f"/vare-behov/{need_id}/endre")
    assert 'value="Turvenn"' in text_of(edit)  # the form shows the need as it is
    response = submit(web, f"/vare-behov/{need_id}/endre", weekly_need(title="Turvenn på Konnerud",
                                                                      district="konnerud"), follow=True)
    assert "Endringene er lagret" in text_of(response) and "Turvenn på Konnerud" in text_of(response)

    question = web.get(f"/vare-behov/{need_id}/lukk")
    assert "Dette kan ikke angres" in text_of(question)
    response = submit(web, f"/vare-behov/{need_id}/lukk", {}, follow=True)
    page = text_of(response)
    assert "er lukket" in page and f'href="/vare-behov/{need_id}/endre"' not in page
    assert requests.get(f"{apis['needs']}/needs/{need_id}", headers=STAFF, timeout=5).json()["status"] == "closed"


# --- a candidate, with the whole system running (workers and broker make the proposal) ------------------------

@pytest.fixture(scope="module")
def system(tmp_path_factory):
    with running_system(tmp_path_factory.mktemp("web-organisation-system")) as running:
        yield running


def browser_submit(session: requests.Session, url: str, fields: dict) -> requests.Response:
    page = session.get(url, timeout=10)
    assert page.status_code == 200, page.text
    return session.post(url, data={"csrf_token": csrf(page.text), **fields}, timeout=10)


def test_a_candidate_who_said_yes_is_shown_with_contact_and_confirmed_from_the_page(system):
    web, contact = requests.Session(), registration()
    assert "Bekreft e-postadressen" in browser_submit(web, system.url("web", "/organisasjon/registrer"), contact).text
    confirm_address(system, contact["contact_email"])
    organisations = requests.get(system.url("needs", "/organisations"), headers=system.staff(),
                                 params={"verified": "false", "limit": 200}, timeout=10).json()["items"]
    [organisation] = [o for o in organisations if o["contact"]["email"] == contact["contact_email"]]
    assert requests.post(system.url("needs", f"/organisations/{organisation['id']}/verify"), headers=system.staff(),
                         timeout=10).status_code == 200
    posted = browser_submit(web, system.url("web", "/vare-behov/nytt"),
                            weekly_need(volunteers_needed="1", police_certificate="", min_age="", languages=[]))
    assert "Behovet er lagt ut" in posted.text

    offer = register_confirmed_offer(system, offer_body(skills=["visiting_friend"], districts=["fjell"]))
    volunteer = {"Authorization": f"Bearer {offer['manage_token']}"}
    [match] = wait_until(lambda: requests.get(system.url("matcher", "/matches"), params={"offer_id": offer["id"]},
                                              headers=volunteer, timeout=10).json()["items"], timeout=60,
                         message="a proposal to the volunteer")
    email = offer["volunteer"]["email"]
    page = web.get(system.url("web", "/vare-behov"), timeout=10).text
    assert "<li>Foreslått for en frivillig</li>" in page and email not in page  # no contact before the yes

    assert requests.post(system.url("matcher", f"/matches/{match['id']}/accept"), headers=volunteer,
                         timeout=10).status_code == 200
    page = web.get(system.url("web", "/vare-behov"), timeout=10).text
    assert "<li>Venter på ditt svar</li>" in page and email in page and "Kari Nordmann" in page

    confirmed = web.post(system.url("web", f"/vare-behov/kandidat/{match['id']}"),
                         data={"csrf_token": csrf(page), "answer": "accept"}, timeout=10)
    assert "Den frivillige er bekreftet" in confirmed.text and "<li>Bekreftet</li>" in confirmed.text
    assert "Bekreftede frivillige" in confirmed.text and email in confirmed.text
