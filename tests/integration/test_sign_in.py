"""Passwordless sign-in through the offers and needs APIs on a real database, and notify's mail with the link."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from shared import confirmation
from shared.clock import from_iso
from shared.events import Event, parse_event
from services.needs.app import create_app as create_needs_app
from services.notify import sign_ins
from services.notify.delivery import Notifier
from services.notify.repository import NotifyRepository
from services.notify.senders import SmsSender, SmtpSender
from services.offers.app import create_app as create_offers_app
from tests.integration.conftest import (ADMIN_TOKEN, SERVICE, SERVICE_TOKEN, STAFF, assert_contract_error, bearer,
                                        create_offer, post_need, register_organisation, sign_in_code, signed_in,
                                        unique_email)
from tests.integration.notify_fixtures import Clock, notify_config, notify_db, sms_sink  # noqa: F401  (fixtures)
from tests.integration.test_address_confirmation import ServicesDirectory

WEB_URL = "https://frivillig.drammen.example"
ACCEPTED = {"status": "accepted", "message": "If the address is known, a sign-in link is on its way."}


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock(datetime.now(timezone.utc))


@pytest.fixture(autouse=True)
def now_again(clock: Clock) -> None:
    """Each test starts at the present: the database's TTL sweep knows only the real time."""
    clock.now = datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def offers(service_config, clock) -> FlaskClient:
    return create_offers_app(service_config, clock=clock).test_client()


@pytest.fixture(scope="module")
def needs(service_config, clock) -> FlaskClient:
    return create_needs_app(service_config, clock=clock).test_client()


@pytest.fixture
def notifier(notify_db, notify_config, service_config, clock, offers, needs) -> Notifier:
    """Notify as it runs beside the services: their signing key, the web's address, the same clock."""
    config = notify_config.with_overrides(link_signing_keys=service_config.link_signing_keys, web_url=WEB_URL)
    return Notifier(NotifyRepository(notify_db), ServicesDirectory(offers, needs), SmtpSender(config, timeout=5.0),
                    SmsSender(config, timeout=5.0), config, clock)


def ask(client: FlaskClient, email: str) -> dict[str, Any]:
    response = client.post("/sign-in", json={"email": email})
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()


def requested(client: FlaskClient, kind: str, subject_id: str) -> list[Event]:
    """The sign-in events in the subject's outbox, oldest first."""
    doc = client.application.extensions["deps"].repo.db[kind].find_one({"_id": subject_id})
    return [event for event in map(parse_event, (e["value"] for e in doc["outbox"]))
            if event.type.endswith(".sign_in_requested")]


def redeem(client: FlaskClient, code: str):
    return client.post("/sessions", json={"code": code})


def sign_in_link(mail) -> str:
    return next(word for word in mail.text().split() if "/logg-inn/" in word)


# --- asking ------------------------------------------------------------------------------------------

def test_a_known_and_an_unknown_address_get_the_same_answer(offers, needs):
    offer = create_offer(offers)
    organisation = register_organisation(needs, verified=False)
    answers = [ask(offers, offer["volunteer"]["email"].upper()), ask(offers, unique_email()),
               ask(needs, organisation["contact"]["email"].upper()), ask(needs, unique_email())]
    assert answers == [ACCEPTED] * 4
    assert len(requested(offers, "offers", offer["id"])) == 1
    assert len(requested(needs, "organisations", organisation["id"])) == 1


def test_the_event_carries_only_the_request(offers):
    offer = create_offer(offers)
    ask(offers, offer["volunteer"]["email"])
    [event] = requested(offers, "offers", offer["id"])
    stored = offers.application.extensions["deps"].repo.offers.get(offer["id"])
    assert (event.type, event.subject, event.topic) == ("offer.sign_in_requested", offer["id"], "offers.v1")
    assert event.data == {"id": offer["id"], "sign_in": {k: stored["sign_in"][k] for k in ("nonce", "requested_at")}}
    raw = stored["outbox"][-1]["value"]
    assert offer["volunteer"]["email"] not in raw and offer["volunteer"]["name"] not in raw and "/logg-inn/" not in raw


