"""Every validation rule of the offers and needs services: a rejected and an accepted example each.

A rejection is 422 with the contract's error body and the exact path of the field at fault.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.integration.conftest import (REMOVE, STAFF, assert_contract_error, bearer, need_body, offer_body,
                                        organisation_body, register_organisation, replaced, unique, unique_email)

THIS_YEAR = date.today().year
TODAY = date.today()
SOON = datetime.now(timezone.utc) + timedelta(days=30)
LAST_WEEK = datetime.now(timezone.utc) - timedelta(days=7)
WEEKLY = {"weekday": 2, "start_time": "17:00", "end_time": "20:00"}


def period(start: datetime, hours: float = 2) -> dict[str, str]:
    return {"start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat()}


def stored_offer(offers_db, response) -> dict:
    assert response.status_code == 201, response.get_data(as_text=True)
    return offers_db.offers.find_one({"_id": response.get_json()["id"]})


def stored_need(needs_db, response) -> dict:
    assert response.status_code == 201, response.get_data(as_text=True)
    return needs_db.needs.find_one({"_id": response.get_json()["id"]})


def assert_rejected_at(response, path: str) -> dict:
    error = assert_contract_error(response, 422)
    assert error["code"] == "validation_failed"
    assert path in error.get("fields", {}), error
    return error


# --- offers: rejected ---------------------------------------------------------------------------

OFFER_REJECTIONS = [
    # e-mail: as email-validator reads it, without asking DNS
    ("volunteer.email", "kari.example.no", "volunteer.email"),
    ("volunteer.email", "kari@", "volunteer.email"),
    ("volunteer.email", "kari nordmann@example.no", "volunteer.email"),
    ("volunteer.email", "kari..nordmann@example.no", "volunteer.email"),
    ("volunteer.email", "kari@example", "volunteer.email"),
    ("volunteer.email", "kari@example.test", "volunteer.email"),
    ("volunteer.email", "kari@localhost", "volunteer.email"),
    ("volunteer.email", "Kari <kari@example.no>", "volunteer.email"),
    ("volunteer.email", "kari@[192.0.2.1]", "volunteer.email"),
    # phone: a valid number in its country's plan, read as Norwegian without a country code
    ("volunteer.phone", "1234", "volunteer.phone"),
    ("volunteer.phone", "+47123", "volunteer.phone"),
    ("volunteer.phone", "+479123456789", "volunteer.phone"),
    ("volunteer.phone", "+4712345678", "volunteer.phone"),
    ("volunteer.phone", "12345678", "volunteer.phone"),
    ("volunteer.phone", "ring meg", "volunteer.phone"),
    # SMS (chosen in offer_body) only to a number that can receive it
    ("volunteer.phone", "32 04 60 00", "volunteer.phone"),
    # birth year: plausible, and an integer
    ("volunteer.birth_year", THIS_YEAR - 111, "volunteer.birth_year"),
    ("volunteer.birth_year", THIS_YEAR - 9, "volunteer.birth_year"),
    ("volunteer.birth_year", "1990", "volunteer.birth_year"),
    ("volunteer.birth_year", 1990.5, "volunteer.birth_year"),
    # languages: ISO 639-1
    ("volunteer.languages", ["norsk"], "volunteer.languages[0]"),
    ("volunteer.languages", ["nb", "xx"], "volunteer.languages[1]"),
    ("volunteer.languages", ["nob"], "volunteer.languages[0]"),
    # weekly slots: weekday 1-7, HH:MM, end after start
    ("availability[0].weekday", 0, "availability[0].weekday"),
    ("availability[0].weekday", 8, "availability[0].weekday"),
    ("availability[0].weekday", 2.5, "availability[0].weekday"),
    ("availability[0].start_time", "7:00", "availability[0].start_time"),
    ("availability[0].start_time", "24:00", "availability[0].start_time"),
    ("availability[0].end_time", "20:00:00", "availability[0].end_time"),
    ("availability", [WEEKLY, {**WEEKLY, "start_time": "18:00", "end_time": "17:00"}], "availability[1].end_time"),
    ("availability", [WEEKLY, {**WEEKLY, "end_time": "17:00"}], "availability[1].end_time"),
    ("availability[0].end_time", REMOVE, "availability[0].end_time"),
    # single periods: end after start, not in the past, in a plausible century
    ("availability", [{"start": SOON.isoformat(), "end": (SOON - timedelta(hours=1)).isoformat()}],
     "availability[0].end"),
    ("availability", [period(LAST_WEEK)], "availability[0].end"),
    ("availability", [{"start": "9999-12-31T22:00:00+01:00", "end": "9999-12-31T23:00:00+01:00"}],
     "availability[0].start"),
    ("availability", [{"start": SOON.isoformat()}], "availability[0].end"),
    ("availability", [{**WEEKLY, **period(SOON)}], "availability[0]"),
    ("availability", [], "availability"),
    # counts: at least one, and an upper bound
    ("headcount", 0, "headcount"),
    ("headcount", 201, "headcount"),
    ("headcount", 1.5, "headcount"),
    ("max_active_matches", 0, "max_active_matches"),
    ("max_active_matches", 21, "max_active_matches"),
    # strings: not blank, length-limited
    ("volunteer.name", "   ", "volunteer.name"),
    ("volunteer.name", "K" * 201, "volunteer.name"),
    ("note", "n" * 2001, "note"),
    # unknown fields, at any depth
    ("nickname", "Kari", "nickname"),
    ("volunteer.nickname", "Kari", "volunteer.nickname"),
    ("availability[0].timezone", "Europe/Oslo", "availability[0].timezone"),
    # reference data
    ("skills", [], "skills"),
    ("districts", ["oslo"], "districts"),
    ("contact_channels", ["pigeon"], "contact_channels[0]"),
]


@pytest.mark.parametrize(("path", "value", "field"), OFFER_REJECTIONS)
def test_offer_with_invalid_field_is_rejected_at_its_path(offers_client, path, value, field):
    response = offers_client.post("/offers", json=replaced(offer_body(), path, value))
    assert_rejected_at(response, field)


def test_offer_wanting_sms_without_a_phone_is_rejected(offers_client):
    body = replaced(offer_body(contact_channels=["email", "sms"]), "volunteer.phone", REMOVE)
    assert_rejected_at(offers_client.post("/offers", json=body), "contact_channels")


def test_several_invalid_fields_are_all_reported(offers_client):
    body = replaced(replaced(offer_body(), "volunteer.email", "nope"), "availability[0].weekday", 9)
    error = assert_rejected_at(offers_client.post("/offers", json=body), "volunteer.email")
    assert "availability[0].weekday" in error["fields"]


def test_an_address_email_validator_refuses_is_rejected_with_its_reason(offers_client):
    error = assert_rejected_at(offers_client.post("/offers", json=replaced(offer_body(), "volunteer.email",
                                                                          "kari@example.invalid")), "volunteer.email")
    [reason] = error["fields"]["volunteer.email"]
    assert reason.startswith("Not a valid e-mail address: ") and "special-use" in reason


# --- offers: accepted ---------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "stored"), [
    ("Kari.Nordmann@EXAMPLE.NO", "Kari.Nordmann@example.no"),
    ("  kari@example.no ", "kari@example.no"),
    ("ola@xn--rksmrgs-5wao1o.no", "ola@räksmörgås.no"),
    ("ola@RÄKSMÖRGÅS.no", "ola@räksmörgås.no"),
])
def test_an_address_is_stored_as_email_validator_normalises_it(offers_client, offers_db, given, stored):
    tag = unique("k")
    body = replaced(offer_body(), "volunteer.email", given.replace("@", f"+{tag}@"))
    offer = stored_offer(offers_db, offers_client.post("/offers", json=body))
    assert offer["volunteer"]["email"] == stored.replace("@", f"+{tag}@")

@pytest.mark.parametrize(("given", "stored"), [
    ("91234567", "+4791234567"),
    ("912 34 567", "+4791234567"),
    ("0047 912 34 567", "+4791234567"),
    ("+47 912 34 567", "+4791234567"),
    ("+46701234567", "+46701234567"),
    ("+46 70 123 45 67", "+46701234567"),
])
def test_phone_is_stored_in_e164_with_norwegian_numbers_given_plus_47(offers_client, offers_db, given, stored):
    body = replaced(offer_body(), "volunteer.phone", given)
    offer = stored_offer(offers_db, offers_client.post("/offers", json=body))
    assert offer["volunteer"]["phone"] == stored


LANDLINE, LANDLINE_E164 = "32 04 60 00", "+4732046000"


def test_a_landline_is_accepted_for_an_offer_by_email_only_and_answered_in_e164(offers_client, offers_db):
    body = replaced(offer_body(contact_channels=["email"]), "volunteer.phone", LANDLINE)
    response = offers_client.post("/offers", json=body)
    assert stored_offer(offers_db, response)["volunteer"]["phone"] == LANDLINE_E164
    assert response.get_json()["volunteer"]["phone"] == LANDLINE_E164


def test_an_offer_choosing_sms_with_a_landline_is_told_the_number_cannot_receive_sms(offers_client):
    body = replaced(offer_body(contact_channels=["sms"]), "volunteer.phone", LANDLINE)
    error = assert_rejected_at(offers_client.post("/offers", json=body), "volunteer.phone")
    assert error["fields"] == {"volunteer.phone": ["This number cannot receive SMS: give a mobile number, or "
                                                   "choose e-mail only."]}


def test_an_invalid_number_is_told_in_plain_words_at_its_path(offers_client):
    body = replaced(offer_body(), "volunteer.phone", "+4712345678")
    error = assert_rejected_at(offers_client.post("/offers", json=body), "volunteer.phone")
    assert error["fields"]["volunteer.phone"][0].startswith("Not a valid phone number")


@pytest.mark.parametrize("birth_year", [THIS_YEAR - 110, THIS_YEAR - 10, 1990, None])
def test_plausible_birth_year_is_accepted(offers_client, offers_db, birth_year):
    body = replaced(offer_body(), "volunteer.birth_year", birth_year)
    assert stored_offer(offers_db, offers_client.post("/offers", json=body))["volunteer"]["birth_year"] == birth_year


def test_iso_639_1_languages_are_accepted_and_default_to_bokmal(offers_client, offers_db):
    given = stored_offer(offers_db, offers_client.post(
        "/offers", json=replaced(offer_body(), "volunteer.languages", ["nb", "nn", "en", "ar", "so", "pl", "uk"])))
    assert given["volunteer"]["languages"] == ["nb", "nn", "en", "ar", "so", "pl", "uk"]
    default = stored_offer(offers_db, offers_client.post(
        "/offers", json=replaced(offer_body(), "volunteer.languages", REMOVE)))
    assert default["volunteer"]["languages"] == ["nb"]


@pytest.mark.parametrize("slot", [
    {"weekday": 1, "start_time": "00:00", "end_time": "23:59"},
    {"weekday": 7, "start_time": "17:00", "end_time": "17:01"},
    period(SOON),
    {"start": "2099-06-05T10:00:00", "end": "2099-06-05T16:00:00"},
])
def test_valid_slot_is_accepted(offers_client, offers_db, slot):
    offer = stored_offer(offers_db, offers_client.post("/offers", json=offer_body(availability=[slot])))
    assert len(offer["availability"]) == 1


def test_period_without_offset_is_read_as_oslo_time(offers_client, offers_db):
    slot = {"start": "2099-06-05T10:00:00", "end": "2099-06-05T16:00:00"}
    offer = stored_offer(offers_db, offers_client.post("/offers", json=offer_body(availability=[slot])))
    assert offer["availability"] == [{"start": "2099-06-05T10:00:00+02:00", "end": "2099-06-05T16:00:00+02:00"}]


@pytest.mark.parametrize(("field", "value"), [
    ("headcount", 1), ("headcount", 200), ("max_active_matches", 1), ("max_active_matches", 20),
])
def test_counts_at_their_bounds_are_accepted(offers_client, offers_db, field, value):
    assert stored_offer(offers_db, offers_client.post("/offers", json=offer_body(**{field: value})))[field] == value


def test_strings_are_stored_trimmed(offers_client, offers_db):
    body = replaced(offer_body(note="  Har bil.\n"), "volunteer.name", "  Kari Nordmann \t")
    offer = stored_offer(offers_db, offers_client.post("/offers", json=body))
    assert offer["volunteer"]["name"] == "Kari Nordmann"
    assert offer["note"] == "Har bil."


def test_strings_at_their_length_limit_are_accepted(offers_client, offers_db):
    body = replaced(offer_body(note="n" * 2000), "volunteer.name", "K" * 200)
    offer = stored_offer(offers_db, offers_client.post("/offers", json=body))
    assert (len(offer["volunteer"]["name"]), len(offer["note"])) == (200, 2000)


@pytest.mark.parametrize(("given", "code"), [
    ("driving", "driving"),
    ("Kjøring", "driving"),          # bokmål label
    ("sjåfør", "driving"),           # bokmål synonym
    ("Køyring", "driving"),          # nynorsk label
    ("car rides", "driving"),        # English synonym
    ("Leksehjelpar", "homework_help"),
    ("Homework help", "homework_help"),
    ("BESØKSVENN", "visiting_friend"),
    ("  kitchen help ", "cooking"),
])
def test_skill_synonyms_in_bokmal_nynorsk_and_english_are_stored_as_codes(offers_client, offers_db, given, code):
    offer = stored_offer(offers_db, offers_client.post("/offers", json=offer_body(skills=[given])))
    assert offer["skills"] == [code]


def test_synonyms_of_one_skill_are_stored_once(offers_client, offers_db):
    body = offer_body(skills=["Kjøring", "sjåfør", "cooking"])
    offer = stored_offer(offers_db, offers_client.post("/offers", json=body))
    assert offer["skills"] == ["driving", "cooking"]


@pytest.mark.parametrize(("given", "close_code"), [("drivng", "driving"), ("matlagning", "cooking"),
                                                   ("leksehjelp2", "homework_help")])
def test_unknown_skill_is_rejected_with_close_codes(offers_client, given, close_code):
    error = assert_rejected_at(offers_client.post("/offers", json=offer_body(skills=["music", given])), "skills[1]")
    assert close_code in " ".join(error["fields"]["skills[1]"])


def test_the_whole_municipality_is_a_valid_district(offers_client, offers_db):
    offer = stored_offer(offers_db, offers_client.post("/offers", json=offer_body(districts=["all"])))
    assert offer["districts"] == ["all"]


# --- offers: PATCH keeps the same rules ----------------------------------------------------------

@pytest.mark.parametrize(("changes", "field"), [
    ({"volunteer": {"email": "not-an-address"}}, "volunteer.email"),
    ({"volunteer": {"phone": "12"}}, "volunteer.phone"),
    ({"availability": [WEEKLY, {**WEEKLY, "end_time": "16:00"}]}, "availability[1].end_time"),
    ({"headcount": 0}, "headcount"),
    ({"status": "withdrawn"}, "status"),
    ({}, "_body"),
])
def test_offer_patch_with_invalid_field_is_rejected_at_its_path(offers_client, changes, field):
    offer = offers_client.post("/offers", json=offer_body()).get_json()
    response = offers_client.patch(f"/offers/{offer['id']}", json=changes, headers=bearer(offer["manage_token"]))
    assert_rejected_at(response, field)


def test_offer_patch_cannot_turn_on_sms_for_a_volunteer_without_phone(offers_client):
    body = replaced(offer_body(contact_channels=["email"]), "volunteer.phone", REMOVE)
    offer = offers_client.post("/offers", json=body).get_json()
    response = offers_client.patch(f"/offers/{offer['id']}", json={"contact_channels": ["sms"]},
                                   headers=bearer(offer["manage_token"]))
    assert_rejected_at(response, "contact_channels")


def test_offer_patch_normalises_phone_and_merges_the_volunteer(offers_client, offers_db):
    offer = offers_client.post("/offers", json=offer_body()).get_json()
    response = offers_client.patch(f"/offers/{offer['id']}", json={"volunteer": {"phone": " 98765432 "}},
                                   headers=bearer(offer["manage_token"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    volunteer = offers_db.offers.find_one({"_id": offer["id"]})["volunteer"]
    assert volunteer["phone"] == "+4798765432"
    assert volunteer["email"] == offer["volunteer"]["email"]


def _offer_by_email_with(offers_client, phone: str) -> dict:
    body = replaced(offer_body(contact_channels=["email"]), "volunteer.phone", phone)
    response = offers_client.post("/offers", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize(("stored_phone", "changes"), [
    (LANDLINE, {"contact_channels": ["email", "sms"]}),
    ("91234567", {"contact_channels": ["sms"], "volunteer": {"phone": LANDLINE}}),
])
def test_offer_patch_that_would_send_sms_to_a_landline_is_rejected_at_the_phone(offers_client, offers_db,
                                                                               stored_phone, changes):
    offer = _offer_by_email_with(offers_client, stored_phone)
    response = offers_client.patch(f"/offers/{offer['id']}", json=changes, headers=bearer(offer["manage_token"]))
    error = assert_rejected_at(response, "volunteer.phone")
    assert "cannot receive SMS" in error["fields"]["volunteer.phone"][0]
    assert offers_db.offers.find_one({"_id": offer["id"]})["contact_channels"] == ["email"]


def test_offer_patch_changing_the_phone_of_an_sms_offer_to_a_landline_is_rejected(offers_client):
    offer = offers_client.post("/offers", json=offer_body(contact_channels=["sms"])).get_json()
    response = offers_client.patch(f"/offers/{offer['id']}", json={"volunteer": {"phone": LANDLINE}},
                                   headers=bearer(offer["manage_token"]))
    assert_rejected_at(response, "volunteer.phone")


def test_offer_patch_choosing_sms_with_a_new_mobile_number_is_accepted(offers_client, offers_db):
    offer = _offer_by_email_with(offers_client, LANDLINE)
    changes = {"contact_channels": ["sms"], "volunteer": {"phone": "+46 70 123 45 67"}}
    response = offers_client.patch(f"/offers/{offer['id']}", json=changes, headers=bearer(offer["manage_token"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    stored = offers_db.offers.find_one({"_id": offer["id"]})
    assert (stored["contact_channels"], stored["volunteer"]["phone"]) == (["sms"], "+46701234567")


def test_offer_patch_with_an_invalid_number_is_rejected_at_the_phone(offers_client):
    offer = offers_client.post("/offers", json=offer_body()).get_json()
    response = offers_client.patch(f"/offers/{offer['id']}", json={"volunteer": {"phone": "+4712345678"}},
                                   headers=bearer(offer["manage_token"]))
    assert_rejected_at(response, "volunteer.phone")


# --- needs ---------------------------------------------------------------------------------------

NEED_REJECTIONS = [
    ("schedule", {**WEEKLY, "from_date": (TODAY + timedelta(days=10)).isoformat(),
                  "until_date": (TODAY + timedelta(days=9)).isoformat()}, "schedule.until_date"),
    ("schedule", {**WEEKLY, "until_date": (TODAY - timedelta(days=1)).isoformat()}, "schedule.until_date"),
    ("schedule", {**WEEKLY, "until_date": "9999-12-31"}, "schedule.until_date"),
    ("schedule", {**WEEKLY, "from_date": "31.12.2026"}, "schedule.from_date"),
    ("schedule.weekday", 0, "schedule.weekday"),
    ("schedule.weekday", 8, "schedule.weekday"),
    ("schedule.start_time", "17.30", "schedule.start_time"),
    ("schedule.end_time", "17:30", "schedule.end_time"),
    ("schedule", {"start": SOON.isoformat(), "end": SOON.isoformat()}, "schedule.end"),
    ("schedule", period(LAST_WEEK), "schedule.end"),
    ("schedule", {**period(SOON), "from_date": TODAY.isoformat()}, "schedule"),
    ("schedule", REMOVE, "schedule"),
    ("volunteers_needed", 0, "volunteers_needed"),
    ("volunteers_needed", 101, "volunteers_needed"),
    ("volunteers_needed", "2", "volunteers_needed"),
    ("title", "  ", "title"),
    ("title", "T" * 141, "title"),
    ("description", "d" * 4001, "description"),
    ("district", "oslo", "district"),
    ("district", "all", "district"),
    ("skills", ["astrophysics"], "skills[0]"),
    ("requirements.min_age", 101, "requirements.min_age"),
    ("requirements.languages", ["nb", "zz"], "requirements.languages[1]"),
    ("requirements.driving_licence", True, "requirements.driving_licence"),
    ("urgent", True, "urgent"),
]


@pytest.mark.parametrize(("path", "value", "field"), NEED_REJECTIONS)
def test_need_with_invalid_field_is_rejected_at_its_path(needs_client, organisation, path, value, field):
    response = needs_client.post("/needs", json=replaced(need_body(), path, value),
                                 headers=bearer(organisation["api_key"]))
    assert_rejected_at(response, field)


@pytest.mark.parametrize("schedule", [
    {**WEEKLY, "from_date": TODAY.isoformat(), "until_date": TODAY.isoformat()},
    WEEKLY,
    period(SOON),
])
def test_valid_schedule_is_accepted(needs_client, needs_db, organisation, schedule):
    response = needs_client.post("/needs", json=need_body(schedule=schedule), headers=bearer(organisation["api_key"]))
    assert stored_need(needs_db, response)["schedule"]["end" if "end" in schedule else "end_time"]


@pytest.mark.parametrize("volunteers_needed", [1, 100])
def test_volunteers_needed_at_its_bounds_is_accepted(needs_client, needs_db, organisation, volunteers_needed):
    response = needs_client.post("/needs", json=need_body(volunteers_needed=volunteers_needed),
                                 headers=bearer(organisation["api_key"]))
    assert stored_need(needs_db, response)["volunteers_needed"] == volunteers_needed


def test_need_strings_are_stored_trimmed_and_skills_as_codes(needs_client, needs_db, organisation):
    body = need_body(title="  Turvenn i Fjell  ", description=" Gå tur. ",
                     skills=["Turvenn", "walking buddy", "gåven"])
    need = stored_need(needs_db, needs_client.post("/needs", json=body, headers=bearer(organisation["api_key"])))
    assert (need["title"], need["description"]) == ("Turvenn i Fjell", "Gå tur.")
    assert need["skills"] == ["walking_companion"]


def test_need_patch_that_names_one_requirement_keeps_the_others(needs_client, needs_db, organisation):
    need = needs_client.post("/needs", json=need_body(), headers=bearer(organisation["api_key"])).get_json()
    response = needs_client.patch(f"/needs/{need['id']}", json={"requirements": {"min_age": 20}},
                                  headers=bearer(organisation["api_key"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    stored = needs_db.needs.find_one({"_id": need["id"]})["requirements"]
    assert stored == {"police_certificate": True, "min_age": 20, "languages": ["nb"]}


@pytest.mark.parametrize(("changes", "field"), [
    ({"volunteers_needed": 0}, "volunteers_needed"),
    ({"schedule": {"weekday": 3}}, "schedule.start_time"),
    ({"organisation_id": "someone-else"}, "organisation_id"),
    ({}, "_body"),
])
def test_need_patch_with_invalid_field_is_rejected_at_its_path(needs_client, organisation, changes, field):
    need = needs_client.post("/needs", json=need_body(), headers=bearer(organisation["api_key"])).get_json()
    response = needs_client.patch(f"/needs/{need['id']}", json=changes, headers=bearer(organisation["api_key"]))
    assert_rejected_at(response, field)


# --- organisations -------------------------------------------------------------------------------

@pytest.mark.parametrize("org_number", ["974760674", "123456789", "97476067", "9747606730", "abcdefghi", "987654321"])
def test_invalid_organisation_number_is_rejected_and_says_so(needs_client, org_number):
    error = assert_rejected_at(needs_client.post("/organisations", json=organisation_body(org_number=org_number)),
                               "org_number")
    assert "organisation number" in (error["message"] + " ".join(error["fields"]["org_number"])).lower()


@pytest.mark.parametrize("unit", [REMOVE, None, "   "])
def test_municipal_service_without_unit_is_rejected(needs_client, unit):
    body = replaced(organisation_body(kind="municipal_service", unit="x"), "unit", unit)
    assert_rejected_at(needs_client.post("/organisations", json=body), "unit")


@pytest.mark.parametrize(("path", "value", "field"), [
    ("kind", "club", "kind"),
    ("contact.email", "ola(at)example.no", "contact.email"),
    ("contact.email", "ola@example.local", "contact.email"),
    ("contact.phone", "+47 12", "contact.phone"),
    ("contact.phone", "+4712345678", "contact.phone"),
    ("contact.name", " ", "contact.name"),
    ("contact", REMOVE, "contact"),
    ("website", "https://example.no", "website"),
])
def test_organisation_with_invalid_field_is_rejected_at_its_path(needs_client, path, value, field):
    assert_rejected_at(needs_client.post("/organisations", json=replaced(organisation_body(), path, value)), field)


def test_organisation_contact_address_is_stored_normalised(needs_client, needs_db):
    email = unique_email("Ola").replace("example.no", "Example.NO")
    organisation = register_organisation(needs_client, verified=False,
                                         **replaced(organisation_body(), "contact.email", email))
    stored = needs_db.organisations.find_one({"_id": organisation["id"]})["contact"]["email"]
    assert stored == email.replace("Example.NO", "example.no")


@pytest.mark.parametrize("client", ["offers_client", "needs_client"])
def test_a_sign_in_to_an_address_email_validator_refuses_is_rejected(request, client):
    response = request.getfixturevalue(client).post("/sign-in", json={"email": "ola@example.test"})
    assert_rejected_at(response, "email")


def test_municipal_service_with_unit_and_spaced_number_is_stored_normalised(needs_client, needs_db):
    body = organisation_body(kind="municipal_service", org_number="974 760 673", unit="  Fjell bo- og omsorgssenter ")
    body["contact"]["phone"] = "98 76 54 32"
    organisation = register_organisation(needs_client, verified=False, **body)
    stored = needs_db.organisations.find_one({"_id": organisation["id"]})
    assert (stored["org_number"], stored["unit"], stored["contact"]["phone"]) == (
        "974760673", "Fjell bo- og omsorgssenter", "+4798765432")


@pytest.mark.parametrize(("given", "stored"), [(LANDLINE, LANDLINE_E164), ("0047 912 34 567", "+4791234567"),
                                                 ("+46 70 123 45 67", "+46701234567")])
def test_organisation_contact_phone_may_be_any_valid_number_and_is_stored_in_e164(needs_client, needs_db,
                                                                                  given, stored):
    organisation = register_organisation(needs_client, verified=False,
                                         **replaced(organisation_body(), "contact.phone", given))
    assert needs_db.organisations.find_one({"_id": organisation["id"]})["contact"]["phone"] == stored


# --- the request body itself -----------------------------------------------------------------------

MALFORMED = {
    "truncated": b'{"volunteer": {',
    "not json": b"volunteer=kari",
    "trailing comma": b'{"skills": ["driving",]}',
    "single quotes": b"{'skills': []}",
    "invalid utf-8": b'{"note": "\xff\xfe"}',
    "unpaired surrogate": b'{"note": "\\ud800"}',
    "integer of 5000 digits": b'{"headcount": ' + b"9" * 5000 + b"}",
    "nested 20000 deep": b"[" * 20000 + b"]" * 20000,
}


@pytest.mark.parametrize("method_path", ["POST /offers", "PATCH /offers/x", "POST /needs", "PATCH /needs/x",
                                         "POST /organisations"])
@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_json_is_400_with_the_contract_body(offers_client, needs_client, method_path, raw):
    method, path = method_path.split()
    client = offers_client if path.startswith("/offers") else needs_client
    response = client.open(path, method=method, data=raw, content_type="application/json", headers=STAFF)
    assert assert_contract_error(response, 400)["code"] == "malformed_request"


@pytest.mark.parametrize("body", [[], "offer", 42, None], ids=["list", "string", "number", "null"])
def test_json_that_is_not_an_object_is_422(offers_client, body):
    response = offers_client.post("/offers", data=json.dumps(body), content_type="application/json")
    assert_rejected_at(response, "_body")


@pytest.mark.parametrize("method_path", ["POST /offers", "POST /needs", "POST /organisations", "PATCH /offers/x"])
def test_body_over_64_kib_is_413(offers_client, needs_client, method_path):
    method, path = method_path.split()
    client = offers_client if path.startswith("/offers") else needs_client
    raw = json.dumps({"note": "x" * (64 * 1024)}).encode()
    response = client.open(path, method=method, data=raw, content_type="application/json", headers=STAFF)
    assert assert_contract_error(response, 413)["code"] == "body_too_large"


def test_body_just_under_64_kib_is_read_and_validated(offers_client):
    raw = json.dumps({**offer_body(), "padding": "x" * (63 * 1024)}).encode()
    assert len(raw) < 64 * 1024
    assert_rejected_at(offers_client.post("/offers", data=raw, content_type="application/json"), "padding")


# --- control characters: single-line fields none, multi-line fields line breaks only ---------------

INJECTED = ["Hei\r\nBcc: evil@example.com", "Hei\ndu", "Hei\rdu", "Hei\tdu", "Hei\x00du", "Hei\x1bdu",
            "Hei\u2028du", "Hei\x85du"]


@pytest.mark.parametrize("value", INJECTED)
@pytest.mark.parametrize("path", ["volunteer.name"])
def test_offer_single_line_field_with_control_characters_is_rejected_and_says_why(offers_client, path, value):
    error = assert_rejected_at(offers_client.post("/offers", json=replaced(offer_body(), path, value)), path)
    assert any("one line" in reason for reason in error["fields"][path])


@pytest.mark.parametrize("value", INJECTED)
def test_need_title_with_control_characters_is_rejected_and_says_why(needs_client, organisation, value):
    response = needs_client.post("/needs", json=replaced(need_body(), "title", value),
                                 headers=bearer(organisation["api_key"]))
    assert any("one line" in reason for reason in assert_rejected_at(response, "title")["fields"]["title"])


def test_need_title_patch_with_a_line_break_is_rejected(needs_client, organisation):
    need = needs_client.post("/needs", json=need_body(), headers=bearer(organisation["api_key"])).get_json()
    response = needs_client.patch(f"/needs/{need['id']}", json={"title": "Hei\r\nBcc: evil@example.com"},
                                  headers=bearer(organisation["api_key"]))
    assert_rejected_at(response, "title")


@pytest.mark.parametrize("path", ["name", "unit", "contact.name"])
def test_organisation_single_line_field_with_a_line_break_is_rejected(needs_client, path):
    body = replaced(organisation_body(kind="municipal_service", unit="Fjell bo- og omsorgssenter"), path,
                    "Fjell\r\nBcc: evil@example.com")
    assert_rejected_at(needs_client.post("/organisations", json=body), path)


@pytest.mark.parametrize("value", ["Hei\x00du", "Hei\tdu", "Hei\x1bdu"])
def test_multi_line_fields_reject_control_characters_other_than_line_breaks(offers_client, needs_client,
                                                                            organisation, value):
    assert_rejected_at(offers_client.post("/offers", json=offer_body(note=value)), "note")
    response = needs_client.post("/needs", json=replaced(need_body(), "description", value),
                                 headers=bearer(organisation["api_key"]))
    assert_rejected_at(response, "description")


def test_multi_line_fields_keep_line_breaks_stored_as_newlines(offers_client, offers_db, needs_client, needs_db,
                                                               organisation):
    offer = stored_offer(offers_db, offers_client.post("/offers", json=offer_body(note="Har bil.\r\nKan kjøre.")))
    assert offer["note"] == "Har bil.\nKan kjøre."
    response = needs_client.post("/needs", json=replaced(need_body(), "description", "Prate.\r\n\r\nGå tur."),
                                 headers=bearer(organisation["api_key"]))
    assert stored_need(needs_db, response)["description"] == "Prate.\n\nGå tur."
