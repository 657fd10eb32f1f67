"""The staff pages as rendered from the services' answers: an offer's matches, the approval queue's names, the
figures table's missing values and the sentence that stands in for an all-zero chart."""
from __future__ import annotations

import re
import time
from typing import Any

import pytest

from shared.config import Config
from shared.reference import DISTRICTS, SKILLS
from services.web import catalogue
from services.web.apiclient import ApiError
from services.web.app import create_app
from services.web.session import STAFF

OFFER_ID, NEED_ID, GONE_NEED_ID = ("0b8e2a4c-5f1d-4c3a-9e7b-2d6f8a1c3e5b", "1c9f3b5d-6a2e-4d4b-8f8c-3e7a9b2d4f6c",
                                   "2d0a4c6e-7b3f-4e5c-9a9d-4f8b0c3e5a7d")
MATCH_ID, GONE_MATCH_ID = "3e1b5d7f-8c4a-4f6d-8b0e-5a9c1d4f6b8e", "4f2c6e8a-9d5b-4a7e-9c1f-6b0d2e5a7c9f"
ZEROS = {"open_needs": 0, "unfilled_slots": 0, "needs_without_candidates": 0, "proposals": 0, "confirmed_matches": 0,
         "attended_occurrences": 0, "attended_hours": 0.0}


class FakeApi:
    """The services' answers by (service, path); any other path is the services' 404."""

    def __init__(self, answers: dict[tuple[str, str], Any]):
        self.answers = answers

    def get(self, service: str, path: str, token: str | None = None, **params: Any) -> Any:
        if (service, path) not in self.answers:
            raise ApiError(404, "not_found")
        return self.answers[(service, path)]


@pytest.fixture
def answers() -> dict[tuple[str, str], Any]:
    return {("offers", "/districts"): {"items": [{"code": code, "name": name} for code, name in DISTRICTS.items()]},
            ("offers", "/skills"): {"items": [{"code": code, "labels": {"nb": skill.nb, "en": skill.en}}
                                              for code, skill in SKILLS.items()]}}


@pytest.fixture
def staff(answers):
    app = create_app(Config(web_session_keys=("k" * 40,), testing=True))
    app.extensions["api"] = FakeApi(answers)
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(kind=STAFF, token="staff-token", signed_in_at=int(time.time()), seen=int(time.time()))
    catalogue._cache.clear()
    yield client
    catalogue._cache.clear()  # what the fake answered is kept for no other test


def listing(*items: dict[str, Any]) -> dict[str, Any]:
    return {"items": list(items), "total": len(items), "limit": 25, "offset": 0}


def page(staff, path: str) -> str:
    response = staff.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def offer(**changes: Any) -> dict[str, Any]:
    return {"id": OFFER_ID, "status": "open", "volunteer": {"name": "Kari Nordmann", "email": "kari@example.no"},
            "skills": ["driving"], "districts": ["fjell"], "availability": [],
            "created_at": "2026-01-05T10:00:00+00:00", **changes}


def match(match_id: str, need_id: str, status: str) -> dict[str, Any]:
    return {"id": match_id, "need_id": need_id, "offer_id": OFFER_ID, "status": status,
            "created_at": "2026-01-06T10:00:00+00:00", "expires_at": "2026-01-08T10:00:00+00:00"}


@pytest.fixture
def an_offer_with_two_matches(answers):
    answers[("offers", f"/offers/{OFFER_ID}")] = offer()
    answers[("matcher", "/matches")] = {"items": [match(MATCH_ID, NEED_ID, "proposed"),
                                                  match(GONE_MATCH_ID, GONE_NEED_ID, "cancelled")]}
    answers[("needs", f"/needs/{NEED_ID}")] = {"id": NEED_ID, "title": "Besøksvenn på Fjell", "status": "closed"}


def rows_of(html: str) -> list[str]:
    return html[html.index("<tbody>"):html.index("</tbody>")].split("<tr>")[1:]


def test_an_offers_page_lists_its_matches_each_linking_to_the_match_by_its_needs_title(staff,
                                                                                      an_offer_with_two_matches):
    html = page(staff, f"/ansatt/frivillige/{OFFER_ID}")
    assert "<h1>Frivillig: Kari Nordmann</h1>" in html and "kari@example.no" in html
    first, second = rows_of(html)
    assert f'<a href="/ansatt/treff/{MATCH_ID}">Besøksvenn på Fjell</a>' in first
    assert "(lukket)" in first and "Foreslått" in first
    assert f'href="/ansatt/treff/{GONE_MATCH_ID}"' in second and "Behov som ikke kan vises" in second
    assert "fant det ikke" in second and "Avlyst" in second
    assert 'aria-hidden="true">–</span><span class="visually-hidden">ingen verdi</span>' in second  # no deadline


