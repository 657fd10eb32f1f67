"""Address confirmation through the offers and needs APIs on a real database, and notify's message about it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from deploy import standins
from shared.clock import to_iso
from shared.events import parse_event
from services.notify import confirmations
from services.notify.delivery import Notifier
from services.notify.repository import NotifyRepository
from services.notify.senders import SmsSender, SmtpSender
from services.offers import handlers as offers_handlers
from services.offers.repository import OffersRepository
from tests.integration.conftest import (SERVICE, STAFF, assert_contract_error, bearer, confirmation_path, create_offer,
                                        register_organisation, unique_email)
from tests.integration.notify_fixtures import (  # noqa: F401  (fixtures, found by name)
    clock, notify_config, notify_db, sms_sink)

CONFIRMED = "Takk! E-postadressen din er bekreftet."


def _outbox_types(db, collection: str, doc_id: str) -> list[str]:
    return [parse_event(entry["value"]).type for entry in db[collection].find_one({"_id": doc_id})["outbox"]]


def _age_request(db, collection: str, doc_id: str, days: float) -> None:
    """Make the document's confirmation request as old as `days` (stored whole, as the repositories do)."""
    doc = db[collection].find_one({"_id": doc_id})
    requested = datetime.now(timezone.utc) - timedelta(days=days)
    doc["confirmation"] = {**doc["confirmation"], "requested_at": to_iso(requested)}
    db[collection].replace_one({"_id": doc_id}, doc)


