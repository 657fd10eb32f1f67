"""The page an answer link opens, on the real database: it says what is asked, where, when, for whom and by when;
opening it changes nothing; its buttons answer; a link that cannot be answered gets a plain page, never JSON."""
from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

import pytest

from shared import links
from shared.directory import DirectoryUnavailable
from services.matcher import lifecycle
from services.matcher.app import create_app
from services.matcher.handlers import respond
from services.matcher.lifecycle import ORGANISATION, VOLUNTEER
from tests.conftest import forms_of
from tests.integration.matcher_world import Clock, need_data
from tests.integration.notify_fixtures import Directory

TTL = timedelta(hours=48)
TITLE = "Besøksvenn på Fjell bo- og omsorgssenter"
SEEN_ON = "2026-02-20"  # the day the organisation saw the volunteer's police certificate


@dataclasses.dataclass
class Page:
    """One matcher app with a clock the test moves and the needs and offers services' answers in memory."""

    client: Any
    repo: Any
    config: Any
    clock: Clock
    directory: Directory

    def proposal(self, volunteers_needed: int = 1, ttl: timedelta = TTL) -> dict[str, Any]:
        """A match the matcher's wave proposed, with its need, organisation and volunteer known to the directory."""
        need_id, organisation_id, offer_id = str(uuid4()), str(uuid4()), str(uuid4())
        self.repo.upsert_need(need_data(need_id, organisation_id=organisation_id, volunteers_needed=volunteers_needed))
        self.directory.needs[need_id] = {"id": need_id, "title": TITLE, "district": "fjell",
                                         "schedule": need_data(need_id)["schedule"]}
        self.directory.organisations[organisation_id] = {"id": organisation_id, "name": "Fjell bo- og omsorgssenter"}
        self.directory.offers[offer_id] = {"id": offer_id, "status": "open", "volunteer": {
            "name": "Kari Nordmann", "email": "kari@example.no", "phone": "+4791234567"}}
        change = lifecycle.propose(need_id, organisation_id, offer_id, 1, 0.9, {}, self.clock(), ttl)
        return self.repo.insert_match(change.doc, change.events)

    def link(self, match: dict[str, Any], role: str) -> str:
        return urlsplit(links.answer_url(self.config, match["_id"], role)).path

    def answer(self, match: dict[str, Any], role: str, answer: str = "accept", **typed: str):
        """Open the page, type into its fields and press the button with this answer, as a browser would submit
        the form; the organisation types the date it saw the police certificate where the page asks for it."""
        page = self.client.get(self.link(match, role))
        [form] = forms_of(page.get_data(as_text=True))
        [button] = [b for b in form["buttons"] if b.get("value") == answer]
        fields = {i["name"]: typed.get(i["name"], SEEN_ON if i["name"] == "certificate_seen_on" else i.get("value", ""))
                  for i in form["inputs"]}
        return self.client.post(form["action"], data={**fields, button["name"]: button["value"]})

    def match(self, match: dict[str, Any]) -> dict[str, Any]:
        return self.repo.matches.get(match["_id"])


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def page(service_config) -> Page:
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    app = create_app(service_config, clock=clock)
    directory = Directory()
    deps = app.extensions["deps"]
    app.extensions["deps"] = dataclasses.replace(deps, clients=directory)
    return Page(app.test_client(), deps.repo, service_config, clock, directory)


def test_the_volunteers_page_says_what_where_when_for_whom_and_by_when(page):
    response = page.client.get(page.link(page.proposal(), VOLUNTEER))

    assert response.status_code == 200 and response.mimetype == "text/html"
    text = _text(response)
    for fact in (TITLE, "Strømsø overfor Vestfoldbanen; Danvik, Austad og Fjell",
                 "tirsdager kl. 17.30–19.00 (fra 6. januar til 31. desember 2026)",
                 "Tuesdays 17:30–19:00 (from 6 January to 31 December 2026)", "Fjell bo- og omsorgssenter",
                 "onsdag 4. mars 2026 kl. 10.00", "Wednesday 4 March 2026 at 10:00"):
        assert fact in text
    assert "Kari Nordmann" not in text
    assert '<html lang="nb">' in response.get_data(as_text=True) and 'lang="en"' in response.get_data(as_text=True)
    [form] = forms_of(response.get_data(as_text=True))
    assert form["method"] == "post" and {b["value"] for b in form["buttons"]} == {"accept", "decline"}