def test_a_stand_in_folded_into_the_volunteer_s_standing_match_does_not_read_cancelled(staff, answers):
    answers[("offers", f"/offers/{OFFER_ID}")] = offer()
    answers[("matcher", "/matches")] = {"items": [{**match(MATCH_ID, NEED_ID, "cancelled"),
                                                   "cancel_reason": "covered_by_assignment"},
                                                  match(GONE_MATCH_ID, NEED_ID, "ended")]}
    answers[("needs", f"/needs/{NEED_ID}")] = {"id": NEED_ID, "title": "Besøksvenn", "status": "open"}
    folded, ended = rows_of(page(staff, f"/ansatt/frivillige/{OFFER_ID}"))
    assert "Del av fast oppdrag" in folded and "Avlyst" not in folded
    assert "Avsluttet" in ended and "Avlyst" not in ended


def test_an_offers_page_is_one_heading_then_a_second_level_one_for_its_matches(staff, an_offer_with_two_matches):
    levels = [int(level) for level in re.findall(r"<h([1-6])", page(staff, f"/ansatt/frivillige/{OFFER_ID}"))]
    assert levels == [1, 2]


def test_an_offer_with_no_matches_says_so(staff, answers):
    answers[("offers", f"/offers/{OFFER_ID}")] = offer(volunteer={}, status="withdrawn")
    answers[("matcher", "/matches")] = {"items": []}
    html = page(staff, f"/ansatt/frivillige/{OFFER_ID}")
    assert "<h1>Frivillig: (slettet)</h1>" in html and "Tilbudet har ingen treff ennå." in html


def test_an_offers_page_for_what_is_not_an_id_is_not_found(staff):
    assert staff.get("/ansatt/frivillige/..%2Fhealthz").status_code == 404


def test_each_volunteer_in_the_listing_links_to_their_offers_page(staff, answers):
    answers[("offers", "/offers")] = listing(offer(), offer(id=NEED_ID, volunteer={}))
    first, erased = rows_of(page(staff, "/ansatt/frivillige"))
    assert f'<a href="/ansatt/frivillige/{OFFER_ID}">Kari Nordmann</a>' in first
    assert f'<a href="/ansatt/frivillige/{NEED_ID}">(slettet)</a><span class="visually-hidden">, registrert' in erased


def test_a_match_page_links_to_its_offers_page(staff, answers):
    answers[("matcher", f"/matches/{MATCH_ID}")] = match(MATCH_ID, NEED_ID, "proposed")
    answers[("notify", "/notifications")] = {"items": []}
    html = page(staff, f"/ansatt/treff/{MATCH_ID}")
    assert f'href="/ansatt/frivillige/{OFFER_ID}">Se tilbudet og alle treffene</a>' in html


def organisation(**changes: Any) -> dict[str, Any]:
    return {"id": OFFER_ID, "name": "Drammen kommune", "org_number": "939214895", "kind": "municipal_service",
            "unit": "Fjell bo- og omsorgssenter", "contact": {"name": "Ola"}, **changes}


def test_the_approval_queue_names_a_municipal_service_by_its_unit_first(staff, answers):
    answers[("needs", "/organisations")] = listing(organisation(),
                                                   organisation(name="Lag", unit=None, kind="association"))
    html = page(staff, "/ansatt/organisasjoner")
    assert "<h3>Fjell bo- og omsorgssenter (Drammen kommune)</h3>" in html and "<h3>Lag</h3>" in html
    assert '<span class="visually-hidden"> Fjell bo- og omsorgssenter (Drammen kommune)</span>' in html
    assert '<th scope="row">Fjell bo- og omsorgssenter (Drammen kommune)</th>' in html  # awaiting confirmation


def stats(rows: list[dict[str, Any]], totals: dict[str, Any]) -> dict[str, Any]:
    return {"districts": rows, "totals": totals}


def test_with_no_unmet_demand_the_dashboard_says_so_in_a_sentence_and_keeps_the_table(staff, answers):
    answers[("matcher", "/stats")] = stats([{"district": code, **ZEROS} for code in DISTRICTS], ZEROS)
    html = page(staff, "/ansatt")
    assert "<svg" not in html and "<p>Ingen udekket behov akkurat nå.</p>" in html
    assert len(rows_of(html)) == 10


def test_a_missing_figure_in_the_table_is_a_dash_read_out_as_no_value(staff, answers):
    answers[("matcher", "/stats")] = stats([{"district": "fjell", **ZEROS, "unfilled_slots": 2,
                                             "median_minutes_to_first_proposal": None}], ZEROS)
    html = page(staff, "/ansatt")
    foot = html[html.index("<tfoot>"):html.index("</tfoot>")]
    dash = '<td class="num"><span aria-hidden="true">–</span><span class="visually-hidden">ingen verdi</span></td>'
    assert foot.count(dash) == 1 and rows_of(html)[0].count(dash) == 1
    english = staff.get("/ansatt?lang=en").get_data(as_text=True)
    assert '<span class="visually-hidden">no value</span>' in english and "<svg" in english


def test_the_match_lookup_says_where_match_ids_are_found(staff, answers):
    answers[("matcher", "/stats")] = stats([], {})
    hint = re.search(r'<p class="hint" id="treff-hint">([^<]+)</p>', page(staff, "/ansatt"))[1]
    assert "treffets side" in hint and "«Frivillige»" in hint
