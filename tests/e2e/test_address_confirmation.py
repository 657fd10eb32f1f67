"""Nothing is sent to an address before its owner confirms it: the offer reaches the matcher only after the button in
the confirmation mail's page is pressed, and staff verify an organisation only after its contact did the same."""
from __future__ import annotations

import json

import requests

from shared.events import OFFERS_TOPIC
from tests.conftest import wait_until
from tests.e2e import journeys, scenario

VOLUNTEER = "bekreft-frivillig@example.no"
CONTACT = "bekreft-kontakt@fjell.example.no"


def _types_about(system, topic: str, subject: str) -> list[str]:
    values = [json.loads(m.value) for m in system.all_messages([topic])]
    return [v["type"] for v in values if v["subject"] == subject]


def test_an_offer_is_published_to_the_matcher_only_once_the_volunteer_presses_the_button_in_the_mail(system):
    created = requests.post(system.url("offers", "/offers"), json=scenario.offer(VOLUNTEER), timeout=10)
    assert created.status_code == 201, created.text
    offer = created.json()
    assert offer["status"] == "pending_confirmation"
    owner = {"Authorization": f"Bearer {offer['manage_token']}"}

    [mail] = wait_until(lambda: journeys.confirmation_mails(system, VOLUNTEER), timeout=45,
                        message="the confirm-your-address mail")
    link = journeys.link_in(mail)
    assert link.startswith(system.url("offers", "/confirm/"))
    for _ in range(2):
        page = requests.get(link, timeout=10)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        assert "Bekreft e-postadressen din" in page.text
        assert [f["method"] for f in journeys.forms_of(page.text)] == ["post"]
    assert requests.get(system.url("offers", f"/offers/{offer['id']}"), headers=owner,
                        timeout=10).json()["status"] == "pending_confirmation"
    assert _types_about(system, OFFERS_TOPIC, offer["id"]) == ["offer.confirmation_requested"]
    assert system.matcher_record("offers", offer["id"]) is None

    pressed = journeys.press_the_button(link)
    assert pressed.status_code == 200 and journeys.CONFIRMED in pressed.text

    wait_until(lambda: system.matcher_record("offers", offer["id"]), timeout=45,
               message="the matcher to know the offer")
    opened = requests.get(system.url("offers", f"/offers/{offer['id']}"), headers=owner, timeout=10).json()
    assert opened["status"] == "open"
    for again in (requests.get(link, timeout=10), requests.post(link, timeout=10)):
        assert again.status_code == 200 and "allerede bekreftet" in again.text
        assert journeys.forms_of(again.text) == []
    assert _types_about(system, OFFERS_TOPIC, offer["id"]) == ["offer.confirmation_requested", "offer.published"]

    organisation = journeys.register_verified_organisation(system, scenario.organisation(email=CONTACT))
    need = requests.post(system.url("needs", "/needs"), json=scenario.need(title="Turvenn – bekreftet adresse"),
                         headers={"Authorization": f"Bearer {organisation['api_key']}"}, timeout=10)
    assert need.status_code == 201, need.text
    [match] = wait_until(lambda: journeys.matches(system, need.json()["id"], organisation["api_key"]), timeout=45,
                         message="a proposal to the confirmed volunteer")
    assert match["offer_id"] == offer["id"]
    wait_until(lambda: [m for m in system.mail.to(VOLUNTEER) if "/r/" in m.text()], timeout=30,
               message="the proposal mail to the volunteer")
    assert len(journeys.confirmation_mails(system, VOLUNTEER)) == 1


def test_staff_can_verify_an_organisation_only_after_its_contact_confirmed_the_address(system):
    email = "verifiser-kontakt@konnerud.example.no"
    created = requests.post(system.url("needs", "/organisations"), json=scenario.organisation(email=email), timeout=10)
    assert created.status_code == 201, created.text
    organisation = created.json()
    assert organisation["contact_confirmed"] is False
    verify = system.url("needs", f"/organisations/{organisation['id']}/verify")

    refused = requests.post(verify, headers=system.staff(), timeout=10)
    assert refused.status_code == 409
    assert "confirmed" in refused.json()["error"]["message"]

    journeys.confirm_address(system, email)
    verified = requests.post(verify, headers=system.staff(), timeout=10)
    assert verified.status_code == 200 and verified.json()["verified"] is True


def test_a_forged_confirmation_link_shows_a_plain_page_on_both_services(system):
    for service in ("offers", "needs"):
        for method in (requests.get, requests.post):
            response = method(system.url(service, "/confirm/bm90LWEtcmVhbC1jb2RlLWF0LWFsbC1mb3JnZWQtYnktaGFuZA"),
                              timeout=10)
            assert response.status_code == 404
            assert response.headers["Content-Type"].startswith("text/html")
            assert "ikke gyldig" in response.text
