"""The public pages against the real offers and needs APIs (gunicorn on a real MongoDB-protocol server), through
the web app: open needs on the front page, filtered and paged, a need's page, and the statements.

The organisation is registered through the needs API, its contact confirmed by pressing the button of the
needs service's /confirm page (the link made as notify makes it), and verified with the staff token.
The database is shared with other tests, so a listing is read page by page, as a person would click "Neste side".
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests

from tests.integration.conftest import WEB_SESSION_KEY, bearer, unique
from shared.config import Config
from services.web.app import create_app
from tests.integration.web_fixtures import pages, registered_organisation, text_of, web_apis, web_client


@pytest.fixture(scope="module")
def apis(tmp_path_factory, mongo_uri):
    with web_apis(tmp_path_factory.mktemp("web-public"), mongo_uri) as urls:
        yield urls


@pytest.fixture
def web(apis):
    return web_client(apis)


def verified_organisation(apis) -> dict:
    """An organisation registered, confirmed and verified through the needs API, with its api_key."""
    return registered_organisation(apis, name=unique("Lag"))


@pytest.fixture(scope="module")
def posted(apis):
    """An open need in Svelvik for a musician, with requirements, and the organisation that posted it."""
    organisation = verified_organisation(apis)
    today = date.today()
    body = {"title": unique("Allsang på Berger"), "description": "Spille piano til allsang.\n\nKaffe etterpå.",
            "skills": ["music"], "district": "svelvik", "volunteers_needed": 3,
            "schedule": {"weekday": 4, "start_time": "11:00", "end_time": "12:30", "from_date": today.isoformat(),
                         "until_date": (today + timedelta(days=60)).isoformat()},
            "requirements": {"police_certificate": True, "min_age": 18, "languages": ["nb", "en"]}}
    need = requests.post(apis["needs"] + "/needs", json=body, headers=bearer(organisation["api_key"]), timeout=5)
    assert need.status_code == 201 and need.json()["status"] == "open", need.text
    return {"need": need.json(), "organisation": organisation}


def test_the_front_page_lists_an_open_need_without_contact_details(web, posted):
    front = web.get("/")
    assert front.status_code == 200 and "<h1>Frivillig i Drammen</h1>" in text_of(front)
    assert 'href="/bli-frivillig"' in text_of(front) and 'href="/organisasjon/registrer"' in text_of(front)
    [page] = [page for page in pages(web, "/?district=svelvik&skill=music") if posted["need"]["title"] in page]
    card = page[page.index(posted["need"]["title"]) - 200:][:1200]
    assert f'href="/behov/{posted["need"]["id"]}"' in card
    assert "Svelvik sentrum, Ebbestad og Berger" in card and "torsdager kl. 11.00–12.30" in card
    assert "Musikk" in card and "<dd>3</dd>" in card
    contact = posted["organisation"]["contact"]
    assert contact["email"] not in page and contact["phone"] not in page and contact["name"] not in page


def test_filtering_by_another_district_leaves_the_need_out_and_keeps_the_choice(web, posted):
    listed = pages(web, "/?district=konnerud&skill=music")
    assert all(posted["need"]["title"] not in page for page in listed)
    assert '<option selected value="konnerud">' in listed[0] and '<option selected value="music">' in listed[0]


def test_a_made_up_filter_is_ignored_rather_than_sent_on(web, posted):
    response = web.get("/?district=atlantis&skill=music")
    assert response.status_code == 200 and "<h2" in text_of(response)


@pytest.mark.parametrize("page", ["²", "-1", "0", "x", "99999999999999999999"])
def test_a_page_number_that_is_not_one_shows_the_first_page(web, page):
    response = web.get(f"/?side={page}")
    assert response.status_code == 200 and "Ledige oppdrag" in text_of(response)


def test_the_need_page_says_what_where_when_and_what_is_required(web, posted):
    response = web.get(f"/behov/{posted['need']['id']}")
    page = text_of(response)
    assert response.status_code == 200 and f"<h1>{posted['need']['title']}</h1>" in page
    assert "<p>Spille piano til allsang.</p>" in page and "<p>Kaffe etterpå.</p>" in page
    assert "Du må kunne vise fram politiattest." in page and "Du må være minst 18 år." in page
    assert "minst ett av disse språkene: norsk bokmål og engelsk" in page
    assert posted["organisation"]["name"] in page and posted["organisation"]["contact"]["email"] not in page
    assert 'href="/bli-frivillig"' in page


def test_a_closed_or_unknown_need_is_a_plain_not_found_page(web, apis, posted):
    assert web.get(f"/behov/{unique('x')}").status_code == 404
    assert web.get("/behov/0b8e2a4c-5f1d-4c3a-9e7b-2d6f8a1c3e5b").status_code == 404
    organisation = verified_organisation(apis)
    need = requests.post(apis["needs"] + "/needs", headers=bearer(organisation["api_key"]), timeout=5,
                         json={**{k: posted["need"][k] for k in ("title", "skills", "district", "schedule")}})
    requests.post(f"{apis['needs']}/needs/{need.json()['id']}/close", headers=bearer(organisation["api_key"]),
                  timeout=5).raise_for_status()
    response = web.get(f"/behov/{need.json()['id']}")
    assert response.status_code == 404 and "Fant ikke siden" in text_of(response)


@pytest.mark.parametrize("path, nb, en", [
    ("/slik-virker-det", "Slik virker det", "How it works"),
    ("/personvern", "Personvernerklæring", "Privacy statement"),
    ("/tilgjengelighet", "Tilgjengelighetserklæring", "Accessibility statement"),
])
def test_the_statements_render_in_both_languages(web, path, nb, en):
    norwegian, english = text_of(web.get(path)), text_of(web.get(path + "?lang=en"))
    assert '<html lang="nb">' in norwegian and f"<h1>{nb}</h1>" in norwegian and norwegian.count("<h1") == 1
    assert '<html lang="en">' in english and f"<h1>{en}</h1>" in english and english.count("<h1") == 1


def test_the_statements_say_what_they_must(web):
    how = text_of(web.get("/slik-virker-det"))
    assert "politiattest" in how.lower()
    privacy = text_of(web.get("/personvern"))
    assert "personvern@drammen.kommune.no" in privacy and "7 dager" in privacy and "Drammen kommune" in privacy
    accessibility = text_of(web.get("/tilgjengelighet"))
    assert "WCAG 2.1" in accessibility and "Tilsynet for universell utforming av ikt" in accessibility
    assert "axe-core" in accessibility and "https://www.uutilsynet.no/" in accessibility


@pytest.mark.parametrize(("hours", "nb", "en"), [(48.0, "48 timer", "48 hours"), (0.5, "0,5 timer", "0.5 hours")])
def test_how_it_works_gives_the_answer_time_with_its_limit_at_a_task_s_start(hours, nb, en):
    web = create_app(Config(web_session_keys=(WEB_SESSION_KEY,), proposal_ttl_hours=hours, testing=True)).test_client()
    how, english = text_of(web.get("/slik-virker-det")), text_of(web.get("/slik-virker-det?lang=en"))
    assert f"Du har {nb} på deg, men aldri lenger enn til oppdraget begynner hvis det bare er én gang" in how
    assert f"Dere har {nb} på dere, men aldri lenger enn til oppdraget begynner" in how
    assert f"You have {en} to answer, but never past the start of a task that happens only once" in english
