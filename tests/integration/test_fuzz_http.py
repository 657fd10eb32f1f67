"""Whatever a client sends, the offers, needs and matcher services answer below 500, every 4xx in the contract's
shape."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.matcher.app import create_app as create_matcher_app
from tests.integration.conftest import (SERVICE_TOKEN, STAFF, assert_contract_error, bearer, create_offer, need_body,
                                        offer_body, post_need, replaced)

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Strings a field might be tempted to trust: times, instants at the ends of the calendar, codes, blanks.
TEMPTING = [
    "", " ", "17:00", "24:00", "23:59", "2099-06-05T10:00:00+02:00", "2099-03-29T02:30:00", "2099-10-25T02:30:00",
    "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00", "2030-02-30", "2030-12-31", "all", "fjell", "driving",
    "besøksvenn", "sms", "email", "nb", "+4791234567", "91234567", "kari@example.no", "null", "{}", "\x00",
    "\ud800", "a\udfff", "💚" * 50, "x" * 5000,
]
text = st.text(max_size=20) | st.sampled_from(TEMPTING)
scalars = st.none() | st.booleans() | st.integers() | st.integers(-(2**70), 2**70) | st.floats() | text
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=12)
json_objects = st.dictionaries(text, json_values, max_size=6)
# Values of the right shape for some field, so that a near-valid body often gets past validation.
plausible = (st.sampled_from(TEMPTING) | st.integers(-3, 2200) | st.booleans() | st.none()
             | st.lists(st.sampled_from(TEMPTING), max_size=3))

OFFER_PATHS = [
    "volunteer", "volunteer.name", "volunteer.email", "volunteer.phone", "volunteer.birth_year",
    "volunteer.languages", "volunteer.languages[0]", "skills", "skills[0]", "districts", "districts[0]",
    "availability", "availability[0]", "availability[0].weekday", "availability[0].start_time",
    "availability[0].end_time", "availability[1].start", "availability[1].end", "police_certificate",
    "max_active_matches", "headcount", "contact_channels", "contact_channels[0]", "note",
]
NEED_PATHS = [
    "title", "description", "skills", "skills[0]", "district", "schedule", "schedule.weekday",
    "schedule.start_time", "schedule.end_time", "schedule.from_date", "schedule.until_date", "volunteers_needed",
    "requirements", "requirements.police_certificate", "requirements.min_age", "requirements.languages",
    "requirements.languages[0]",
]


def _offer_with_two_slots() -> dict[str, Any]:
    return offer_body(availability=[{"weekday": 2, "start_time": "17:00", "end_time": "20:00"},
                                    {"start": "2099-06-05T10:00:00+02:00", "end": "2099-06-05T16:00:00+02:00"}])


def near_valid(base, paths: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid body with the field at one path replaced by arbitrary JSON."""
    return st.builds(lambda path, value: replaced(base(), path, value), st.sampled_from(paths), plausible | json_values)