@pytest.mark.parametrize("state", ["pending", "withdrawn"])
def test_an_unconfirmed_or_withdrawn_offer_is_sent_nothing(offers, state):
    offer = create_offer(offers, confirmed=state == "withdrawn")
    if state == "withdrawn":
        assert offers.delete(f"/offers/{offer['id']}", headers=bearer(offer["manage_token"])).status_code == 200
    assert ask(offers, offer["volunteer"]["email"]) == ACCEPTED
    assert requested(offers, "offers", offer["id"]) == []
    assert "sign_in" not in offers.application.extensions["deps"].repo.offers.get(offer["id"])


def test_an_organisation_whose_contact_has_not_confirmed_is_sent_nothing(needs):
    organisation = register_organisation(needs, verified=False, confirmed=False)
    assert ask(needs, organisation["contact"]["email"]) == ACCEPTED
    assert requested(needs, "organisations", organisation["id"]) == []


def test_asking_again_within_a_minute_keeps_the_first_link_and_later_replaces_it(offers, clock):
    offer = create_offer(offers)
    ask(offers, offer["volunteer"]["email"])
    first = sign_in_code(offers, "offers", offer["id"])
    clock.advance(seconds=30)
    ask(offers, offer["volunteer"]["email"])
    assert len(requested(offers, "offers", offer["id"])) == 1 and sign_in_code(offers, "offers", offer["id"]) == first
    clock.advance(seconds=31)
    ask(offers, offer["volunteer"]["email"])
    assert len(requested(offers, "offers", offer["id"])) == 2
    assert assert_contract_error(redeem(offers, first), 410)["code"] == "link_used"
    assert redeem(offers, sign_in_code(offers, "offers", offer["id"])).status_code == 201


def test_each_open_offer_of_the_address_gets_its_own_link(offers):
    email = unique_email()
    first, second = (create_offer(offers, volunteer={"name": "Kari", "email": address}, contact_channels=["email"])
                     for address in (email, email.upper()))
    ask(offers, email)
    sessions = [redeem(offers, sign_in_code(offers, "offers", offer["id"])).get_json()["offer_id"]
                for offer in (first, second)]
    assert sessions == [first["id"], second["id"]]


# --- redeeming ---------------------------------------------------------------------------------------

def test_a_link_gives_a_session_once_that_reads_and_changes_the_offer(offers, clock):
    offer = create_offer(offers)
    ask(offers, offer["volunteer"]["email"])
    code = sign_in_code(offers, "offers", offer["id"])
    response = redeem(offers, code)
    assert response.status_code == 201
    session = response.get_json()
    assert set(session) == {"token", "offer_id", "expires_at"} and session["offer_id"] == offer["id"]
    assert from_iso(session["expires_at"]) == clock.now + timedelta(hours=12)
    assert session["token"] != offer["manage_token"] and len(session["token"]) >= 43
    token, path = bearer(session["token"]), f"/offers/{offer['id']}"
    assert offers.get(path, headers=token).get_json()["volunteer"]["email"] == offer["volunteer"]["email"]
    changed = offers.patch(path, json={"skills": ["music"]}, headers=token)
    assert changed.status_code == 200 and changed.get_json()["skills"] == ["music"]
    assert assert_contract_error(redeem(offers, code), 410)["code"] == "link_used"


def test_the_session_is_only_for_its_own_offer(offers):
    offer, other = create_offer(offers), create_offer(offers)
    session = signed_in(offers, "offers", offer["id"], offer["volunteer"]["email"])
    assert_contract_error(offers.get(f"/offers/{other['id']}", headers=bearer(session["token"])), 404)
    assert_contract_error(offers.patch(f"/offers/{other['id']}", json={"skills": ["music"]},
                                       headers=bearer(session["token"])), 404)
    assert_contract_error(offers.get("/offers", headers=bearer(session["token"])), 403)


