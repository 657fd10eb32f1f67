"""The volunteer's pages against the real offers, needs and matcher APIs (gunicorn on a real MongoDB-protocol
server), through the web app with CSRF on, as a person fills them in.

The volunteer's address is confirmed by pressing the button of the offers service's own /confirm page, with the
link made as notify makes it (shared.confirmation.offer_link from the stored request). No worker runs here, so
the matches Min side shows are stored in the matcher's database as its waves would store them; answering one
goes through the matcher's API.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
import requests
from pymongo import MongoClient

from shared import confirmation
from shared.config import Config
from shared.mongo import connect
from services.matcher import lifecycle
from services.matcher.repository import MatcherRepository
from services.offers.app import DB_NAME as OFFERS_DB
from tests.conftest import forms_of
from tests.integration.conftest import LINK_SIGNING_KEY, STAFF, bearer, need_body, organisation_body, unique_email
from tests.integration.web_fixtures import csrf, registered_organisation, submit, text_of, web_apis, web_client


@pytest.fixture(scope="module")
def apis(tmp_path_factory, mongo_uri):
    """offers (districts, skills) and needs, then the matcher, which finds them by their URLs."""
    with web_apis(tmp_path_factory.mktemp("web-volunteer"), mongo_uri, then=("matcher",)) as urls:
        yield urls


@pytest.fixture
def web(apis):
    return web_client(apis)


def signup(**changes) -> dict:
    """The sign-up form filled in: one weekly time, one empty date row."""
    return {"name": "Kari Nordmann", "email": unique_email(), "phone": "", "birth_year": "1958",
            "languages": ["nb", "en"], "skills": ["visiting_friend"], "districts": ["fjell"],
            "weekly-0-weekday": "2", "weekly-0-start_time": "17:00", "weekly-0-end_time": "20:00",
            "dates-0-day": "", "dates-0-start_time": "", "dates-0-end_time": "",
            "police_certificate": "yes", "max_active_matches": "1", "contact_channels": ["email"], "note": "",
            **changes}


def stored_offer(apis, email: str) -> dict | None:
    with MongoClient(apis["mongo_uri"]) as client:
        return client[OFFERS_DB].offers.find_one({"volunteer.email": email})


def offer_as_staff(apis, offer_id: str) -> dict:
    response = requests.get(f"{apis['offers']}/offers/{offer_id}", headers=STAFF, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def volunteer(web, apis):
    """A volunteer who signed up on the web (and so is signed in): the form's fields and the offer's id."""
    fields = signup()
    assert submit(web, "/bli-frivillig", fields).status_code == 302
    return {**fields, "id": stored_offer(apis, fields["email"])["_id"]}


def confirm_address(apis, email: str) -> None:
    """Press the button of the confirmation page the mailed link opens."""
    offer = stored_offer(apis, email)
    config = Config(offers_url=apis["offers"], link_signing_keys=(LINK_SIGNING_KEY,))
    link = confirmation.offer_link(config, offer["_id"], offer["confirmation"])
    assert requests.post(apis["offers"] + urlsplit(link).path, timeout=5).status_code == 200


def test_a_sign_up_with_errors_shows_them_all_in_the_summary_and_beside_the_fields_and_keeps_the_input(web, apis):
    fields = signup(email="kari-at-example.no", districts=[],
                    **{"weekly-0-start_time": "18:00", "weekly-0-end_time": "17:00", "dates-0-day": "neste fredag",
                       "dates-0-start_time": "10:00", "dates-0-end_time": "12:00"})
    response = submit(web, "/bli-frivillig", fields)
    page = text_of(response)
    assert response.status_code == 422
    summary = page[page.index('class="error-summary"'):page.index("</ul>", page.index('class="error-summary"'))]
    assert summary.count("<li>") == 4, summary
    assert '<a href="#email">Skriv en gyldig e-postadresse' in summary
    assert '<a href="#districts">Velg minst ett område' in summary
    assert '<a href="#weekly-0-end_time">Fast tid 1: Sluttid må være etter starttid.</a>' in summary
    assert '<a href="#dates-0-day">Dato 1: Skriv datoen som dd.mm.åååå' in summary  # the web's own reading
    assert re.search(r'id="weekly-0-end_time-error">.*Sluttid må være etter starttid.</p>', page)
    assert 'value="kari-at-example.no"' in page and 'value="18:00"' in page and 'value="Kari Nordmann"' in page
    assert 'value="neste fredag"' in page
    assert '<option selected value="2">' in page and 'value="visiting_friend" checked' in page
    assert stored_offer(apis, "kari-at-example.no") is None


@pytest.mark.parametrize(("name", "message"), [("", "Skriv navnet ditt."), ("K" * 201, "Navnet kan ha høyst 200 tegn.")],
                         ids=["missing", "too long"])
def test_a_missing_name_and_a_too_long_one_are_told_apart(web, apis, name, message):
    fields = signup(name=name)
    response = submit(web, "/bli-frivillig", fields)
    page = text_of(response)
    assert response.status_code == 422 and f'<a href="#name">{message}</a>' in page
    assert stored_offer(apis, fields["email"]) is None


NO_SMS = "Dette nummeret kan ikke motta SMS."


def test_a_sign_up_choosing_sms_with_a_landline_is_told_beside_the_phone_that_it_cannot_receive_sms(web, apis):
    fields = signup(phone="32 04 60 00", contact_channels=["email", "sms"])
    response = submit(web, "/bli-frivillig", fields)
    page = text_of(response)
    assert response.status_code == 422 and f'<a href="#phone">{NO_SMS}' in page
    assert re.search(rf'id="phone-error">.*{NO_SMS}', page) and 'value="32 04 60 00"' in page
    assert stored_offer(apis, fields["email"]) is None


def test_a_sign_up_by_email_with_a_landline_keeps_the_number_in_e164(web, apis):
    fields = signup(phone="32 04 60 00")
    assert submit(web, "/bli-frivillig", fields).status_code == 302
    assert stored_offer(apis, fields["email"])["volunteer"]["phone"] == "+4732046000"


@pytest.mark.parametrize("field", ["birth_year", "max_active_matches", "weekly-0-weekday"])
def test_digits_python_reads_but_int_does_not_are_an_error_on_the_form_not_a_server_error(web, apis, field):
    fields = signup(**{field: "²"})
    response = submit(web, "/bli-frivillig", fields)
    assert response.status_code == 422 and 'class="error-summary"' in text_of(response)
    assert stored_offer(apis, fields["email"]) is None


def test_the_name_field_takes_no_more_than_the_offers_service_does(web):
    assert re.search(r'<input[^>]*id="name"[^>]*maxlength="200"', text_of(web.get("/bli-frivillig")))


def test_no_time_at_all_is_said_on_the_when_section_and_the_summary_links_there(web, apis):
    fields = signup(**{"weekly-0-weekday": "", "weekly-0-start_time": "", "weekly-0-end_time": ""})
    response = submit(web, "/bli-frivillig", fields)
    page = text_of(response)
    assert response.status_code == 422
    assert '<a href="#availability">Legg til minst én tid du kan' in page
    section = page[page.index('<fieldset class="section section--error" id="availability"'):]
    assert section.index("<legend><h2>Når du kan</h2></legend>") < section.index('id="availability-error"')
    assert 'aria-describedby="availability-hint availability-error"' in section[:section.index(">")]
    assert 'id="weekly-0-weekday-error"' not in page  # not on the first row's day, which is not what is wrong


def test_adding_a_row_shows_the_form_again_with_one_more_row_and_sends_nothing(web, apis):
    fields = signup()
    response = submit(web, "/bli-frivillig", {**fields, "add": "weekly"})
    page = text_of(response)
    assert response.status_code == 200 and 'class="error-summary"' not in page
    assert 'id="weekly-1-weekday"' in page and 'id="weekly-2-weekday"' not in page
    assert f'value="{fields["email"]}"' in page and 'value="17:00"' in page
    assert stored_offer(apis, fields["email"]) is None


def test_a_sign_up_creates_the_offer_and_lands_on_min_side_asking_to_confirm_the_address(web, apis):
    fields = signup(**{"dates-0-day": "2030-06-05", "dates-0-start_time": "10:00", "dates-0-end_time": "16:00"})
    response = submit(web, "/bli-frivillig", fields, follow=True)
    page = text_of(response)
    assert response.status_code == 200 and "<h1>Min side</h1>" in page
    assert "Sjekk e-posten din og trykk på lenken for å bekrefte adressen" in page
    assert any(form["action"] == "/min-side/bekreftelse" for form in forms_of(page))
    again = web.post("/min-side/bekreftelse", data={"csrf_token": csrf(page)}, follow_redirects=True)
    assert "Vi sendte en lenke for under ti minutter siden" in text_of(again)  # the first is only just sent
    offer = offer_as_staff(apis, stored_offer(apis, fields["email"])["_id"])
    assert offer["status"] == "pending_confirmation"
    assert offer["volunteer"] == {"name": "Kari Nordmann", "email": fields["email"], "phone": None,
                                  "birth_year": 1958, "languages": ["nb", "en"]}
    assert offer["availability"] == [{"weekday": 2, "start_time": "17:00", "end_time": "20:00"},
                                     {"start": "2030-06-05T10:00:00+02:00", "end": "2030-06-05T16:00:00+02:00"}]
    assert (offer["skills"], offer["districts"], offer["police_certificate"]) == (["visiting_friend"], ["fjell"], True)


def offers_listed_with(apis, email: str) -> list[dict]:
    """The offers the staff listing holds for an address, read page by page."""
    found, offset = [], 0
    while True:
        page = requests.get(f"{apis['offers']}/offers", headers=STAFF, timeout=5,
                            params={"status": "pending_confirmation", "district": "fjell", "limit": 200,
                                    "offset": offset}).json()
        found += [offer for offer in page["items"] if (offer.get("volunteer") or {}).get("email") == email]
        offset += page["limit"]
        if offset >= page["total"]:
            return found


ALREADY = "Du er allerede registrert som frivillig og logget inn, så vi har ikke laget et nytt tilbud."


def test_the_sign_up_form_sent_again_after_signing_up_makes_no_second_offer_and_says_where_the_offer_is(web, apis):
    fields = signup()
    kept = text_of(web.get("/bli-frivillig"))  # the page the back button shows again
    assert web.post("/bli-frivillig", data={"csrf_token": csrf(kept), **fields}).status_code == 302

    back = web.post("/bli-frivillig", data={"csrf_token": csrf(kept), **fields})
    assert back.status_code == 302 and back.headers["Location"] == "/min-side"
    page = text_of(web.get("/min-side"))
    assert ALREADY in page and "logge ut først" in page
    reloaded = web.get("/bli-frivillig")
    assert reloaded.status_code == 302 and reloaded.headers["Location"] == "/min-side"
    fresh = web.post("/bli-frivillig", data={"csrf_token": csrf(page), **fields})
    assert fresh.status_code == 302 and fresh.headers["Location"] == "/min-side"
    assert len(offers_listed_with(apis, fields["email"])) == 1


def test_a_volunteer_whose_offer_was_withdrawn_may_sign_up_again(web, apis, volunteer):
    assert requests.delete(f"{apis['offers']}/offers/{volunteer['id']}", headers=STAFF, timeout=5).status_code == 200
    page = web.get("/bli-frivillig")
    assert page.status_code == 200 and "Send tilbudet" in text_of(page)


def test_editing_shows_the_offer_and_saves_the_change(web, apis, volunteer):
    page = text_of(web.get("/min-side/endre"))
    assert 'value="Kari Nordmann"' in page and 'value="1958"' in page and '<option selected value="2">' in page
    refused = submit(web, "/min-side/endre", {**volunteer, "phone": "12", "contact_channels": ["email", "sms"]})
    assert refused.status_code == 422
    assert '<a href="#phone">Skriv et gyldig mobilnummer' in text_of(refused) and 'value="12"' in text_of(refused)
    landline = submit(web, "/min-side/endre", {**volunteer, "phone": "32 04 60 00", "contact_channels": ["sms"]})
    assert landline.status_code == 422 and '<a href="#phone">Dette nummeret kan ikke motta SMS.' in text_of(landline)
    changed = {**volunteer, "note": "Har bil.", "districts": ["all"], "weekly-0-end_time": "21:00"}
    response = submit(web, "/min-side/endre", changed, follow=True)
    assert response.status_code == 200 and "Endringene er lagret" in text_of(response)
    offer = offer_as_staff(apis, volunteer["id"])
    assert (offer["note"], offer["districts"]) == ("Har bil.", ["all"])
    assert offer["availability"] == [{"weekday": 2, "start_time": "17:00", "end_time": "21:00"}]


def _organisation_with_needs(apis, titles: list[str]) -> tuple[dict, list[dict]]:
    """A confirmed, verified organisation and its open needs, through the needs API."""
    created = registered_organisation(apis)
    needs = [requests.post(f"{apis['needs']}/needs", json=need_body(title=title), headers=bearer(created["api_key"]),
                           timeout=5).json() for title in titles]
    return created, needs


def _stored_match(apis, need: dict, offer_id: str, confirmed: bool = False) -> dict:
    """A match as the matcher's wave stores it; confirmed as if both sides had said yes."""
    now = datetime.now(timezone.utc)
    change = lifecycle.propose(need["id"], need["organisation_id"], offer_id, 1, 0.9, {}, now, timedelta(hours=48))
    doc = change.doc
    if confirmed:
        doc = {**doc, "status": "confirmed", "accepted_by": ["organisation", "volunteer"],
               "confirmed_at": doc["created_at"]}
    repo = MatcherRepository(connect(Config(mongodb_uri=apis["mongo_uri"]), "matcher"))
    return repo.insert_match(doc, change.events)