def near_valid_patch(base, paths: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """One top-level field of a valid body, with something inside it (or itself) replaced by arbitrary JSON."""
    def build(path: str, value: Any) -> dict[str, Any]:
        top = path.split(".")[0].split("[")[0]
        return {top: replaced(base(), path, value)[top]}
    return st.builds(build, st.sampled_from(paths), plausible | json_values)


def assert_answered_within_contract(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert_contract_error(response, response.status_code)


query_keys = st.sampled_from(["district", "skill", "status", "limit", "offset"]) | st.text(max_size=8)
query_values = (st.sampled_from(["fjell", "all", "driving", "sjåfør", "open", "withdrawn", "closed", "0", "-1", "1",
                                 "200", "201", "1e3", "99999999999999999999999", "", "\x00", "%ff"])
                | st.integers().map(str) | st.text(max_size=12))
query_pairs = st.lists(st.tuples(query_keys, query_values), max_size=5)
raw_query_strings = st.text(st.characters(max_codepoint=255, exclude_characters="#"), max_size=60)


@pytest.fixture
def offer(offers_client) -> dict[str, Any]:
    return create_offer(offers_client)


@pytest.fixture
def need(needs_client, organisation) -> dict[str, Any]:
    return post_need(needs_client, organisation["api_key"])


@FUZZ
@given(body=json_values | json_objects | near_valid(_offer_with_two_slots, OFFER_PATHS))
def test_post_offers_answers_any_json_within_the_contract(offers_client, body):
    assert_answered_within_contract(offers_client.post("/offers", json=body))


@FUZZ
@given(body=json_values | json_objects | near_valid(need_body, NEED_PATHS))
def test_post_needs_answers_any_json_within_the_contract(needs_client, organisation, body):
    assert_answered_within_contract(needs_client.post("/needs", json=body, headers=bearer(organisation["api_key"])))


@FUZZ
@given(body=json_values | json_objects | near_valid_patch(_offer_with_two_slots, OFFER_PATHS))
def test_patch_offer_answers_any_json_within_the_contract(offers_client, offer, body):
    response = offers_client.patch(f"/offers/{offer['id']}", json=body, headers=bearer(offer["manage_token"]))
    assert_answered_within_contract(response)


@FUZZ
@given(body=json_values | json_objects | near_valid_patch(need_body, NEED_PATHS))
def test_patch_need_answers_any_json_within_the_contract(needs_client, organisation, need, body):
    response = needs_client.patch(f"/needs/{need['id']}", json=body, headers=bearer(organisation["api_key"]))
    assert_answered_within_contract(response)


@FUZZ
@given(pairs=query_pairs, raw=raw_query_strings)
def test_public_needs_listing_answers_any_query_within_the_contract(needs_client, pairs, raw):
    for response in (needs_client.get("/needs", query_string=pairs),
                     needs_client.get("/needs", environ_overrides={"QUERY_STRING": raw})):
        assert_answered_within_contract(response)
        if response.status_code == 200:
            assert all(item["status"] == "open" for item in response.get_json()["items"])
            assert not any({"contact", "email", "phone"} & set(item) for item in response.get_json()["items"])


@FUZZ
@given(pairs=query_pairs, raw=raw_query_strings)
def test_staff_offers_listing_answers_any_query_within_the_contract(offers_client, pairs, raw):
    for response in (offers_client.get("/offers", query_string=pairs, headers=STAFF),
                     offers_client.get("/offers", environ_overrides={"QUERY_STRING": raw}, headers=STAFF)):
        assert_answered_within_contract(response)


# --- introspection, the matcher's ids and links, and whatever comes as a bearer token ------------------

SERVICE = bearer(SERVICE_TOKEN)
id_like = (st.uuids().map(str) | st.sampled_from(["../healthz", "..%2Fhealthz", "%2e%2e/stats", "a/b", "?", "#", ""])
           | st.text(max_size=40))


@pytest.fixture(scope="module")
def matcher_client(service_config):
    return create_matcher_app(service_config).test_client()


@FUZZ
@given(body=json_values | json_objects | st.fixed_dictionaries({"token": json_values}))
def test_introspection_answers_any_json_within_the_contract(offers_client, needs_client, body):
    for client in (offers_client, needs_client):
        response = client.post("/tokens/introspect", json=body, headers=SERVICE)
        assert_answered_within_contract(response)
        if response.status_code == 200:
            assert response.get_json() == {"active": False}


@FUZZ
@given(body=json_values | json_objects | st.fixed_dictionaries({"email": json_values})
       | st.fixed_dictionaries({"code": json_values}))
def test_sign_in_and_sessions_answer_any_json_within_the_contract(offers_client, needs_client, body):
    for client in (offers_client, needs_client):
        for path in ("/sign-in", "/sessions", "/sessions/check"):
            response = client.post(path, json=body)
            assert_answered_within_contract(response)
            # 401: `{}` with no bearer token asks to exchange a credential that was not given
            assert response.status_code in (202, 400, 401, 404, 410, 422), response.get_data(as_text=True)


@FUZZ
@given(key=st.sampled_from(["need_id", "offer_id", "x"]), value=id_like, raw=raw_query_strings)
def test_match_listing_answers_any_query_within_the_contract(matcher_client, key, value, raw):
    for response in (matcher_client.get("/matches", query_string={key: value}, headers=STAFF),
                     matcher_client.get("/matches", environ_overrides={"QUERY_STRING": raw}, headers=STAFF)):
        assert_answered_within_contract(response)


@FUZZ
@given(match_id=id_like, verb=st.sampled_from(["", "/accept", "/decline", "/contact"]))
def test_match_paths_answer_any_id_within_the_contract(matcher_client, match_id, verb):
    method = "POST" if verb in ("/accept", "/decline") else "GET"
    response = matcher_client.open(f"/matches/{quote(match_id, safe='')}{verb}", method=method, headers=STAFF)
    assert_answered_within_contract(response)


@FUZZ
@given(code=st.text(max_size=120) | st.binary(max_size=60).map(lambda b: b.hex()),
       method=st.sampled_from(["GET", "POST"]))
def test_any_answer_link_code_is_a_page_never_an_error(matcher_client, code, method):
    response = matcher_client.open(f"/r/{quote(code, safe='')}", method=method, data={"answer": "accept"})
    assert response.status_code < 500, response.get_data(as_text=True)


@FUZZ
@given(header=st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=80)
       | st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=40).map(lambda t: f"Bearer {t}"))
def test_any_authorization_header_is_answered_within_the_contract(offers_client, offer, header):
    for response in (offers_client.get(f"/offers/{offer['id']}", headers={"Authorization": header}),
                     offers_client.patch(f"/offers/{offer['id']}", json={"note": "x"},
                                         headers={"Authorization": header}),
                     offers_client.delete("/sessions/current", headers={"Authorization": header})):
        assert_answered_within_contract(response)
