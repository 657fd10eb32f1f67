"""The staff pages against the real APIs (the four services under gunicorn on a real MongoDB-protocol server),
through the web app with CSRF on, signed in with the staff key on the form.

What the workers would have done is set up with the services' own functions where a page only reads it: the
matcher's read model gets a need as its consumer stores one (MatcherRepository.upsert_need), a match is
proposed and a notification planned as the matcher and notify workers do (lifecycle.propose,
model.new_notification). Everything a page asks, it asks the running APIs. The database is shared with other
tests, so figures are compared with what GET /stats answers, and listings are read page by page.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit
from uuid import uuid4

import pytest
import requests
from pymongo import MongoClient

from shared.clock import to_iso
from shared.reference import DISTRICTS
from services.matcher import lifecycle
from services.matcher.app import DB_NAME as MATCHER_DB
from services.matcher.repository import MatcherRepository
from services.notify.app import DB_NAME as NOTIFY_DB
from services.notify.model import new_notification
from services.notify.repository import NotifyRepository
from tests.conftest import forms_of
from tests.integration.conftest import ADMIN_TOKEN, STAFF, offer_body, unique
from tests.integration.matcher_world import need_data
from tests.integration.web_fixtures import csrf, pages, registered_organisation, text_of, web_apis, web_client

FIGURES = ("open_needs", "unfilled_slots", "needs_without_candidates", "proposals", "confirmed_matches")


@pytest.fixture(scope="module")
def apis(tmp_path_factory, mongo_uri):
    """offers and needs, then the matcher and notify, which find them by their URLs."""
    with web_apis(tmp_path_factory.mktemp("web-staff"), mongo_uri, then=("matcher", "notify")) as urls:
        yield urls


@pytest.fixture(scope="module")
def mongo(apis):
    with MongoClient(apis["mongo_uri"], tz_aware=True) as client:
        yield client


@pytest.fixture
def web(apis):
    return web_client(apis)


def sign_in(web, key: str):
    page = web.get("/logg-inn/ansatt?next=/ansatt")
    return web.post("/logg-inn/ansatt?next=/ansatt", data={"csrf_token": csrf(text_of(page)), "token": key})


@pytest.fixture
def staff(web):
    assert sign_in(web, ADMIN_TOKEN).status_code == 302
    return web


def stats(apis) -> dict:
    response = requests.get(apis["matcher"] + "/stats", headers=STAFF, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_wrong_staff_key_is_refused_beside_the_field_and_the_right_one_opens_the_dashboard(web):
    refused = sign_in(web, "not-the-key")
    page = text_of(refused)
    assert refused.status_code == 422
    assert 'class="error-summary"' in page and '<a href="#token">Nøkkelen er ikke riktig.</a>' in page
    assert web.get("/ansatt").status_code == 302  # still not signed in

    signed_in = sign_in(web, ADMIN_TOKEN)
    assert signed_in.status_code == 302 and urlsplit(signed_in.headers["Location"]).path == "/ansatt"
    dashboard = web.get("/ansatt")
    assert dashboard.status_code == 200 and "<h1>Oversikt for kommunen</h1>" in text_of(dashboard)
    assert dashboard.headers["Cache-Control"] == "no-store"


def test_the_staff_pages_send_anyone_else_to_sign_in(web):
    for path in ("/ansatt", "/ansatt/statistikk.csv", "/ansatt/organisasjoner", "/ansatt/frivillige",
                 f"/ansatt/treff/{uuid4()}"):
        response = web.get(path)
        assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/logg-inn/ansatt"


@pytest.fixture
def demand_in_svelvik(mongo):
    """An open need for three in Svelvik in the matcher's read model, with no candidate."""
    MatcherRepository(mongo[MATCHER_DB]).upsert_need(need_data(str(uuid4()), district="svelvik", volunteers_needed=3))


def table_rows(page: str) -> dict[str, list[str]]:
    """The dashboard's table: district name -> its figures, as the cells show them."""
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return {re.search(r'<th scope="row">([^<]+)</th>', row)[1]: re.findall(r'<td class="num">([^<]*)</td>', row)
            for row in body.split("<tr>")[1:]}


def test_the_dashboard_draws_the_figures_of_the_matchers_stats_as_a_chart_and_a_table(staff, apis, demand_in_svelvik):
    page = text_of(staff.get("/ansatt"))
    answer = stats(apis)
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert 'role="img"' in svg and 'aria-labelledby="unmet-chart-title unmet-chart-desc"' in svg
    assert svg.count("<title>") == 2 * len(answer["districts"]) == 20  # two bars per district
    assert ">Svelvik sentrum<" in svg
    shown = table_rows(page)
    assert '<caption id="figures-caption">Tall per bydel</caption>' in page
    for row in answer["districts"]:
        assert shown[DISTRICTS[row["district"]]][:5] == [str(row[key]) for key in FIGURES]
    svelvik = next(row for row in answer["districts"] if row["district"] == "svelvik")
    assert svelvik["unfilled_slots"] >= 3 and svelvik["needs_without_candidates"] >= 1
    assert len(shown) == 10
    assert 'href="/ansatt/statistikk.csv"' in page


