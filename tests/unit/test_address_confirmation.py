"""Rules of address confirmation: offers and organisations wait for their address, and the links that confirm it."""
from __future__ import annotations

from uuid import uuid4

import pytest

from shared import confirmation
from shared.config import Config
from shared.errors import Conflict, InvalidLink
from services.needs import model as needs
from services.offers import model as offers

NOW = "2026-12-01T08:00:00.000000+00:00"
LATER = "2026-12-02T08:00:00.000000+00:00"
WEEK_LATER = "2026-12-08T08:00:00.000000+00:00"
CONFIG = Config(link_signing_keys=("a-link-signing-key-for-unit-tests-only",))


def _offer_data(**volunteer) -> dict:
    return {"volunteer": {"name": "Kari", "email": "kari@example.no", "phone": "+4791234567", "birth_year": 1990,
                          "languages": ["nb"], **volunteer},
            "skills": ["driving"], "districts": ["fjell"], "police_certificate": False, "max_active_matches": 1,
            "headcount": 1, "contact_channels": ["email"],
            "availability": [{"weekday": 2, "start_time": "17:00", "end_time": "20:00"}]}


def _stored(change) -> dict:
    """The document as the store keeps it after the change (version bumped, as DocumentStore does)."""
    return {**change.doc, "version": change.doc.get("version", 0) + 1}


def _new_offer() -> dict:
    return _stored(offers.new_offer(_offer_data(), "hash", NOW))


def _open_offer() -> dict:
    offer = _new_offer()
    return _stored(offers.confirm_address(offer, offer["confirmation"]["nonce"], LATER))


def test_a_new_offer_waits_for_its_address_and_asks_for_confirmation_without_publishing():
    change = offers.new_offer(_offer_data(), "hash", NOW)
    assert change.doc["status"] == offers.PENDING
    assert [e.type for e in change.events] == ["offer.confirmation_requested"]
    assert change.events[0].data == {"id": change.doc["_id"], "status": offers.PENDING, "version": 1,
                                     "confirmation": change.doc["confirmation"]}


def test_confirming_opens_the_offer_and_publishes_what_the_matcher_reads():
    offer = _new_offer()
    change = offers.confirm_address(offer, offer["confirmation"]["nonce"], LATER)
    assert change.doc["status"] == offers.OPEN
    [event] = change.events
    assert event.type == "offer.published"
    assert event.data["status"] == offers.OPEN and event.data["version"] == 2
    assert event.data["skills"] == ["driving"] and event.data["birth_year"] == 1990
    assert "email" not in str(event.data) and "Kari" not in str(event.data)


def test_confirming_twice_changes_nothing_the_second_time():
    offer = _open_offer()
    again = offers.confirm_address(offer, offer["confirmation"]["nonce"], WEEK_LATER)
    assert again.doc is offer and again.events == ()


def test_a_link_to_another_request_does_not_confirm():
    offer = _new_offer()
    with pytest.raises(confirmation.LinkSuperseded):
        offers.confirm_address(offer, "0" * 16, LATER)


def test_a_pending_offer_can_be_changed_without_any_event_reaching_the_matcher():
    offer = _new_offer()
    change = offers.update_offer(offer, {"skills": ["cooking"]}, LATER)
    assert change.doc["skills"] == ["cooking"] and change.doc["status"] == offers.PENDING
    assert change.events == ()


def test_a_new_address_on_a_pending_offer_replaces_the_old_and_makes_older_links_worthless():
    offer = _new_offer()
    change = offers.update_offer(offer, {"volunteer": {"email": "kari.ny@example.no"}}, LATER)
    assert change.doc["volunteer"]["email"] == "kari.ny@example.no"
    assert [e.type for e in change.events] == ["offer.confirmation_requested"]
    with pytest.raises(confirmation.LinkSuperseded):
        offers.confirm_address(_stored(change), offer["confirmation"]["nonce"], LATER)


def test_a_new_address_on_an_open_offer_is_used_only_once_confirmed():
    offer = _open_offer()
    change = offers.update_offer(offer, {"volunteer": {"email": "kari.ny@example.no"}}, LATER)
    assert change.doc["volunteer"]["email"] == "kari@example.no"
    assert change.doc["pending_email"] == "kari.ny@example.no" and change.doc["status"] == offers.OPEN
    assert [e.type for e in change.events] == ["offer.confirmation_requested"]
    changed = _stored(change)
    assert offers.awaiting_confirmation(changed)
    confirmed = offers.confirm_address(changed, changed["confirmation"]["nonce"], LATER)
    assert confirmed.doc["volunteer"]["email"] == "kari.ny@example.no" and "pending_email" not in confirmed.doc
    assert confirmed.events == ()


