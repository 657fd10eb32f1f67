"""Staff find a volunteer's matches, and each match's notification log, from the listing of volunteers; the
approval queue names municipal units; the figures' CSV opens in Excel with æøå intact. Against the real APIs
(the four services under gunicorn on a real MongoDB-protocol server), through the web app with CSRF on.

The running APIs, the web client, its forms and the organisations come from web_fixtures.py. A match is proposed
as the matcher worker does (lifecycle.propose, MatcherRepository.insert_match); everything a page asks, it asks
the APIs.
"""
from __future__ import annotations

import codecs
import csv
import io
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit
from uuid import uuid4

import pytest
import requests
from pymongo import MongoClient

from services.matcher import lifecycle
from services.matcher.app import DB_NAME as MATCHER_DB
from services.matcher.repository import MatcherRepository
from tests.conftest import forms_of
from tests.integration.conftest import ADMIN_TOKEN, need_body, offer_body, unique
from tests.integration.web_fixtures import (csrf, pages, registered_organisation, submit, text_of, web_apis,
                                            web_client)


@pytest.fixture(scope="module")
def apis(tmp_path_factory, mongo_uri):
    """offers and needs, then the matcher and notify, which find them by their URLs."""
    with web_apis(tmp_path_factory.mktemp("web-staff-matches"), mongo_uri, then=("matcher", "notify")) as urls:
        yield urls


@pytest.fixture(scope="module")
def mongo(apis):
    with MongoClient(apis["mongo_uri"], tz_aware=True) as client:
        yield client


@pytest.fixture
def web(apis):
    return web_client(apis)


@pytest.fixture
def staff(web):
    assert submit(web, "/logg-inn/ansatt?next=/ansatt", {"token": ADMIN_TOKEN}).status_code == 302
    return web


def posted(url: str, body: dict, key: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    created = requests.post(url, json=body, headers=headers, timeout=5)
    assert created.status_code == 201, created.text
    return created.json()


def proposed(mongo, need_id: str, offer_id: str) -> dict:
    """A proposal stored as the matcher worker stores one."""
    change = lifecycle.propose(need_id, str(uuid4()), offer_id, 1, 0.9, {}, datetime.now(timezone.utc),
                               timedelta(hours=48))
    return MatcherRepository(mongo[MATCHER_DB]).insert_match(change.doc, change.events)


@pytest.fixture
def kari_with_two_matches(apis, mongo):
    """An offer with a proposal for a need the needs service has, and one for a need it does not know."""
    name = unique("Kari")
    body = offer_body(skills=["music"], districts=["svelvik"])
    body["volunteer"]["name"] = name
    offer = posted(apis["offers"] + "/offers", body)
    organisation = registered_organisation(apis, confirmed=False, verified=False, name=unique("Lag"))
    need = posted(apis["needs"] + "/needs", need_body(title=unique("Korøvelse"), skills=["music"], district="svelvik"),
                  organisation["api_key"])
    known, unknown = proposed(mongo, need["id"], offer["id"]), proposed(mongo, str(uuid4()), offer["id"])
    return {"name": name, "offer": offer, "need": need, "known": known, "unknown": unknown}


def row_of(page: str, text: str) -> str:
    start = page.rindex("<tr>", 0, page.index(text))
    return page[start:page.index("</tr>", start)]


def test_staff_go_from_the_volunteers_listing_to_a_volunteers_matches_and_on_to_a_matchs_log(staff,
                                                                                             kari_with_two_matches):
    kari = kari_with_two_matches
    listed = pages(staff, "/ansatt/frivillige?district=svelvik&skill=music&status=pending_confirmation")
    [listing] = [page for page in listed if kari["name"] in page]
    link = f'<a href="/ansatt/frivillige/{kari["offer"]["id"]}">{kari["name"]}</a>'
    assert link in row_of(listing, kari["name"])

    response = staff.get(f"/ansatt/frivillige/{kari['offer']['id']}")
    page = text_of(response)
    assert response.status_code == 200 and f"<h1>Frivillig: {kari['name']}</h1>" in page
    assert kari["offer"]["volunteer"]["email"] in page  # staff may see the contact
    known = row_of(page, kari["need"]["title"])
    assert f'<a href="/ansatt/treff/{kari["known"]["_id"]}">{kari["need"]["title"]}</a>' in known
    assert "Foreslått" in known
    unknown = row_of(page, f'/ansatt/treff/{kari["unknown"]["_id"]}')
    assert "Behov som ikke kan vises" in unknown and "fant det ikke" in unknown

    match = text_of(staff.get(f"/ansatt/treff/{kari['known']['_id']}"))
    assert f"<h1>Treff: {kari['need']['title']}</h1>" in match
    assert f'href="/ansatt/frivillige/{kari["offer"]["id"]}"' in match


def test_an_offer_with_no_matches_says_so(staff, apis):
    offer = posted(apis["offers"] + "/offers", offer_body())
    page = text_of(staff.get(f"/ansatt/frivillige/{offer['id']}"))
    assert "Tilbudet har ingen treff ennå." in page


@pytest.mark.parametrize("offer_id", [str(uuid4()), "not-an-id"])
def test_an_unknown_offer_is_a_plain_not_found_page(staff, offer_id):
    response = staff.get(f"/ansatt/frivillige/{offer_id}")
    assert response.status_code == 404 and "Fant ikke siden" in text_of(response)


def test_an_offers_page_sends_anyone_else_to_sign_in(web):
    response = web.get(f"/ansatt/frivillige/{uuid4()}")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/logg-inn/ansatt"


def test_the_approval_queue_heads_a_municipal_service_with_its_unit_and_says_it_so_when_verified(staff, apis):
    unit = unique("Fjell bo- og omsorgssenter")
    registered_organisation(apis, verified=False, name="Drammen kommune", kind="municipal_service", unit=unit)
    shown = f"{unit} (Drammen kommune)"
    [page] = [page for page in pages(staff, "/ansatt/organisasjoner") if f"<h3>{shown}</h3>" in page]
    card = page[page.index(f"<h3>{shown}</h3>"):]
    card = card[:card.index("</li>")]
    assert f'<span class="visually-hidden"> {shown}</span></button>' in card  # the button says "Godkjenn <shown>"
    [form] = forms_of(card)
    done = staff.post(form["action"], data={"csrf_token": csrf(page)}, follow_redirects=True)
    assert done.status_code == 200 and f"{shown} er godkjent." in text_of(done)


def test_the_figures_csv_starts_with_a_utf8_byte_order_mark_then_the_header_row(staff):
    response = staff.get("/ansatt/statistikk.csv")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = response.get_data()
    assert body.startswith(codecs.BOM_UTF8 + b"district,district_name,open_needs,")
    table = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(table) == 10
    assert {row["district_name"] for row in table} >= {"Rødskog og Gulskogen", "Mjøndalen, Åsen og Steinberg"}
