"""Rules of passwordless sign-in: who may ask for a link, what the link says, and for how long it works."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest

from shared import confirmation, signin
from shared.clock import to_iso
from shared.config import Config
from shared.errors import InvalidLink, status_of
from services.needs import model as needs
from services.offers import model as offers

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
CONFIG = Config(link_signing_keys=("a-link-signing-key-for-unit-tests-only",), web_url="https://web.example/")
OFFER = {"volunteer": {"name": "Kari", "email": "kari@example.no", "languages": ["nb"]}, "skills": ["driving"],
         "districts": ["fjell"], "police_certificate": False, "max_active_matches": 1, "headcount": 1,
         "contact_channels": ["email"], "availability": [{"weekday": 2, "start_time": "17:00", "end_time": "20:00"}]}


def at(**delta: float) -> str:
    return to_iso(NOW + timedelta(**delta))


def _stored(change) -> dict:
    """The document as the store keeps it after the change (version bumped, as DocumentStore does)."""
    return {**change.doc, "version": change.doc.get("version", 0) + 1}


def _new_offer() -> dict:
    return _stored(offers.new_offer(OFFER, "hash", at(hours=-2)))


def _open_offer() -> dict:
    offer = _new_offer()
    return _stored(offers.confirm_address(offer, offer["confirmation"]["nonce"], at(hours=-1)))


def _confirmed_organisation() -> dict:
    return {"_id": str(uuid4()), "name": "Lag", "verified": False, "contact_confirmed": True,
            "contact": {"name": "Ola", "email": "ola@example.no"}, "version": 1}


def test_an_open_offer_asking_stores_a_request_and_records_an_event_with_only_that_request():
    offer = _open_offer()
    change = offers.request_sign_in(offer, at())
    [event] = change.events
    assert event.type == "offer.sign_in_requested" and event.subject == offer["_id"]
    assert event.data == {"id": offer["_id"], "sign_in": change.doc["sign_in"]}
    assert set(change.doc["sign_in"]) == {"nonce", "requested_at"}


def test_a_pending_offer_asking_changes_nothing():
    offer = _new_offer()
    assert offers.request_sign_in(offer, at()).doc is offer


def test_asking_again_within_a_minute_changes_nothing_and_after_makes_a_new_request():
    offer = _stored(offers.request_sign_in(_open_offer(), at()))
    assert offers.request_sign_in(offer, at(seconds=59)).events == ()
    again = offers.request_sign_in(offer, at(minutes=1))
    assert again.doc["sign_in"]["nonce"] != offer["sign_in"]["nonce"] and len(again.events) == 1


def test_a_newly_confirmed_address_ends_the_links_sent_to_the_old_one():
    offer = _stored(offers.request_sign_in(_open_offer(), at()))
    changed = _stored(offers.update_offer(offer, {"volunteer": {"email": "ny@example.no"}}, at(seconds=1)))
    assert "sign_in" in changed
    confirmed = offers.confirm_address(changed, changed["confirmation"]["nonce"], at(seconds=2))
    assert confirmed.doc["volunteer"]["email"] == "ny@example.no" and "sign_in" not in confirmed.doc


def test_a_withdrawn_offer_keeps_no_sign_in_request():
    offer = _stored(offers.request_sign_in(_open_offer(), at()))
    assert "sign_in" not in offers.withdraw_offer(offer, at(seconds=1)).doc


def test_an_organisation_is_sent_a_link_only_once_its_contact_confirmed():
    confirmed = _confirmed_organisation()
    assert [e.type for e in needs.request_sign_in(confirmed, at()).events] == ["organisation.sign_in_requested"]
    unconfirmed = {**confirmed, "contact_confirmed": False}
    assert needs.request_sign_in(unconfirmed, at()).doc is unconfirmed


def test_the_link_opens_the_webs_sign_in_page_for_the_kind_of_subject():
    request = confirmation.new_request(at())
    subject = str(uuid4())
    assert signin.offer_link(CONFIG, subject, request).startswith("https://web.example/logg-inn/frivillig/")
    assert signin.contact_link(CONFIG, subject, request).startswith("https://web.example/logg-inn/organisasjon/")


@pytest.mark.parametrize("minutes, works", [(0, True), (29.9, True), (30, False), (60 * 24, False)])
def test_a_link_works_for_thirty_minutes_from_its_request(minutes, works):
    request, subject = confirmation.new_request(at()), str(uuid4())
    code = signin.offer_link(CONFIG, subject, request).rsplit("/", 1)[1]
    if works:
        claim = confirmation.read_code(CONFIG, signin.OFFER_PURPOSE, code, at(minutes=minutes))
        assert (claim.subject_id, claim.nonce) == (subject, request["nonce"])
    else:
        with pytest.raises(confirmation.LinkExpired):
            confirmation.read_code(CONFIG, signin.OFFER_PURPOSE, code, at(minutes=minutes))
    assert signin.is_expired(request, at(minutes=minutes)) is not works


def test_a_sign_in_code_is_not_a_confirmation_code_nor_the_other_kinds_sign_in_code():
    request, subject = confirmation.new_request(at()), str(uuid4())
    code = signin.offer_link(CONFIG, subject, request).rsplit("/", 1)[1]
    for purpose in (confirmation.OFFER_PURPOSE, signin.CONTACT_PURPOSE):
        with pytest.raises(InvalidLink) as refused:
            confirmation.read_code(CONFIG, purpose, code, at())
        assert type(refused.value) is InvalidLink


def test_links_that_no_longer_work_are_gone_and_forged_ones_not_found():
    assert status_of(confirmation.LinkExpired("x")) == 410 and confirmation.LinkExpired.code == "link_expired"
    assert status_of(signin.LinkUsed("x")) == 410 and signin.LinkUsed.code == "link_used"
    assert status_of(InvalidLink("x")) == 404 and InvalidLink.code == "invalid_link"