def _is_page(response, status: int, text: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert text in response.get_data(as_text=True)


# --- offers ----------------------------------------------------------------------------------------

def test_a_new_offer_is_pending_and_asks_for_confirmation_without_publishing(offers_client, offers_db):
    offer = create_offer(offers_client, confirmed=False)
    assert offer["status"] == "pending_confirmation" and "links" not in offer
    assert _outbox_types(offers_db, "offers", offer["id"]) == ["offer.confirmation_requested"]
    raw = offers_db.offers.find_one({"_id": offer["id"]})["outbox"][0]["value"]
    assert offer["volunteer"]["email"] not in raw and offer["volunteer"]["name"] not in raw


def _code(link_path: str) -> str:
    return link_path.rsplit("/", 1)[1]


def test_no_reader_gets_the_confirmation_link_and_the_service_token_only_when_it_was_requested(offers_client,
                                                                                               offers_db):
    offer = create_offer(offers_client, confirmed=False)
    path = f"/offers/{offer['id']}"
    code = _code(confirmation_path(offers_client, path))
    requested_at = offers_db.offers.find_one({"_id": offer["id"]})["confirmation"]["requested_at"]
    for headers in (SERVICE, STAFF, bearer(offer["manage_token"])):
        response = offers_client.get(path, headers=headers)
        assert response.status_code == 200 and "links" not in response.get_json()
        assert code not in response.get_data(as_text=True) and "/confirm/" not in response.get_data(as_text=True)
    assert offers_client.get(path, headers=SERVICE).get_json()["confirmation_requested_at"] == requested_at
    assert "confirmation_requested_at" not in offers_client.get(path, headers=STAFF).get_json()
    offers_client.post(confirmation_path(offers_client, path))
    assert "confirmation_requested_at" not in offers_client.get(path, headers=SERVICE).get_json()


def test_opening_the_link_shows_the_page_and_changes_nothing(offers_client, offers_db):
    offer = create_offer(offers_client, confirmed=False)
    link = confirmation_path(offers_client, f"/offers/{offer['id']}")
    before = offers_db.offers.find_one({"_id": offer["id"]})
    for _ in range(2):
        page = offers_client.get(link)
        _is_page(page, 200, "Bekreft e-postadressen din")
        assert '<form method="post">' in page.get_data(as_text=True)
    assert offers_db.offers.find_one({"_id": offer["id"]}) == before


def test_the_volunteer_is_told_that_only_a_yes_gives_an_organisation_their_details(offers_client):
    offer = create_offer(offers_client, confirmed=False)
    link = confirmation_path(offers_client, f"/offers/{offer['id']}")
    for page in (offers_client.get(link), offers_client.post(link)):
        text = page.get_data(as_text=True)
        assert "synlig for organisasjonene" not in text and "shown to organisations" not in text
        assert "før du har takket ja" in text and "unless you say yes" in text


def test_pressing_the_button_opens_the_offer_and_publishes_it_once(offers_client, offers_db):
    offer = create_offer(offers_client, confirmed=False)
    link = confirmation_path(offers_client, f"/offers/{offer['id']}")
    _is_page(offers_client.post(link), 200, CONFIRMED)
    _is_page(offers_client.post(link), 200, "allerede bekreftet")
    _is_page(offers_client.get(link), 200, "allerede bekreftet")
    stored = offers_db.offers.find_one({"_id": offer["id"]})
    assert stored["status"] == "open" and stored["published_at"]
    published = [parse_event(e["value"]) for e in stored["outbox"] if "offer.published" in e["value"]]
    assert [e.data["status"] for e in published] == ["open"]
    assert published[0].data["skills"] == offer["skills"] and published[0].data["version"] == stored["version"]


def test_a_pending_offer_can_be_changed_and_withdrawn_without_any_event_for_the_matcher(offers_client, offers_db):
    offer = create_offer(offers_client, confirmed=False)
    token = bearer(offer["manage_token"])
    changed = offers_client.patch(f"/offers/{offer['id']}", json={"skills": ["music"]}, headers=token)
    assert changed.status_code == 200 and changed.get_json()["status"] == "pending_confirmation"
    assert offers_client.delete(f"/offers/{offer['id']}", headers=token).status_code == 200
    stored = offers_db.offers.find_one({"_id": offer["id"]})
    assert stored["status"] == "withdrawn" and "volunteer" not in stored
    assert _outbox_types(offers_db, "offers", offer["id"]) == []


@pytest.mark.parametrize("code", ["not-a-code", "A" * 59, "bm90LWEtcmVhbC1jb2Rl", "%00", "x" * 2000])
def test_a_forged_or_mangled_link_shows_a_plain_page_and_changes_nothing(offers_client, needs_client, code):
    for client in (offers_client, needs_client):
        _is_page(client.get(f"/confirm/{code}"), 404, "ikke gyldig")
        _is_page(client.post(f"/confirm/{code}"), 404, "ikke gyldig")


def test_an_expired_link_shows_a_plain_page_and_does_not_confirm(offers_client, offers_db):
    offer = create_offer(offers_client, confirmed=False)
    _age_request(offers_db, "offers", offer["id"], days=7.01)
    link = confirmation_path(offers_client, f"/offers/{offer['id']}")
    _is_page(offers_client.get(link), 410, "for gammel")
    _is_page(offers_client.post(link), 410, "for gammel")
    assert offers_db.offers.find_one({"_id": offer["id"]})["status"] == "pending_confirmation"


def test_a_new_address_makes_the_old_link_worthless_and_the_new_one_confirms(offers_client, offers_db):
    offer = create_offer(offers_client, confirmed=False)
    old_link = confirmation_path(offers_client, f"/offers/{offer['id']}")
    new_email = unique_email()
    offers_client.patch(f"/offers/{offer['id']}", json={"volunteer": {"email": new_email}},
                        headers=bearer(offer["manage_token"]))
    assert _outbox_types(offers_db, "offers", offer["id"]) == ["offer.confirmation_requested"] * 2
    _is_page(offers_client.post(old_link), 410, "virker ikke lenger")
    assert offers_db.offers.find_one({"_id": offer["id"]})["status"] == "pending_confirmation"
    _is_page(offers_client.post(confirmation_path(offers_client, f"/offers/{offer['id']}")), 200, CONFIRMED)
    assert offers_db.offers.find_one({"_id": offer["id"]})["status"] == "open"


def test_an_open_offer_keeps_its_confirmed_address_until_the_new_one_is_confirmed(offers_client):
    offer = create_offer(offers_client)
    token, path, new_email = bearer(offer["manage_token"]), f"/offers/{offer['id']}", unique_email()
    changed = offers_client.patch(path, json={"volunteer": {"email": new_email}}, headers=token).get_json()
    assert changed["volunteer"]["email"] == offer["volunteer"]["email"] and changed["pending_email"] == new_email
    assert changed["status"] == "open"
    offers_client.post(confirmation_path(offers_client, path))
    confirmed = offers_client.get(path, headers=token).get_json()
    assert confirmed["volunteer"]["email"] == new_email and "pending_email" not in confirmed


def test_a_contact_link_does_not_confirm_an_offer(offers_client, needs_client):
    organisation = register_organisation(needs_client, verified=False, confirmed=False)
    contact_link = confirmation_path(needs_client, f"/organisations/{organisation['id']}")
    _is_page(offers_client.post(contact_link), 404, "ikke gyldig")


def test_the_worker_erases_offers_unconfirmed_for_seven_days_and_nothing_else(offers_client, offers_db):
    stale, fresh = create_offer(offers_client, confirmed=False), create_offer(offers_client, confirmed=False)
    confirmed = create_offer(offers_client)
    for offer in (stale, confirmed):
        _age_request(offers_db, "offers", offer["id"], days=8)
    repo = OffersRepository(offers_db)

    assert offers_handlers.erase_unconfirmed(repo, lambda: to_iso(datetime.now(timezone.utc))) >= 1

    erased = offers_db.offers.find_one({"_id": stale["id"]})
    assert erased["status"] == "withdrawn" and erased["withdrawn_reason"] == "unconfirmed"
    assert "volunteer" not in erased and _outbox_types(offers_db, "offers", stale["id"]) == []
    assert offers_db.offers.find_one({"_id": fresh["id"]})["status"] == "pending_confirmation"
    assert offers_db.offers.find_one({"_id": confirmed["id"]})["status"] == "open"
    page = offers_client.get(f"/offers/{stale['id']}", headers=bearer(stale["manage_token"]))
    assert page.get_json()["status"] == "withdrawn"


# --- organisations ---------------------------------------------------------------------------------

def test_a_new_organisation_asks_its_contact_to_confirm_without_contact_details_in_the_event(needs_client, needs_db):
    organisation = register_organisation(needs_client, verified=False, confirmed=False)
    assert organisation["contact_confirmed"] is False and "links" not in organisation
    stored = needs_db.organisations.find_one({"_id": organisation["id"]})
    [raw] = [e["value"] for e in stored["outbox"]]
    event = parse_event(raw)
    assert event.type == "organisation.confirmation_requested" and event.subject == organisation["id"]
    assert not [v for v in organisation["contact"].values() if v and v in raw]
    assert event.data["confirmation"] == {k: stored["confirmation"][k] for k in ("nonce", "requested_at")}


def test_staff_cannot_verify_an_organisation_whose_contact_has_not_confirmed(needs_client):
    organisation = register_organisation(needs_client, verified=False, confirmed=False)
    verify = f"/organisations/{organisation['id']}/verify"
    error = assert_contract_error(needs_client.post(verify, headers=STAFF), 409)
    assert "not confirmed" in error["message"]
    link = confirmation_path(needs_client, f"/organisations/{organisation['id']}")
    _is_page(needs_client.get(link), 200, "kontaktperson")
    assert needs_client.post(verify, headers=STAFF).status_code == 409
    _is_page(needs_client.post(link), 200, CONFIRMED)
    verified = needs_client.post(verify, headers=STAFF)
    assert verified.status_code == 200 and verified.get_json()["verified"] is True
    assert verified.get_json()["contact_confirmed"] is True


def test_the_confirmed_contact_is_told_what_happens_and_not_promised_a_message(needs_client):
    organisation = register_organisation(needs_client, verified=False, confirmed=False)
    page = needs_client.post(confirmation_path(needs_client, f"/organisations/{organisation['id']}"))
    _is_page(page, 200, CONFIRMED)
    text = page.get_data(as_text=True)
    assert "Dere får beskjed" not in text
    assert "Kommunens frivillighetskoordinator godkjenner organisasjonen" in text and "Våre behov" in text


def test_no_reader_gets_the_contact_link_and_the_service_token_only_when_it_was_requested(needs_client, needs_db):
    organisation = register_organisation(needs_client, verified=False, confirmed=False)
    path = f"/organisations/{organisation['id']}"
    code = _code(confirmation_path(needs_client, path))
    for headers in ({}, SERVICE, STAFF, bearer(organisation["api_key"])):
        response = needs_client.get(path, headers=headers)
        assert response.status_code == 200 and "links" not in response.get_json()
        assert code not in response.get_data(as_text=True) and "/confirm/" not in response.get_data(as_text=True)
    stored = needs_db.organisations.find_one({"_id": organisation["id"]})["confirmation"]
    assert needs_client.get(path, headers=SERVICE).get_json()["confirmation_requested_at"] == stored["requested_at"]
    needs_client.post(confirmation_path(needs_client, path))
    assert "confirmation_requested_at" not in needs_client.get(path, headers=SERVICE).get_json()


# --- notify ----------------------------------------------------------------------------------------

class ServicesDirectory:
    """shared.directory.Directory's offer and organisation calls, answered by the real apps with the service token."""

    def __init__(self, offers: FlaskClient, needs: FlaskClient):
        self.offers, self.needs = offers, needs

    def offer(self, offer_id: str) -> dict[str, Any] | None:
        response = self.offers.get(f"/offers/{offer_id}", headers=SERVICE)
        return response.get_json() if response.status_code == 200 else None

    def organisation(self, organisation_id: str) -> dict[str, Any] | None:
        response = self.needs.get(f"/organisations/{organisation_id}", headers=SERVICE)
        return response.get_json() if response.status_code == 200 else None


@pytest.fixture
def make_notifier(notify_db, notify_config, service_config, clock, offers_client, needs_client):
    """A notifier that signs links with the services' key (every service shares LINK_SIGNING_KEY)."""
    def make(**overrides: Any) -> Notifier:
        config = notify_config.with_overrides(link_signing_keys=service_config.link_signing_keys, **overrides)
        return Notifier(NotifyRepository(notify_db), ServicesDirectory(offers_client, needs_client),
                        SmtpSender(config, timeout=5.0), SmsSender(config, timeout=5.0), config, clock)
    return make


def _requested(db, collection: str, doc_id: str):
    [event] = [parse_event(e["value"]) for e in db[collection].find_one({"_id": doc_id})["outbox"]
               if "confirmation_requested" in e["value"]][-1:]
    return event


def _link_in(text: str) -> str:
    return urlsplit(next(word for word in text.split() if "/confirm/" in word)).path


def test_the_volunteer_gets_one_mail_and_one_sms_with_the_link_however_often_the_event_comes(
        make_notifier, offers_client, offers_db, smtp_server, sms_sink):
    offer = create_offer(offers_client, confirmed=False, contact_channels=["email", "sms"])
    event = _requested(offers_db, "offers", offer["id"])
    notifier = make_notifier()
    for _ in range(3):
        confirmations.on_confirmation_requested(event, notifier)

    [mail] = smtp_server.to(offer["volunteer"]["email"])
    assert mail.message["Subject"] == "Bekreft e-postadressen din hos Frivillig i Drammen"
    link = _link_in(mail.text())
    assert link == confirmation_path(offers_client, f"/offers/{offer['id']}")
    [sms] = sms_sink.to(offer["volunteer"]["phone"])
    assert _link_in(sms["text"]) == link
    _is_page(offers_client.post(link), 200, CONFIRMED)


def test_a_volunteer_who_chose_only_sms_is_asked_by_mail_as_well(make_notifier, offers_client, offers_db,
                                                                   smtp_server, sms_sink):
    offer = create_offer(offers_client, confirmed=False, contact_channels=["sms"])
    confirmations.on_confirmation_requested(_requested(offers_db, "offers", offer["id"]), make_notifier())
    assert len(smtp_server.to(offer["volunteer"]["email"])) == 1
    assert len(sms_sink.to(offer["volunteer"]["phone"])) == 1


def test_without_an_sms_gateway_the_volunteer_is_asked_by_mail_only(make_notifier, offers_client, offers_db,
                                                                     smtp_server, sms_sink, notify_db):
    offer = create_offer(offers_client, confirmed=False, contact_channels=["email", "sms"])
    confirmations.on_confirmation_requested(_requested(offers_db, "offers", offer["id"]),
                                            make_notifier(sms_gateway_url=None))
    assert len(smtp_server.to(offer["volunteer"]["email"])) == 1 and sms_sink.to(offer["volunteer"]["phone"]) == []
    sms = notify_db[confirmations.COLLECTION].find_one({"subject_id": offer["id"], "channel": "sms"})
    assert (sms["status"], sms["reason"]) == ("skipped", "sms_off")


def test_a_volunteer_without_norwegian_is_asked_in_english(make_notifier, offers_client, offers_db, smtp_server):
    body = {"name": "Amal", "email": unique_email(), "phone": "+4791234567", "birth_year": 1990,
            "languages": ["en", "ar"]}
    offer = create_offer(offers_client, confirmed=False, volunteer=body, contact_channels=["email"])
    confirmations.on_confirmation_requested(_requested(offers_db, "offers", offer["id"]), make_notifier())
    [mail] = smtp_server.to(body["email"])
    assert mail.message["Subject"].startswith("Please confirm your e-mail address")
    assert "shown to organisations" not in mail.text() and "unless you say yes" in mail.text()


def test_the_volunteer_mail_does_not_promise_what_organisations_see(make_notifier, offers_client, offers_db,
                                                                    smtp_server):
    offer = create_offer(offers_client, confirmed=False, contact_channels=["email"])
    confirmations.on_confirmation_requested(_requested(offers_db, "offers", offer["id"]), make_notifier())
    [mail] = smtp_server.to(offer["volunteer"]["email"])
    assert "synlig for organisasjonene" not in mail.text() and "før du har takket ja" in mail.text()


def test_nothing_is_sent_once_the_address_is_confirmed_or_the_offer_erased(make_notifier, offers_client, offers_db,
                                                                           smtp_server, notify_db):
    confirmed, erased = create_offer(offers_client), create_offer(offers_client, confirmed=False)
    erased_event = _requested(offers_db, "offers", erased["id"])
    offers_client.delete(f"/offers/{erased['id']}", headers=bearer(erased["manage_token"]))
    notifier = make_notifier()
    confirmations.on_confirmation_requested(_requested(offers_db, "offers", confirmed["id"]), notifier)
    confirmations.on_confirmation_requested(erased_event, notifier)
    assert smtp_server.to(confirmed["volunteer"]["email"]) == []
    assert smtp_server.to(erased["volunteer"]["email"]) == []
    for offer, reason in ((confirmed, "already_confirmed"), (erased, "erased")):
        found = {doc["reason"] for doc in notify_db[confirmations.COLLECTION].find({"subject_id": offer["id"]})}
        assert found == {reason}


def test_a_request_replaced_by_a_newer_one_sends_nothing_and_the_newer_ones_link_confirms(
        make_notifier, offers_client, offers_db, smtp_server, notify_db):
    offer = create_offer(offers_client, confirmed=False, contact_channels=["email"])
    first = _requested(offers_db, "offers", offer["id"])
    new_email = unique_email()
    offers_client.patch(f"/offers/{offer['id']}", json={"volunteer": {"email": new_email}},
                        headers=bearer(offer["manage_token"]))
    second = _requested(offers_db, "offers", offer["id"])
    assert second.data["confirmation"]["nonce"] != first.data["confirmation"]["nonce"]
    notifier = make_notifier()
    confirmations.on_confirmation_requested(first, notifier)
    assert smtp_server.to(offer["volunteer"]["email"]) == [] and smtp_server.to(new_email) == []
    skipped = notify_db[confirmations.COLLECTION].find({"event_id": first.id})
    assert {(doc["status"], doc["reason"]) for doc in skipped} == {("skipped", "superseded")}
    confirmations.on_confirmation_requested(second, notifier)
    [mail] = smtp_server.to(new_email)
    _is_page(offers_client.post(_link_in(mail.text())), 200, CONFIRMED)


def test_a_changed_address_of_an_open_offer_is_asked_by_mail_to_the_new_address_only(
        make_notifier, offers_client, offers_db, smtp_server, sms_sink):
    offer = create_offer(offers_client, contact_channels=["email", "sms"])
    new_email = unique_email()
    offers_client.patch(f"/offers/{offer['id']}", json={"volunteer": {"email": new_email}},
                        headers=bearer(offer["manage_token"]))
    confirmations.on_confirmation_requested(_requested(offers_db, "offers", offer["id"]), make_notifier())
    assert len(smtp_server.to(new_email)) == 1 and smtp_server.to(offer["volunteer"]["email"]) == []
    assert sms_sink.to(offer["volunteer"]["phone"]) == []


def test_the_contact_of_a_new_organisation_gets_one_mail_with_its_link(make_notifier, needs_client, needs_db,
                                                                       smtp_server):
    organisation = register_organisation(needs_client, verified=False, confirmed=False)
    event = _requested(needs_db, "organisations", organisation["id"])
    for _ in range(2):
        confirmations.on_confirmation_requested(event, make_notifier())
    [mail] = smtp_server.to(organisation["contact"]["email"])
    assert organisation["name"] in mail.text()
    link = _link_in(mail.text())
    _is_page(needs_client.post(link), 200, CONFIRMED)
    assert needs_client.post(f"/organisations/{organisation['id']}/verify", headers=STAFF).status_code == 200


def test_a_mail_server_that_is_down_is_waited_out_and_the_mail_sent_once(make_notifier, offers_client, offers_db,
                                                                         smtp_server, clock):
    offer = create_offer(offers_client, confirmed=False, contact_channels=["email"])
    down = make_notifier(smtp_port=standins.free_port())
    confirmations.on_confirmation_requested(_requested(offers_db, "offers", offer["id"]), down)
    assert smtp_server.to(offer["volunteer"]["email"]) == []
    clock.advance(minutes=5)
    assert confirmations.deliver_due(make_notifier()) >= 1
    confirmations.deliver_due(make_notifier())
    assert len(smtp_server.to(offer["volunteer"]["email"])) == 1


def test_an_organisation_whose_link_expired_asks_for_a_new_one_and_confirms_with_it(needs_client, needs_db):
    organisation = register_organisation(needs_client, verified=False, confirmed=False)
    path = f"/organisations/{organisation['id']}"
    _age_request(needs_db, "organisations", organisation["id"], days=8)
    old_link = confirmation_path(needs_client, path)
    _is_page(needs_client.post(old_link), 410, "for gammel")

    renewed = needs_client.post(f"{path}/confirmation", headers=bearer(organisation["api_key"]))
    assert renewed.status_code == 200 and renewed.get_json()["contact_confirmed"] is False
    assert _outbox_types(needs_db, "organisations", organisation["id"])[-1] == "organisation.confirmation_requested"
    assert_contract_error(needs_client.post(f"{path}/confirmation", headers=STAFF), 409)
    _is_page(needs_client.post(old_link), 410, "for gammel")
    _is_page(needs_client.post(confirmation_path(needs_client, path)), 200, CONFIRMED)
    assert_contract_error(needs_client.post(f"{path}/confirmation", headers=bearer(organisation["api_key"])), 409)


@pytest.mark.parametrize("who, status", [("nobody", 401), ("service", 403), ("other organisation", 403),
                                         ("unknown token", 401)])
def test_only_the_organisation_and_staff_may_ask_for_a_new_contact_link(needs_client, needs_db, who, status):
    organisation = register_organisation(needs_client, verified=False, confirmed=False)
    _age_request(needs_db, "organisations", organisation["id"], days=1)
    headers = {"nobody": {}, "service": SERVICE, "unknown token": bearer("not-a-token"),
               "other organisation": bearer(register_organisation(needs_client, verified=False)["api_key"])}[who]
    before = needs_db.organisations.find_one({"_id": organisation["id"]})
    response = needs_client.post(f"/organisations/{organisation['id']}/confirmation", headers=headers)
    assert_contract_error(response, status)
    assert needs_db.organisations.find_one({"_id": organisation["id"]}) == before


def test_a_volunteer_asks_for_a_new_link_and_only_the_new_one_confirms(offers_client, offers_db):
    offer = create_offer(offers_client, confirmed=False)
    path, token = f"/offers/{offer['id']}", bearer(offer["manage_token"])
    assert_contract_error(offers_client.post(f"{path}/confirmation", headers=token), 409)
    _age_request(offers_db, "offers", offer["id"], days=0.01)
    old_link = confirmation_path(offers_client, path)

    renewed = offers_client.post(f"{path}/confirmation", headers=token)

    assert renewed.status_code == 200 and renewed.get_json()["status"] == "pending_confirmation"
    assert _outbox_types(offers_db, "offers", offer["id"]) == ["offer.confirmation_requested"] * 2
    _is_page(offers_client.post(old_link), 410, "virker ikke lenger")
    _is_page(offers_client.post(confirmation_path(offers_client, path)), 200, CONFIRMED)
    assert_contract_error(offers_client.post(f"{path}/confirmation", headers=token), 409)


@pytest.mark.parametrize("who, status", [("nobody", 401), ("staff", 403), ("service", 403), ("unknown token", 401)])
def test_only_the_volunteer_may_ask_for_a_new_link(offers_client, offers_db, who, status):
    offer = create_offer(offers_client, confirmed=False)
    _age_request(offers_db, "offers", offer["id"], days=1)
    headers = {"nobody": {}, "staff": STAFF, "service": SERVICE, "unknown token": bearer("not-a-token")}[who]
    before = offers_db.offers.find_one({"_id": offer["id"]})
    assert_contract_error(offers_client.post(f"/offers/{offer['id']}/confirmation", headers=headers), status)
    assert offers_db.offers.find_one({"_id": offer["id"]}) == before