def test_min_side_shows_a_proposal_and_an_assignment_and_the_yes_reaches_the_matcher(web, apis, volunteer):
    confirm_address(apis, volunteer["email"])
    organisation, (asked, agreed) = _organisation_with_needs(apis, ["Turvenn på Fjell", "Leksehjelp på Fjell"])
    proposal = _stored_match(apis, asked, volunteer["id"])
    _stored_match(apis, agreed, volunteer["id"], confirmed=True)

    page = text_of(web.get("/min-side"))
    assert "Forslag til deg" in page and "Turvenn på Fjell" in page and "Svar innen" in page
    assert "Strømsø overfor Vestfoldbanen" in page and "tirsdager kl. 17.30–19.00" in page
    assert "Konnerud Sanitetsforening" in page
    assert "Avtalte oppdrag" in page and "Leksehjelp på Fjell" in page and "Neste gang" in page
    assert organisation_body()["contact"]["name"] in page  # the organisation's contact person

    [form] = [f for f in forms_of(page) if f["action"] == f"/min-side/forslag/{proposal['_id']}"]
    assert [b.get("value") for b in form["buttons"]] == ["accept", "decline"]
    response = web.post(form["action"], data={"csrf_token": csrf(page), "answer": "accept"}, follow_redirects=True)
    page = text_of(response)
    assert "Takk!" in page and "Venter på svar fra organisasjonen" in page
    match = requests.get(f"{apis['matcher']}/matches/{proposal['_id']}", headers=STAFF, timeout=5).json()
    assert match["accepted_by"] == ["volunteer"]