def test_going_back_to_the_confirmed_address_cancels_the_pending_one():
    offer = _open_offer()
    changed = _stored(offers.update_offer(offer, {"volunteer": {"email": "kari.ny@example.no"}}, LATER))
    back = _stored(offers.update_offer(changed, {"volunteer": {"email": "kari@example.no"}}, LATER))
    assert "pending_email" not in back and not offers.awaiting_confirmation(back)
    with pytest.raises(confirmation.LinkSuperseded):
        offers.confirm_address(back, changed["confirmation"]["nonce"], LATER)


def test_a_pending_offer_is_erased_without_an_event_and_an_open_one_with_its_withdrawal():
    pending = offers.withdraw_offer(_new_offer(), LATER)
    assert pending.doc["status"] == offers.WITHDRAWN and "volunteer" not in pending.doc and pending.events == ()
    opened = offers.withdraw_offer(_open_offer(), LATER)
    assert [e.type for e in opened.events] == ["offer.withdrawn"]


def test_an_offer_unconfirmed_for_seven_days_is_due_for_erasure_and_a_younger_one_is_not():
    offer = _new_offer()
    assert not offers.unconfirmed_too_long(offer, LATER)
    assert offers.unconfirmed_too_long(offer, WEEK_LATER)
    assert not offers.unconfirmed_too_long(_open_offer(), WEEK_LATER)


def _organisation() -> dict:
    data = {"name": "Lag", "org_number": "974760673", "kind": "association",
            "contact": {"name": "Ola", "email": "ola@example.no"}}
    return _stored(needs.new_organisation(data, "hash", NOW))


def test_a_new_organisation_asks_its_contact_to_confirm_and_cannot_be_verified_before():
    change = needs.new_organisation({"name": "Lag", "org_number": "974760673", "kind": "association",
                                     "contact": {"name": "Ola", "email": "ola@example.no"}}, "hash", NOW)
    assert change.doc["contact_confirmed"] is False
    [event] = change.events
    assert event.type == "organisation.confirmation_requested"
    assert set(event.data) == {"id", "verified", "contact_confirmed", "version", "confirmation"}
    assert event.data["confirmation"] == change.doc["confirmation"]
    with pytest.raises(Conflict):
        needs.check_verifiable(change.doc)


def test_a_confirmed_contact_makes_the_organisation_verifiable():
    organisation = _organisation()
    change = needs.confirm_contact(organisation, organisation["confirmation"]["nonce"], LATER)
    assert change.doc["contact_confirmed"] is True
    needs.check_verifiable(change.doc)
    again = needs.confirm_contact(_stored(change), organisation["confirmation"]["nonce"], WEEK_LATER)
    assert again.events == () and again.doc["contact_confirmed_at"] == LATER


def test_a_link_code_names_its_subject_and_request_until_it_expires():
    request, subject = confirmation.new_request(NOW), str(uuid4())
    code = confirmation.make_code(CONFIG, "confirm-offer", subject, request)
    assert confirmation.read_code(CONFIG, "confirm-offer", code, LATER) == confirmation.Claim(subject, request["nonce"])
    with pytest.raises(confirmation.LinkExpired):
        confirmation.read_code(CONFIG, "confirm-offer", code, WEEK_LATER)


@pytest.mark.parametrize("tamper", [
    lambda code: code[:-2] + ("AA" if code[-2:] != "AA" else "BB"),
    lambda code: code[:10],
    lambda code: "x" + code,
    lambda code: "",
])
def test_a_forged_or_mangled_code_is_invalid(tamper):
    code = confirmation.make_code(CONFIG, "confirm-offer", str(uuid4()), confirmation.new_request(NOW))
    with pytest.raises(InvalidLink):
        confirmation.read_code(CONFIG, "confirm-offer", tamper(code), LATER)