def test_two_redemptions_at_once_give_one_session(offers):
    offer = create_offer(offers)
    ask(offers, offer["volunteer"]["email"])
    code = sign_in_code(offers, "offers", offer["id"])
    clients, statuses = [offers.application.test_client() for _ in range(4)], []
    start = threading.Barrier(len(clients))

    def press(client: FlaskClient) -> None:
        start.wait()
        statuses.append(redeem(client, code).status_code)
    threads = [threading.Thread(target=press, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [201, 410, 410, 410]


@pytest.mark.parametrize("minutes, status", [(29, 201), (31, 410)])
def test_a_link_works_for_thirty_minutes(offers, clock, minutes, status):
    offer = create_offer(offers)
    ask(offers, offer["volunteer"]["email"])
    clock.advance(minutes=minutes)
    response = redeem(offers, sign_in_code(offers, "offers", offer["id"]))
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 410:
        assert assert_contract_error(response, 410)["code"] == "link_expired"


@pytest.mark.parametrize("code", ["not-a-code", "A" * 59, "bm90LWEtcmVhbC1jb2Rl", "%00"])
def test_a_forged_code_is_not_found(offers, needs, code):
    for client in (offers, needs):
        assert assert_contract_error(redeem(client, code), 404)["code"] == "invalid_link"


def test_a_code_for_another_purpose_or_service_is_not_found(offers, needs):
    offer = create_offer(offers, confirmed=False)
    organisation = register_organisation(needs, verified=False)
    ask(needs, organisation["contact"]["email"])
    deps = offers.application.extensions["deps"]
    confirm_code = confirmation.make_code(deps.config, confirmation.OFFER_PURPOSE, offer["id"],
                                          deps.repo.offers.get(offer["id"])["confirmation"])
    assert assert_contract_error(redeem(offers, confirm_code), 404)["code"] == "invalid_link"
    contact_code = sign_in_code(needs, "organisations", organisation["id"])
    assert assert_contract_error(redeem(offers, contact_code), 404)["code"] == "invalid_link"
    assert redeem(needs, contact_code).status_code == 201


def test_the_body_is_checked(offers):
    for body in ({"code": ""}, {"code": 5}, {"code": None}, {"code": "x" * 1025}, {"token": "x"}):
        assert_contract_error(offers.post("/sessions", json=body), 422)
    assert_contract_error(offers.post("/sign-in", json={"email": "not an address"}), 422)


# --- asking whether a link works -------------------------------------------------------------------

def check(client: FlaskClient, code: str):
    return client.post("/sessions/check", json={"code": code})


@pytest.mark.parametrize("kind", ["offers", "organisations"])
def test_asking_whether_a_link_works_changes_nothing_and_it_still_works_once(offers, needs, kind):
    client, subject = ((offers, create_offer(offers)) if kind == "offers"
                       else (needs, register_organisation(needs, verified=False)))
    ask(client, (subject.get("volunteer") or subject.get("contact"))["email"])
    code = sign_in_code(client, kind, subject["id"])
    db = client.application.extensions["deps"].repo.db
    before = db[kind].find_one({"_id": subject["id"]})
    for _ in range(2):
        response = check(client, code)
        assert response.status_code == 200 and response.get_json() == {"state": "usable"}
    assert db[kind].find_one({"_id": subject["id"]}) == before
    assert db.sessions.count_documents({"subject_id": subject["id"]}) == 0
    assert redeem(client, code).status_code == 201
    assert assert_contract_error(check(client, code), 410)["code"] == "link_used"


def test_a_link_replaced_by_a_newer_one_or_of_a_withdrawn_offer_is_used(offers, clock):
    offer = create_offer(offers)
    ask(offers, offer["volunteer"]["email"])
    first = sign_in_code(offers, "offers", offer["id"])
    clock.advance(minutes=2)
    ask(offers, offer["volunteer"]["email"])
    assert assert_contract_error(check(offers, first), 410)["code"] == "link_used"
    second = sign_in_code(offers, "offers", offer["id"])
    assert check(offers, second).status_code == 200
    assert offers.delete(f"/offers/{offer['id']}", headers=bearer(offer["manage_token"])).status_code == 200
    assert assert_contract_error(check(offers, second), 410)["code"] == "link_used"


def test_asking_about_an_old_forged_or_other_kinds_link_says_what_redeeming_would(offers, needs, clock):
    offer, organisation = create_offer(offers), register_organisation(needs)
    ask(offers, offer["volunteer"]["email"])
    ask(needs, organisation["contact"]["email"])
    offer_code, contact_code = (sign_in_code(offers, "offers", offer["id"]),
                                sign_in_code(needs, "organisations", organisation["id"]))
    for client, code in ((offers, "not-a-code"), (needs, "not-a-code"), (offers, contact_code), (needs, offer_code),
                         (offers, offer_code[:-3])):
        assert assert_contract_error(check(client, code), 404)["code"] == "invalid_link"
    clock.advance(minutes=30)
    assert assert_contract_error(check(offers, offer_code), 410)["code"] == "link_expired"
    assert assert_contract_error(check(needs, contact_code), 410)["code"] == "link_expired"


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": 5}, {"code": "x" * 1025}, {"code": "x", "more": 1}])
def test_asking_whether_a_link_works_needs_its_code(offers, body):
    assert_contract_error(offers.post("/sessions/check", json=body), 422)


# --- exchanging the subject's own credential ---------------------------------------------------------

def exchange(client: FlaskClient, token: str | None, body: str = "none"):
    """POST /sessions with the token as bearer and no code: no body, `{}`, or an empty body said to be JSON."""
    sent = {"none": {}, "{}": {"json": {}}, "empty": {"data": b"", "content_type": "application/json"}}[body]
    return client.post("/sessions", headers=bearer(token), **sent)


@pytest.mark.parametrize("body", ["none", "{}", "empty"])
def test_a_manage_token_is_exchanged_for_a_new_session_each_time_it_is_given(offers, clock, body):
    offer = create_offer(offers, confirmed=False)  # just made: its address is not confirmed yet
    first, second = exchange(offers, offer["manage_token"], body), exchange(offers, offer["manage_token"], body)
    assert first.status_code == second.status_code == 201, first.get_data(as_text=True)
    session = first.get_json()
    assert set(session) == {"token", "offer_id", "expires_at"} and session["offer_id"] == offer["id"]
    assert from_iso(session["expires_at"]) == clock.now + timedelta(hours=12)
    assert len({session["token"], second.get_json()["token"], offer["manage_token"]}) == 3
    token, path = bearer(session["token"]), f"/offers/{offer['id']}"
    assert offers.get(path, headers=token).get_json()["status"] == "pending_confirmation"
    assert offers.patch(path, json={"skills": ["music"]}, headers=token).get_json()["skills"] == ["music"]
    assert offers.delete("/sessions/current", headers=token).status_code == 204
    assert offers.get(path, headers=bearer(second.get_json()["token"])).status_code == 200  # the other lives on


def test_a_session_from_an_exchange_ends_after_twelve_hours(offers, clock):
    offer = create_offer(offers)
    session = exchange(offers, offer["manage_token"]).get_json()
    clock.advance(hours=12)
    assert_contract_error(offers.get(f"/offers/{offer['id']}", headers=bearer(session["token"])), 401)
    assert offers.get(f"/offers/{offer['id']}", headers=bearer(offer["manage_token"])).status_code == 200


@pytest.mark.parametrize("origin", ["link", "exchange"])
def test_a_session_token_is_not_exchanged_for_another(offers, needs, origin):
    offer, organisation = create_offer(offers), register_organisation(needs)
    for client, kind, subject, credential in ((offers, "offers", offer, offer["manage_token"]),
                                              (needs, "organisations", organisation, organisation["api_key"])):
        if origin == "link":
            email = (subject.get("volunteer") or subject.get("contact"))["email"]
            session = signed_in(client, kind, subject["id"], email)
        else:
            session = exchange(client, credential).get_json()
        error = assert_contract_error(exchange(client, session["token"]), 403)
        assert error["code"] == "forbidden" and "session" in error["message"]


@pytest.mark.parametrize("who, status", [("nobody", 401), ("garbage", 401), ("staff", 403), ("service", 403),
                                         ("withdrawn offer's manage_token", 403), ("an api_key", 401)])
def test_only_an_offers_own_credential_is_exchanged(offers, needs, who, status):
    offer, token = create_offer(offers), None
    if who == "withdrawn offer's manage_token":
        assert offers.delete(f"/offers/{offer['id']}", headers=bearer(offer["manage_token"])).status_code == 200
        token = offer["manage_token"]
    elif who == "an api_key":
        token = register_organisation(needs, verified=False)["api_key"]  # the needs service's, not this one's
    elif who != "nobody":
        token = {"garbage": "h6X0lZ3o0m2Kq9yTt1cV8bN4rS7uW5eA2dF6gJ0kL3p", "staff": ADMIN_TOKEN,
                 "service": SERVICE_TOKEN}[who]
    assert_contract_error(exchange(offers, token), status)
    assert offers.application.extensions["deps"].repo.db.sessions.count_documents({"subject_id": offer["id"]}) == 0


@pytest.mark.parametrize("who, status", [("nobody", 401), ("staff", 403), ("service", 403), ("manage_token", 401)])
def test_only_an_organisations_own_api_key_is_exchanged(offers, needs, who, status):
    token = {"nobody": None, "staff": ADMIN_TOKEN, "service": SERVICE_TOKEN}.get(who)
    if who == "manage_token":
        token = create_offer(offers)["manage_token"]
    assert_contract_error(exchange(needs, token), status)


def test_an_api_key_is_exchanged_for_a_session_for_the_organisation_verified_or_not(needs):
    organisation = register_organisation(needs, verified=False, confirmed=False)
    response = exchange(needs, organisation["api_key"], "{}")
    assert response.status_code == 201, response.get_data(as_text=True)
    session = response.get_json()
    assert set(session) == {"token", "organisation_id", "expires_at"}
    assert session["organisation_id"] == organisation["id"] and session["token"] != organisation["api_key"]
    me = needs.get("/organisations/me", headers=bearer(session["token"])).get_json()
    assert me["id"] == organisation["id"] and me["verified"] is False
    introspected = needs.post("/tokens/introspect", json={"token": session["token"]}, headers=SERVICE).get_json()
    assert introspected == {"active": True, "kind": "organisation", "organisation_id": organisation["id"]}


def test_a_code_in_the_body_is_redeemed_whatever_the_bearer_token(offers):
    offer = create_offer(offers)
    ask(offers, offer["volunteer"]["email"])
    code = sign_in_code(offers, "offers", offer["id"])
    response = offers.post("/sessions", json={"code": code}, headers=bearer(offer["manage_token"]))
    assert response.status_code == 201 and response.get_json()["offer_id"] == offer["id"]
    assert assert_contract_error(offers.post("/sessions", json={"code": code},
                                             headers=bearer(offer["manage_token"])), 410)["code"] == "link_used"


# --- the session -------------------------------------------------------------------------------------

def test_the_session_is_introspected_as_the_volunteer_until_it_is_signed_out(offers):
    offer = create_offer(offers)
    session = signed_in(offers, "offers", offer["id"], offer["volunteer"]["email"])
    def introspected() -> dict[str, Any]:
        return offers.post("/tokens/introspect", json={"token": session["token"]}, headers=SERVICE).get_json()
    assert introspected() == {"active": True, "kind": "volunteer", "offer_id": offer["id"]}
    assert offers.delete("/sessions/current", headers=bearer(session["token"])).status_code == 204
    assert introspected() == {"active": False}
    assert_contract_error(offers.get(f"/offers/{offer['id']}", headers=bearer(session["token"])), 401)
    assert_contract_error(offers.delete("/sessions/current", headers=bearer(session["token"])), 401)


@pytest.mark.parametrize("who, status", [("nobody", 401), ("manage_token", 403), ("staff", 403), ("garbage", 401)])
def test_only_a_session_is_signed_out(offers, who, status):
    offer = create_offer(offers)
    headers = {"nobody": {}, "manage_token": bearer(offer["manage_token"]), "staff": STAFF,
               "garbage": bearer("h6X0lZ3o0m2Kq9yTt1cV8bN4rS7uW5eA2dF6gJ0kL3p")}[who]
    assert_contract_error(offers.delete("/sessions/current", headers=headers), status)


def test_a_session_ends_after_twelve_hours(offers, clock):
    offer = create_offer(offers)
    session = signed_in(offers, "offers", offer["id"], offer["volunteer"]["email"])
    clock.advance(hours=11, minutes=59)
    assert offers.get(f"/offers/{offer['id']}", headers=bearer(session["token"])).status_code == 200
    clock.advance(minutes=1)
    assert_contract_error(offers.get(f"/offers/{offer['id']}", headers=bearer(session["token"])), 401)


def test_withdrawing_the_offer_ends_its_sessions(offers):
    offer = create_offer(offers)
    first = signed_in(offers, "offers", offer["id"], offer["volunteer"]["email"])
    assert offers.delete(f"/offers/{offer['id']}", headers=bearer(first["token"])).status_code == 200
    assert offers.application.extensions["deps"].repo.db.sessions.count_documents({"subject_id": offer["id"]}) == 0
    assert_contract_error(offers.get(f"/offers/{offer['id']}", headers=bearer(first["token"])), 401)
    assert ask(offers, offer["volunteer"]["email"]) == ACCEPTED
    assert len(requested(offers, "offers", offer["id"])) == 0


def test_the_session_is_stored_only_as_a_hash(offers):
    offer = create_offer(offers)
    session = signed_in(offers, "offers", offer["id"], offer["volunteer"]["email"])
    stored = offers.application.extensions["deps"].repo.db.sessions.find_one({"subject_id": offer["id"]})
    assert session["token"] not in str(stored) and stored["expires_at"]


# --- organisations -----------------------------------------------------------------------------------

def test_a_contact_signs_in_for_the_organisation_and_acts_as_its_api_key(needs):
    organisation = register_organisation(needs)
    session = signed_in(needs, "organisations", organisation["id"], organisation["contact"]["email"])
    assert set(session) == {"token", "organisation_id", "expires_at"}
    assert session["organisation_id"] == organisation["id"]
    token = bearer(session["token"])
    me = needs.get("/organisations/me", headers=token).get_json()
    assert me["id"] == organisation["id"] and me["contact"]["email"] == organisation["contact"]["email"]
    need = post_need(needs, session["token"])
    assert need["organisation_id"] == organisation["id"]
    assert needs.post(f"/needs/{need['id']}/close", headers=token).status_code == 200
    introspected = needs.post("/tokens/introspect", json={"token": session["token"]}, headers=SERVICE).get_json()
    assert introspected == {"active": True, "kind": "organisation", "organisation_id": organisation["id"]}
    assert needs.delete("/sessions/current", headers=token).status_code == 204
    assert_contract_error(needs.get("/organisations/me", headers=token), 401)


def test_a_contact_link_works_once(needs):
    organisation = register_organisation(needs, verified=False)
    ask(needs, organisation["contact"]["email"])
    code = sign_in_code(needs, "organisations", organisation["id"])
    assert redeem(needs, code).status_code == 201
    assert assert_contract_error(redeem(needs, code), 410)["code"] == "link_used"


# --- notify ------------------------------------------------------------------------------------------

def test_the_volunteer_gets_one_mail_whose_link_opens_the_web_and_signs_in(notifier, offers, smtp_server,
                                                                           sms_sink):
    offer = create_offer(offers, contact_channels=["email", "sms"])
    ask(offers, offer["volunteer"]["email"].upper())
    [event] = requested(offers, "offers", offer["id"])
    for _ in range(3):
        sign_ins.on_sign_in_requested(event, notifier)
    [mail] = smtp_server.to(offer["volunteer"]["email"])
    assert sms_sink.to(offer["volunteer"]["phone"]) == []
    assert mail.message["Subject"] == "Logg inn på Frivillig i Drammen"
    text = mail.text()
    assert "én gang" in text and "30 minutter" in text and "se bort fra denne e-posten" in text
    link = sign_in_link(mail)
    assert link.startswith(f"{WEB_URL}/logg-inn/frivillig/")
    assert redeem(offers, urlsplit(link).path.rsplit("/", 1)[1]).status_code == 201


def test_a_volunteer_without_norwegian_gets_the_mail_in_english(notifier, offers, smtp_server):
    volunteer = {"name": "Amal", "email": unique_email(), "languages": ["en", "ar"]}
    offer = create_offer(offers, volunteer=volunteer, contact_channels=["email"])
    ask(offers, volunteer["email"])
    sign_ins.on_sign_in_requested(requested(offers, "offers", offer["id"])[0], notifier)
    [mail] = smtp_server.to(volunteer["email"])
    assert mail.message["Subject"] == "Sign in to Volunteering in Drammen"
    assert "works once" in mail.text() and "30 minutes" in mail.text()


def test_the_contact_gets_a_mail_whose_link_opens_the_organisations_page(notifier, needs, smtp_server):
    organisation = register_organisation(needs)
    ask(needs, organisation["contact"]["email"])
    sign_ins.on_sign_in_requested(requested(needs, "organisations", organisation["id"])[0], notifier)
    [mail] = smtp_server.to(organisation["contact"]["email"])
    assert mail.message["Subject"] == "Logg inn på Frivillig i Drammen" and organisation["name"] in mail.text()
    link = sign_in_link(mail)
    assert link.startswith(f"{WEB_URL}/logg-inn/organisasjon/")
    assert redeem(needs, link.rsplit("/", 1)[1]).get_json()["organisation_id"] == organisation["id"]


@pytest.mark.parametrize("meanwhile, reason", [("used", "superseded"), ("withdrawn", "erased"),
                                               ("late", "expired")])
def test_no_mail_goes_once_the_link_cannot_work(notifier, offers, smtp_server, notify_db, clock, meanwhile, reason):
    offer = create_offer(offers)
    ask(offers, offer["volunteer"]["email"])
    [event] = requested(offers, "offers", offer["id"])
    if meanwhile == "used":
        redeem(offers, sign_in_code(offers, "offers", offer["id"]))
    elif meanwhile == "withdrawn":
        offers.delete(f"/offers/{offer['id']}", headers=bearer(offer["manage_token"]))
    else:
        clock.advance(minutes=30)
    sign_ins.on_sign_in_requested(event, notifier)
    assert smtp_server.to(offer["volunteer"]["email"]) == []
    [doc] = notify_db[sign_ins.COLLECTION].find({"event_id": event.id})
    assert (doc["status"], doc["reason"], doc["channel"]) == ("skipped", reason, "email")


def test_the_service_token_learns_when_the_waiting_link_was_asked_for_and_never_the_link(offers):
    offer = create_offer(offers)
    ask(offers, offer["volunteer"]["email"])
    stored = offers.application.extensions["deps"].repo.offers.get(offer["id"])
    code = sign_in_code(offers, "offers", offer["id"])
    for headers in (SERVICE, STAFF, bearer(offer["manage_token"])):
        body = offers.get(f"/offers/{offer['id']}", headers=headers).get_data(as_text=True)
        assert code not in body and stored["sign_in"]["nonce"] not in body
    read = offers.get(f"/offers/{offer['id']}", headers=SERVICE).get_json()
    assert read["sign_in_requested_at"] == stored["sign_in"]["requested_at"]
    assert "sign_in_requested_at" not in offers.get(f"/offers/{offer['id']}", headers=STAFF).get_json()
