"""Phone numbers at the boundary: read as written in Norway, kept in E.164, and SMS only to a mobile number."""
from __future__ import annotations

import pytest
from marshmallow import Schema, ValidationError

from shared import phones
from shared.errors import InvalidInput
from shared.schemas import Phone
from services.offers import model
from services.offers.schemas import OfferIn, OfferPatch

LANDLINE = "32 04 60 00"  # Drammen's switchboard
NOW = "2026-12-01T08:00:00.000000+00:00"

PhoneOnly = Schema.from_dict({"phone": Phone(allow_none=True)})


def load_phone(text: str | None) -> str | None:
    return PhoneOnly().load({"phone": text})["phone"]


def offer_body(phone: str | None, channels: list[str]) -> dict:
    return {"volunteer": {"name": "Kari Nordmann", "email": "kari@example.no", "phone": phone},
            "skills": ["driving"], "districts": ["fjell"], "contact_channels": channels,
            "availability": [{"weekday": 2, "start_time": "17:00", "end_time": "20:00"}]}


def errors_of(schema: Schema, body: dict) -> dict:
    with pytest.raises(ValidationError) as refused:
        schema.load(body)
    return refused.value.messages


@pytest.mark.parametrize("written", ["91234567", "912 34 567", "+47 912 34 567", "0047 912 34 567", "+4791234567",
                                     "912-34-567", "(+47) 912 34 567", " 91234567 "])
def test_a_norwegian_mobile_number_in_any_usual_spelling_is_kept_in_e164(written):
    assert load_phone(written) == "+4791234567"


@pytest.mark.parametrize(("written", "stored"), [("+46 70 123 45 67", "+46701234567"),
                                                 ("0046 70 123 45 67", "+46701234567"),
                                                 ("+358 40 123 4567", "+358401234567")])
def test_a_foreign_mobile_number_with_its_country_code_is_valid(written, stored):
    assert load_phone(written) == stored
    assert phones.receives_sms(stored)


def test_a_landline_is_a_valid_number_that_cannot_receive_sms():
    assert load_phone(LANDLINE) == "+4732046000"
    assert not phones.receives_sms("+4732046000")


@pytest.mark.parametrize("written", ["+4712345678", "12345678", "+47 59 00 00 00", "+479123456789", "+47123",
                                     "1234"])
def test_digits_no_number_in_use_has_are_refused_as_not_valid(written):
    with pytest.raises(ValidationError, match="Not a valid phone number"):
        load_phone(written)


@pytest.mark.parametrize("written", ["ring meg", "ring meg på 91234567", "91234567 ext. 12", "tel:+4791234567",
                                     "+47+4791234567", "", "9" * 40])
def test_text_that_is_not_a_written_number_is_refused_as_not_a_number(written):
    with pytest.raises(ValidationError, match="Not a phone number"):
        load_phone(written)


def test_no_phone_stays_no_phone():
    assert load_phone(None) is None


def test_a_landline_is_accepted_for_an_offer_by_email_only():
    loaded = OfferIn().load(offer_body(LANDLINE, ["email"]))
    assert loaded["volunteer"]["phone"] == "+4732046000"


@pytest.mark.parametrize("channels", [["sms"], ["email", "sms"]])
def test_a_landline_is_refused_for_an_offer_that_chooses_sms(channels):
    assert errors_of(OfferIn(), offer_body(LANDLINE, channels)) == {"volunteer.phone": [phones.CANNOT_RECEIVE_SMS]}


def test_an_offer_that_chooses_sms_with_a_mobile_number_is_accepted():
    assert OfferIn().load(offer_body("+46 70 123 45 67", ["sms"]))["contact_channels"] == ["sms"]


def stored_offer(phone: str | None, channels: list[str]) -> dict:
    return {"_id": "o1", "status": model.OPEN, "contact_channels": channels, "skills": ["driving"],
            "districts": ["fjell"], "availability": [], "police_certificate": False, "max_active_matches": 1,
            "headcount": 1, "volunteer": {"name": "Kari", "email": "kari@example.no", "phone": phone}}


@pytest.mark.parametrize(("offer", "changes"), [
    (stored_offer("+4732046000", ["email"]), {"contact_channels": ["email", "sms"]}),
    (stored_offer("+4791234567", ["sms"]), {"volunteer": {"phone": "+4732046000"}}),
])
def test_a_change_that_would_send_sms_to_a_landline_is_refused_at_the_phone(offer, changes):
    changes = OfferPatch(partial=True).load(changes)
    with pytest.raises(InvalidInput) as refused:
        model.update_offer(offer, changes, NOW)
    assert refused.value.fields == {"volunteer.phone": [phones.CANNOT_RECEIVE_SMS]}


def test_sms_chosen_together_with_a_new_mobile_number_is_accepted():
    changes = {"contact_channels": ["sms"], "volunteer": {"phone": "+4791234567"}}
    changed = model.update_offer(stored_offer("+4732046000", ["email"]), changes, NOW).doc
    assert (changed["contact_channels"], changed["volunteer"]["phone"]) == (["sms"], "+4791234567")


def test_dropping_sms_from_an_offer_with_an_older_landline_is_accepted():
    offer = stored_offer("+4732046000", ["email", "sms"])  # kept from before numbers were checked
    assert model.update_offer(offer, {"contact_channels": ["email"]}, NOW).doc["contact_channels"] == ["email"]


def test_a_change_of_something_else_leaves_an_older_landline_with_sms_alone():
    offer = stored_offer("+4732046000", ["email", "sms"])
    assert model.update_offer(offer, {"note": "Har bil."}, NOW).doc["note"] == "Har bil."