def test_a_code_for_a_contact_does_not_confirm_an_offer():
    code = confirmation.make_code(CONFIG, "confirm-contact", str(uuid4()), confirmation.new_request(NOW))
    with pytest.raises(InvalidLink):
        confirmation.read_code(CONFIG, "confirm-offer", code, LATER)


def test_a_code_made_under_another_key_is_invalid():
    other = Config(link_signing_keys=("some-other-link-signing-key-entirely",))
    code = confirmation.make_code(other, "confirm-offer", str(uuid4()), confirmation.new_request(NOW))
    with pytest.raises(InvalidLink):
        confirmation.read_code(CONFIG, "confirm-offer", code, LATER)


def test_a_link_asks_until_used_and_then_says_so():
    offer = _new_offer()
    nonce = offer["confirmation"]["nonce"]
    assert offers.link_state(offer, nonce) == confirmation.ASK
    assert offers.link_state(_stored(offers.confirm_address(offer, nonce, LATER)), nonce) == confirmation.ALREADY
    with pytest.raises(confirmation.LinkSuperseded):
        offers.link_state(_stored(offers.withdraw_offer(offer, LATER)), nonce)


@pytest.mark.parametrize("public, expected", [
    (None, "http://127.0.0.1:8001/confirm/"),
    ("https://frivillig.example.no/tilbud/", "https://frivillig.example.no/tilbud/confirm/"),
])
def test_a_link_points_at_the_public_address_of_the_offers_service_when_one_is_set(public, expected):
    config = CONFIG.with_overrides(offers_public_url=public)
    offer = _new_offer()
    assert confirmation.offer_link(config, offer["_id"], offer["confirmation"]).startswith(expected)


@pytest.mark.parametrize("public, expected", [
    (None, "http://127.0.0.1:8002/confirm/"),
    ("https://frivillig.example.no/organisasjon", "https://frivillig.example.no/organisasjon/confirm/"),
])
def test_a_contact_link_points_at_the_public_address_of_the_needs_service_when_one_is_set(public, expected):
    config = CONFIG.with_overrides(needs_public_url=public)
    organisation = _organisation()
    assert confirmation.contact_link(config, organisation["_id"], organisation["confirmation"]).startswith(expected)


def test_the_link_made_from_a_confirmation_event_confirms_the_request_it_announced():
    offer = _new_offer()
    [event] = offers.renew_confirmation(offer, "2026-12-01T08:10:00.000000+00:00").events
    link = confirmation.offer_link(CONFIG, event.subject, event.data["confirmation"])
    claim = confirmation.read_code(CONFIG, confirmation.OFFER_PURPOSE, link.rsplit("/", 1)[1], LATER)
    assert claim == confirmation.Claim(offer["_id"], event.data["confirmation"]["nonce"])
    assert claim.nonce != offer["confirmation"]["nonce"]


def test_a_new_link_is_given_only_while_an_address_waits_and_not_twice_within_ten_minutes():
    offer = _new_offer()
    with pytest.raises(Conflict):
        offers.renew_confirmation(offer, "2026-12-01T08:05:00.000000+00:00")
    renewed = offers.renew_confirmation(offer, "2026-12-01T08:10:00.000000+00:00")
    assert renewed.doc["confirmation"]["nonce"] != offer["confirmation"]["nonce"]
    assert [e.type for e in renewed.events] == ["offer.confirmation_requested"]
    with pytest.raises(Conflict):
        offers.renew_confirmation(_open_offer(), WEEK_LATER)
    organisation = _organisation()
    assert needs.renew_confirmation(organisation, LATER).events[0].type == "organisation.confirmation_requested"
    confirmed = _stored(needs.confirm_contact(organisation, organisation["confirmation"]["nonce"], LATER))
    with pytest.raises(Conflict):
        needs.renew_confirmation(confirmed, WEEK_LATER)


def test_other_changes_leave_a_new_address_waiting_for_confirmation():
    offer = _open_offer()
    changed = _stored(offers.update_offer(offer, {"volunteer": {"email": "kari.ny@example.no"}}, LATER))
    later = offers.update_offer(changed, {"skills": ["cooking"], "volunteer": {"name": "Kari N."}}, LATER)
    assert later.doc["pending_email"] == "kari.ny@example.no" and later.doc["volunteer"]["email"] == "kari@example.no"
    assert later.doc["confirmation"] == changed["confirmation"]
    assert [e.type for e in later.events] == ["offer.updated"]