def test_each_page_gives_the_answer_time_of_the_match_and_after_the_yes_the_organisation_s(page):
    match = page.proposal(ttl=timedelta(hours=30))  # as for a single period beginning sooner than the usual time

    asked = _text(page.client.get(page.link(match, VOLUNTEER)))
    assert "Svar innen / Answer by tirsdag 3. mars 2026 kl. 16.00 Tuesday 3 March 2026 at 16:00" in asked
    waiting = _text(page.client.get(page.link(match, ORGANISATION)))
    assert "har frist til tirsdag 3. mars 2026 kl. 16.00" in waiting and "Svar innen" not in waiting

    page.clock.advance(hours=1)
    accepted = _text(page.answer(match, VOLUNTEER))
    assert "Den svarer senest onsdag 4. mars 2026 kl. 11.00" in accepted
    assert "It answers by Wednesday 4 March 2026 at 11:00" in accepted
    again = _text(page.client.get(page.link(match, VOLUNTEER)))
    assert "som svarer senest onsdag 4. mars 2026 kl. 11.00" in again and "Svar innen" not in again


def test_a_municipal_service_is_named_by_its_unit_and_the_municipality(page):
    match = page.proposal()
    page.directory.organisations[match["organisation_id"]] = {
        "id": match["organisation_id"], "name": "Drammen kommune", "unit": "Fjell bo- og omsorgssenter"}

    for role in (VOLUNTEER, ORGANISATION):
        assert "Fjell bo- og omsorgssenter (Drammen kommune)" in _text(page.client.get(page.link(match, role)))


def test_opening_the_page_twice_changes_nothing(page):
    match = page.proposal()
    for role in (VOLUNTEER, ORGANISATION, VOLUNTEER):
        assert page.client.get(page.link(match, role)).status_code == 200
    assert page.match(match) == match


def test_the_organisation_sees_no_buttons_and_nothing_of_the_volunteer_before_the_volunteer_accepts(page):
    response = page.client.get(page.link(page.proposal(), ORGANISATION))

    assert response.status_code == 200
    assert forms_of(response.get_data(as_text=True)) == []
    text = _text(response)
    assert "ikke svart ennå" in text and "Kari Nordmann" not in text and "kari@example.no" not in text


def test_the_volunteer_accepts_through_the_button_and_the_organisation_then_sees_who_it_is_and_confirms(page):
    match = page.proposal()

    accepted = page.answer(match, VOLUNTEER)
    assert accepted.status_code == 200 and "Vi har sendt navnet og kontaktinformasjonen din" in _text(accepted)
    assert page.match(match)["accepted_by"] == [VOLUNTEER]
    assert forms_of(accepted.get_data(as_text=True)) == []

    asked = _text(page.client.get(page.link(match, ORGANISATION)))
    for fact in ("Kari Nordmann", "kari@example.no", "+4791234567", TITLE):
        assert fact in asked
    confirmed = page.answer(match, ORGANISATION, "accept")
    assert confirmed.status_code == 200 and "Oppdraget er bekreftet" in _text(confirmed)
    assert page.match(match)["status"] == "confirmed"


def test_the_organisation_declines_through_its_button(page):
    match = page.proposal()
    page.answer(match, VOLUNTEER)

    declined = page.answer(match, ORGANISATION, "decline")

    assert declined.status_code == 200 and "spør neste kandidat" in _text(declined)
    assert (page.match(match)["status"], page.match(match)["declined_by"]) == ("declined", ORGANISATION)


def _assert_plain_page(response, status: int, words: str) -> None:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert words in _text(response)
    assert '"error"' not in response.get_data(as_text=True)