def test_min_side_says_no_new_proposals_come_while_the_volunteer_has_as_many_assignments_as_asked_for(web, apis,
                                                                                                    volunteer):
    confirm_address(apis, volunteer["email"])
    assert "Aktivt: vi ser etter oppdrag som passer deg." in text_of(web.get("/min-side"))
    _, (agreed,) = _organisation_with_needs(apis, ["Besøksvenn på Fjell"])
    _stored_match(apis, agreed, volunteer["id"], confirmed=True)  # max_active_matches is 1

    page = text_of(web.get("/min-side"))
    assert "Aktivt: vi ser etter oppdrag" not in page
    assert "Du har så mange oppdrag som du ba om å ha samtidig, så du får ikke nye forslag" in page
    assert '<a href="/min-side/endre#max_active_matches">Endre hvor mange oppdrag du kan ha samtidig</a>' in page


def test_withdrawing_asks_first_then_erases_the_offer_and_signs_out(web, apis, volunteer):
    question = text_of(web.get("/min-side/trekk"))
    assert "Dette kan ikke angres" in question and "Ja, slett alt om meg" in question
    assert 'href="/min-side">Nei, gå tilbake' in question
    response = submit(web, "/min-side/trekk", {}, follow=True)
    assert response.status_code == 200 and "Opplysningene dine er slettet" in text_of(response)
    offer = offer_as_staff(apis, volunteer["id"])
    assert offer["status"] == "withdrawn" and "volunteer" not in offer
    assert web.get("/min-side").status_code == 302  # signed out: to the sign-in page