def test_the_figures_download_as_csv_with_a_header_row_and_one_row_per_district(staff, apis, demand_in_svelvik):
    response = staff.get("/ansatt/statistikk.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    table = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    answer = {row["district"]: row for row in stats(apis)["districts"]}
    assert [row["district"] for row in table] == list(answer)
    svelvik = next(row for row in table if row["district"] == "svelvik")
    assert svelvik["district_name"] == "Svelvik sentrum, Ebbestad og Berger"
    assert int(svelvik["unfilled_slots"]) == answer["svelvik"]["unfilled_slots"] >= 3


def registered(apis, confirmed: bool) -> dict:
    """An organisation registered through the needs API, its contact confirmed through the mailed link if told."""
    return registered_organisation(apis, confirmed=confirmed, verified=False, name=unique("Lag"))


def waiting_section(page: str) -> str:
    return page[page.index("Venter på godkjenning"):page.index("Venter på at kontaktpersonen")]


def test_godkjenn_verifies_an_organisation_whose_contact_confirmed(staff, apis):
    confirmed, unconfirmed = registered(apis, confirmed=True), registered(apis, confirmed=False)
    listed = pages(staff, "/ansatt/organisasjoner")
    [page] = [page for page in listed if confirmed["name"] in waiting_section(page)]
    assert all(unconfirmed["name"] not in waiting_section(page) for page in listed)
    card = waiting_section(page)[waiting_section(page).index(confirmed["name"]):][:2000]
    assert confirmed["org_number"] in card and "Forening eller lag" in card
    assert confirmed["contact"]["email"] in card and confirmed["contact"]["name"] in card

    [form] = [form for form in forms_of(page) if form["action"] == f"/ansatt/organisasjoner/{confirmed['id']}/godkjenn"]
    assert form["method"] == "post"
    done = staff.post(form["action"], data={"csrf_token": csrf(page)}, follow_redirects=True)
    assert done.status_code == 200 and f"{confirmed['name']} er godkjent" in text_of(done)
    check = requests.get(f"{apis['needs']}/organisations/{confirmed['id']}", headers=STAFF, timeout=5)
    assert check.json()["verified"] is True
    assert all(confirmed["name"] not in waiting_section(page) for page in pages(staff, "/ansatt/organisasjoner"))


def test_godkjenn_without_the_forms_token_changes_nothing(staff, apis):
    organisation = registered(apis, confirmed=True)
    assert staff.post(f"/ansatt/organisasjoner/{organisation['id']}/godkjenn").status_code == 400
    check = requests.get(f"{apis['needs']}/organisations/{organisation['id']}", headers=STAFF, timeout=5)
    assert check.json()["verified"] is False


def test_the_offers_listing_filters_by_district_skill_and_status(staff, apis):
    name = unique("Kari")
    body = offer_body(skills=["music"], districts=["svelvik"])
    body["volunteer"]["name"] = name
    assert requests.post(apis["offers"] + "/offers", json=body, timeout=5).status_code == 201
    waiting = pages(staff, "/ansatt/frivillige?district=svelvik&skill=music&status=pending_confirmation")
    [page] = [page for page in waiting if name in page]
    row = page[page.index(name):][:600]
    assert "Svelvik sentrum, Ebbestad og Berger" in row and "Musikk" in row and "Venter på bekreftet adresse" in row
    assert body["volunteer"]["email"] not in page
    assert all(name not in page for page in pages(staff, "/ansatt/frivillige?district=svelvik&status=open"))
    assert all(name not in page for page in pages(staff, "/ansatt/frivillige?district=konnerud"))


def test_a_match_page_shows_its_notification_log_without_any_message(staff, mongo):
    now = datetime.now(timezone.utc)
    change = lifecycle.propose(str(uuid4()), str(uuid4()), str(uuid4()), 1, 0.9, {}, now, timedelta(hours=48))
    match = MatcherRepository(mongo[MATCHER_DB]).insert_match(change.doc, change.events)
    NotifyRepository(mongo[NOTIFY_DB]).create(new_notification(change.events[0], "volunteer", "proposal", "email",
                                                               to_iso(now)))
    found = staff.get(f"/ansatt?treff={match['_id'].upper()}")
    assert found.status_code == 302 and urlsplit(found.headers["Location"]).path == f"/ansatt/treff/{match['_id']}"
    page = text_of(staff.get(f"/ansatt/treff/{match['_id']}"))
    assert "Foreslått" in page and match["offer_id"] in page
    log = page[page.index("<tbody>"):page.index("</tbody>")]
    assert log.count("<tr>") == 1
    assert "E-post" in log and "Frivillig" in log and "(proposal)" in log and "Venter" in log
    assert "http" not in log


def test_looking_up_a_match_id_that_is_not_one_shows_the_error_summary_and_the_input(staff):
    response = staff.get("/ansatt?treff=abc")
    page = text_of(response)
    assert response.status_code == 422
    assert 'class="error-summary"' in page and '<a href="#treff">' in page and 'value="abc"' in page


def test_an_unknown_match_is_a_plain_not_found_page(staff):
    response = staff.get(f"/ansatt/treff/{uuid4()}")
    assert response.status_code == 404 and "Fant ikke siden" in text_of(response)