@pytest.mark.parametrize("code", ["not-a-code", "A" * 46, "x" * 2000], ids=["garbage", "forged", "long"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_invalid_or_forged_link_gets_a_plain_page_404(page, code, method):
    response = getattr(page.client, method)(f"/r/{code}", data={"answer": "accept"})
    _assert_plain_page(response, 404, "Denne lenken er ikke gyldig")


def test_a_link_to_a_match_that_does_not_exist_gets_a_plain_page_404(page):
    response = page.client.get(urlsplit(links.answer_url(page.config, str(uuid4()), VOLUNTEER)).path)
    _assert_plain_page(response, 404, "Vi finner ikke denne forespørselen")


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_proposal_gets_a_plain_page_410_and_stays_as_it_was(page, method):
    match = page.proposal()
    page.clock.advance(hours=49)

    response = getattr(page.client, method)(page.link(match, VOLUNTEER), data={"answer": "accept"})

    _assert_plain_page(response, 410, "Svarfristen for denne forespørselen har gått ut")
    assert page.match(match) == match


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_answered_match_gets_a_plain_page_409_and_answering_again_changes_nothing(page, method):
    match = page.proposal()
    page.answer(match, VOLUNTEER)
    page.answer(match, ORGANISATION)
    before = page.match(match)

    response = getattr(page.client, method)(page.link(match, ORGANISATION), data={"answer": "decline"})

    _assert_plain_page(response, 409, "Oppdraget er bekreftet, så det er ikke noe mer å svare på")
    assert page.match(match) == before


@pytest.mark.parametrize("form", [{}, {"answer": "maybe"}, {"answer": ["accept", "decline"]}],
                         ids=["no-answer", "unknown-answer", "both-answers"])
def test_a_post_without_a_valid_answer_gets_a_plain_page_422(page, form):
    match = page.proposal()
    response = page.client.post(page.link(match, VOLUNTEER), data=form)
    _assert_plain_page(response, 422, "Trykk på en av knappene")
    assert page.match(match) == match


def test_confirming_when_the_need_is_full_gets_a_plain_page_409_and_leaves_the_proposal_waiting(page):
    first = page.proposal()
    second = page.repo.insert_match(*_another_proposal_of(page, first))
    for match in (first, second):
        respond(match["_id"], VOLUNTEER, True, page.repo, page.clock(), TTL)
    page.answer(first, ORGANISATION)

    response = page.answer(second, ORGANISATION)

    _assert_plain_page(response, 409, "This need already has all the volunteers it asked for")
    assert lifecycle.waiting_for(page.match(second)) == ORGANISATION


def test_the_page_still_opens_and_answers_while_the_needs_and_offers_services_are_away(page):
    match = page.proposal()

    class Away(Directory):
        def need(self, need_id):
            raise DirectoryUnavailable("needs service down")

    page.client.application.extensions["deps"] = dataclasses.replace(page.client.application.extensions["deps"],
                                                                     clients=Away())
    response = page.client.get(page.link(match, VOLUNTEER))
    assert response.status_code == 200 and "Vi får ikke hentet detaljene" in _text(response)
    assert page.answer(match, VOLUNTEER).status_code == 200


def _another_proposal_of(page: Page, match: dict[str, Any]):
    offer_id = str(uuid4())
    page.directory.offers[offer_id] = page.directory.offers[match["offer_id"]]
    change = lifecycle.propose(match["need_id"], match["organisation_id"], offer_id, 1, 0.8, {}, page.clock(), TTL)
    return change.doc, change.events


@pytest.mark.parametrize("path", ["/r/", "/r/..%2Fhealthz", "/r/../healthz", "/r/a/b", "/r/%00"],
                         ids=["empty", "encoded-dot-dot", "dot-dot", "slash", "nul"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_any_path_under_r_that_is_no_valid_code_gets_the_plain_page_404(page, path, method):
    response = getattr(page.client, method)(path, data={"answer": "accept"})
    _assert_plain_page(response, 404, "Lenken virker ikke")


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_answer_page_is_neither_cached_nor_sent_on_as_a_referrer(page, method):
    match = page.proposal()
    page.answer(match, VOLUNTEER)
    responses = [page.client.get(page.link(match, ORGANISATION)), page.client.get("/r/not-a-code"),
                 getattr(page.client, method)("/r/", data={"answer": "accept"}),
                 page.client.post(page.link(match, ORGANISATION), data={})]
    for response in responses:
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_organisation_confirms_a_need_requiring_a_police_certificate_only_with_the_date_it_saw_it(page) -> None:
    match = page.proposal()
    page.answer(match, VOLUNTEER)
    without = page.answer(match, ORGANISATION, certificate_seen_on="")
    assert without.status_code == 422 and "skriv datoen dere så attesten" in _text(without)
    assert 'id="certificate_seen_on"' in without.get_data(as_text=True)
    future = page.answer(match, ORGANISATION, certificate_seen_on="2026-03-09")
    assert future.status_code == 422 and "kan ikke være fram i tid" in _text(future)
    assert page.match(match)["status"] == "proposed"

    confirmed = page.answer(match, ORGANISATION, certificate_seen_on="2026-02-20")
    assert confirmed.status_code == 200 and "Oppdraget er bekreftet" in _text(confirmed)
    stored = page.match(match)
    assert stored["status"] == "confirmed"
    assert {k: stored["certificate"][k] for k in ("seen_on", "role")} == {"seen_on": "2026-02-20", "role": TITLE}


def test_a_need_without_a_police_certificate_asks_for_no_date_and_the_volunteer_gets_no_purpose_link(page) -> None:
    match = page.proposal()
    page.repo.upsert_need(need_data(match["need_id"], version=2, organisation_id=match["organisation_id"],
                                    requirements={"police_certificate": False}))
    assert "politiattest" not in page.client.get(page.link(match, VOLUNTEER)).get_data(as_text=True)
    page.answer(match, VOLUNTEER)
    assert 'id="certificate_seen_on"' not in page.client.get(page.link(match, ORGANISATION)).get_data(as_text=True)
    assert page.answer(match, ORGANISATION).status_code == 200
    assert "certificate" not in page.match(match)


def test_the_volunteer_asked_for_a_need_requiring_a_police_certificate_is_led_to_the_confirmation_of_purpose(page) -> None:
    match = page.proposal()
    html = page.client.get(page.link(match, VOLUNTEER)).get_data(as_text=True)
    assert f'href="{page.link(match, VOLUNTEER)}/politiattest"' in html


def test_a_confirmation_while_the_needs_service_is_away_gets_a_plain_page_and_changes_nothing(page) -> None:
    match = page.proposal()
    page.answer(match, VOLUNTEER)
    form_page = page.client.get(page.link(match, ORGANISATION))

    class Away(Directory):
        def need(self, need_id):
            raise DirectoryUnavailable("needs service down")

    page.client.application.extensions["deps"] = dataclasses.replace(page.client.application.extensions["deps"],
                                                                     clients=Away())
    [form] = forms_of(form_page.get_data(as_text=True))
    response = page.client.post(form["action"], data={"answer": "accept", "certificate_seen_on": SEEN_ON})
    assert response.status_code == 503 and "Prøv igjen om litt" in _text(response)
    assert response.mimetype == "text/html" and page.match(match)["status"] == "proposed"


def _date_input(html: str) -> dict[str, Any]:
    [form] = forms_of(html)
    [date] = [i for i in form["inputs"] if i.get("name") == "certificate_seen_on"]
    return date


def _element_text(html: str, element_id: str) -> str:
    found = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, element_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(2)))


def _waiting_for_the_organisation(page: Page, max_age_months: int | None = 6) -> dict[str, Any]:
    match = page.proposal()
    page.directory.organisations[match["organisation_id"]]["certificate_max_age_months"] = max_age_months
    page.answer(match, VOLUNTEER)
    return match


def test_the_certificate_date_field_tells_the_organisation_s_age_limit_before_any_refusal(page) -> None:
    match = _waiting_for_the_organisation(page)
    html = page.client.get(page.link(match, ORGANISATION)).get_data(as_text=True)

    date = _date_input(html)
    assert date["type"] == "date" and "input--date" in date["class"].split()
    assert "aria-invalid" not in date and date["aria-describedby"] == "certificate_seen_on-hint"
    hint = _element_text(html, "certificate_seen_on-hint")
    assert "høyst 6 måneder gamle" in hint and "at most 6 months old" in hint
    assert "error-summary" not in html


@pytest.mark.parametrize(("typed", "reason"), [
    ("", "Oppdraget krever politiattest: skriv datoen dere så attesten"),
    ("2026-03-09", "Datoen dere så attesten kan ikke være fram i tid."),
    ("2025-08-01", "Dere godtar attester som er høyst 6 måneder gamle"),
], ids=["missing", "in the future", "older than the limit"])
def test_a_refused_certificate_date_is_told_beside_the_field_and_in_a_focused_summary_linking_to_it(
        page, typed, reason) -> None:
    match = _waiting_for_the_organisation(page)

    refused = page.answer(match, ORGANISATION, certificate_seen_on=typed)

    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and page.match(match)["status"] == "proposed"
    date = _date_input(html)
    assert date["aria-invalid"] == "true" and date["value"] == typed
    assert date["aria-describedby"].split() == ["certificate_seen_on-hint", "certificate_seen_on-error"]
    assert reason in _element_text(html, "certificate_seen_on-error")
    assert '<p class="error-message" id="certificate_seen_on-error">' in html
    [summary] = re.findall(r'<div class="error-summary"[^>]*>.*?</div>', html, re.S)
    assert "autofocus" in summary.split(">", 1)[0] and 'href="#certificate_seen_on"' in summary and reason in summary


def _stand_in_seen(page: Page, match: dict[str, Any], seen_on: str) -> dict[str, Any]:
    """The volunteer's confirmed stand-in match for one date of the same need, on which the organisation recorded
    the date it saw their police certificate."""
    stand_in = {"for_date": "2026-02-24", "stands_in_for": str(uuid4())}
    doc = lifecycle.propose(match["need_id"], match["organisation_id"], match["offer_id"], 1, 0.9, {},
                            page.clock() - timedelta(days=14), TTL, stand_in=stand_in).doc
    return page.repo.matches.insert({**doc, "status": "confirmed", "accepted_by": [ORGANISATION, VOLUNTEER],
                                     "certificate": {"seen_on": seen_on, "role": TITLE}})


def test_a_certificate_seen_on_the_volunteer_s_stand_in_is_named_in_the_hint_and_used_when_the_date_is_left_empty(
        page) -> None:
    match = _waiting_for_the_organisation(page)
    stand_in = _stand_in_seen(page, match, SEEN_ON)

    html = page.client.get(page.link(match, ORGANISATION)).get_data(as_text=True)

    hint = _element_text(html, "certificate_seen_on-hint")
    assert ("Dere så attesten til denne frivillige 20. februar 2026 (som avløser). La feltet stå tomt for å bruke "
            "den, eller skriv datoen dere så en nyere.") in hint
    assert ("You saw this volunteer's certificate on 20 February 2026 (as a stand-in). Leave the field empty to use "
            "it, or give the date you saw a newer one.") in hint
    assert "skriv datoen dere så den" not in hint and "required" not in _date_input(html)
    confirmed = page.answer(match, ORGANISATION, certificate_seen_on="")
    assert confirmed.status_code == 200 and "Oppdraget er bekreftet" in _text(confirmed)
    assert page.match(match)["certificate"]["carried_from"] == stand_in["_id"]


def test_a_certificate_seen_before_that_is_older_than_the_organisation_accepts_is_not_offered(page) -> None:
    match = _waiting_for_the_organisation(page, max_age_months=6)
    _stand_in_seen(page, match, "2025-08-01")

    hint = _element_text(page.client.get(page.link(match, ORGANISATION)).get_data(as_text=True),
                         "certificate_seen_on-hint")

    assert "skriv datoen dere så den" in hint and "Dere så attesten til denne frivillige" not in hint


def _decided(page: Page, **fields: Any) -> dict[str, Any]:
    """A proposal the matcher has since moved on from, as stored (status and the fields that say why)."""
    return page.repo.matches.save({**page.proposal(), **fields})


@pytest.mark.parametrize("role, words, english", [
    (VOLUNTEER, "Denne datoen hører nå til det faste oppdraget ditt",
     "This date now belongs to your standing assignment"),
    (ORGANISATION, "Denne datoen hører nå til den frivilliges faste oppdrag hos dere",
     "This date now belongs to the volunteer's standing assignment with you")])
def test_a_stand_in_folded_into_the_volunteers_standing_assignment_says_so_and_not_that_it_was_cancelled(
        page, role, words, english):
    match = _decided(page, status="cancelled", cancel_reason="covered_by_assignment", covered_by=str(uuid4()),
                     for_date="2026-03-10", stands_in_for=str(uuid4()))

    response = page.client.get(page.link(match, role))

    _assert_plain_page(response, 409, words)
    assert english in _text(response) and "avlyst" not in _text(response)


def test_an_ended_assignments_link_says_it_has_ended_and_not_that_it_was_cancelled(page):
    match = _decided(page, status="ended", ended_by="volunteer")

    response = page.client.get(page.link(match, VOLUNTEER))

    _assert_plain_page(response, 409, "Oppdraget er avsluttet")
    assert "The assignment has ended" in _text(response) and "avlyst" not in _text(response)


@pytest.mark.parametrize("role, path", [(VOLUNTEER, "/min-side"), (ORGANISATION, "/vare-behov")])
def test_a_decided_page_and_a_page_after_answering_lead_on_to_the_sides_own_page(page, role, path):
    link = f'href="{page.config.web_url.rstrip("/")}{path}"'
    decided = _decided(page, status="cancelled", cancel_reason="need_closed")
    assert link in page.client.get(page.link(decided, role)).get_data(as_text=True)

    match = page.proposal()
    if role == ORGANISATION:
        page.answer(match, VOLUNTEER)
    assert link in page.answer(match, role, "decline").get_data(as_text=True)


def test_a_stand_ins_page_says_near_the_top_that_it_is_for_one_date_only(page):
    match = page.repo.matches.save({**page.proposal(), "for_date": "2026-03-10", "stands_in_for": str(uuid4())})

    text = _text(page.client.get(page.link(match, VOLUNTEER)))

    assert "Dette gjelder bare én dato: tirsdag 10. mars 2026" in text
    assert "This is for one date only: Tuesday 10 March 2026" in text
    assert text.index("én dato") < text.index("Vil du takke ja?")
    assert "bare én dato" not in _text(page.client.get(page.link(page.proposal(), VOLUNTEER)))
