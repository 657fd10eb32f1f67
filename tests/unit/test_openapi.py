"""Every service documents the contract's endpoints in /openapi.json, generated from its schemas."""
from __future__ import annotations

import functools
import importlib
import re

import pytest
from hypothesis import given, settings, strategies as st
from marshmallow import ValidationError

from shared import reference
from shared.config import Config
from shared.schemas import TIME_PATTERN, ClockTime, Text

CONTRACT_PATHS = {
    "offers": ["/offers", "/offers/{offer_id}", "/districts", "/skills"],
    "needs": ["/organisations", "/organisations/{org_id}", "/organisations/{org_id}/verify", "/needs",
              "/needs/{need_id}", "/needs/{need_id}/close", "/districts", "/skills"],
    "matcher": ["/matches", "/matches/{match_id}", "/matches/{match_id}/accept", "/matches/{match_id}/decline", "/stats"],
    "notify": ["/notifications"],
}


@pytest.mark.parametrize("service", CONTRACT_PATHS)
def test_openapi_lists_the_contract_endpoints_and_health(service):
    app = importlib.import_module(f"services.{service}.app").create_app(Config(testing=True))
    spec = app.test_client().get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert set(CONTRACT_PATHS[service]) | {"/healthz", "/readyz"} <= set(spec["paths"])


def test_offer_schema_in_openapi_names_the_contract_fields():
    app = importlib.import_module("services.offers.app").create_app(Config(testing=True))
    schemas = app.test_client().get("/openapi.json").get_json()["components"]["schemas"]
    offer_in = next(s for name, s in schemas.items() if name.startswith("OfferIn"))
    assert {"volunteer", "skills", "districts", "availability", "police_certificate", "max_active_matches",
            "headcount", "contact_channels"} <= set(offer_in["properties"])


SIGN_IN_PATHS = {
    "offers": ["/sign-in", "/sessions", "/sessions/check", "/sessions/current"],
    "needs": ["/sign-in", "/sessions", "/sessions/check", "/sessions/current", "/organisations/me/needs"],
}


@pytest.mark.parametrize("service", SIGN_IN_PATHS)
def test_openapi_documents_sign_in_sessions_and_the_organisations_own_needs(service):
    app = importlib.import_module(f"services.{service}.app").create_app(Config(testing=True))
    paths = app.test_client().get("/openapi.json").get_json()["paths"]
    assert set(SIGN_IN_PATHS[service]) <= set(paths)
    assert {"202"} <= set(paths["/sign-in"]["post"]["responses"])
    assert {"201", "401", "403", "404", "410", "422"} <= set(paths["/sessions"]["post"]["responses"])
    assert paths["/sessions"]["post"]["requestBody"]["required"] is False  # no body: exchange the bearer token
    assert {"200", "404", "410", "422"} <= set(paths["/sessions/check"]["post"]["responses"])
    assert "204" in paths["/sessions/current"]["delete"]["responses"]


def test_openapi_documents_the_contact_details_of_a_match():
    app = importlib.import_module("services.matcher.app").create_app(Config(testing=True))
    paths = app.test_client().get("/openapi.json").get_json()["paths"]
    assert "200" in paths["/matches/{match_id}/contact"]["get"]["responses"]


# --- the error body, the security scheme and request schemas as strict as the server -----------------------

SERVICES = ("offers", "needs", "matcher", "notify")
ERROR_BODY = {"$ref": "#/components/schemas/Error"}


@functools.cache
def _spec(service: str) -> dict:
    """The service's document, made once for this module (read it, do not change it)."""
    app = importlib.import_module(f"services.{service}.app").create_app(Config(testing=True))
    return app.test_client().get("/openapi.json").get_json()


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield method.upper(), path, operation


@pytest.fixture(params=SERVICES)
def spec(request) -> dict:
    return _spec(request.param)


def test_the_error_schema_is_the_contracts_body(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["Error"]["required"] == ["error"] and schemas["Error"]["additionalProperties"] is False
    detail = schemas["ErrorDetail"]
    assert set(detail["properties"]) == {"code", "message", "fields"} and detail["required"] == ["code", "message"]
    assert detail["properties"]["fields"]["additionalProperties"] == {"type": "array", "minItems": 1,
                                                                      "items": {"type": "string"}}
    default = spec["components"]["responses"]["DEFAULT_ERROR"]
    assert default["content"]["application/json"]["schema"] == ERROR_BODY


def test_every_error_answer_of_every_operation_is_documented_with_the_contracts_body(spec):
    for method, path, operation in _operations(spec):
        errors = {status: response for status, response in operation["responses"].items()
                  if status[0] in "45"}
        assert {"429"} <= set(errors), (method, path)
        assert operation["responses"]["default"] == {"$ref": "#/components/responses/DEFAULT_ERROR"}
        page = "text/html" in operation["responses"].get("200", {}).get("content", {})
        for status, response in errors.items():
            content = dict(response.get("content", {}))
            assert response["description"] and content, (method, path, status)
            if page and "application/json" not in content:  # a page for people says why on a page
                assert set(content) == {"text/html"}, (method, path, status)
            else:
                assert content.pop("application/json") == {"schema": ERROR_BODY}, (method, path, status)
                assert set(content) <= ({"text/html"} if page else set()), (method, path, status)
        assert errors["429"]["headers"]["Retry-After"]["required"] is True


def test_refusals_follow_the_shape_of_the_route(spec):
    for method, path, operation in _operations(spec):
        statuses = set(operation["responses"])
        if "application/json" in operation.get("requestBody", {}).get("content", {}):
            assert {"400", "413", "422"} <= statuses, (method, path)
        if "{" in path:
            assert "404" in statuses, (method, path)
        if path not in ("/healthz", "/districts", "/skills"):
            assert "503" in statuses, (method, path)


PROTECTED = {
    "offers": {("GET", "/offers"), ("GET", "/offers/{offer_id}"), ("PATCH", "/offers/{offer_id}"),
               ("DELETE", "/offers/{offer_id}"), ("POST", "/offers/{offer_id}/confirmation"),
               ("POST", "/tokens/introspect"), ("DELETE", "/sessions/current")},
    "needs": {("GET", "/organisations"), ("GET", "/organisations/me"), ("GET", "/organisations/me/needs"),
              ("PATCH", "/organisations/{org_id}"), ("POST", "/organisations/{org_id}/verify"),
              ("POST", "/organisations/{org_id}/confirmation"), ("POST", "/needs"), ("PATCH", "/needs/{need_id}"),
              ("POST", "/needs/{need_id}/close"), ("POST", "/tokens/introspect"), ("DELETE", "/sessions/current")},
    "matcher": {("GET", "/matches"), ("GET", "/matches/{match_id}"), ("GET", "/matches/{match_id}/contact"),
                ("POST", "/matches/{match_id}/accept"), ("POST", "/matches/{match_id}/decline"),
                ("PUT", "/matches/{match_id}/certificate"), ("GET", "/matches/{match_id}/occurrences"),
                ("PUT", "/matches/{match_id}/occurrences/{day}"), ("POST", "/matches/{match_id}/pause"),
                ("POST", "/matches/{match_id}/end"), ("GET", "/matches/{match_id}/calendar.ics"),
                ("GET", "/calendar-feed"), ("POST", "/calendar-feed/renew"), ("GET", "/reports/hours.csv"),
                ("GET", "/stats")},
    "notify": {("GET", "/notifications")},
}
OPTIONAL = {"offers": {("POST", "/sessions")},
            "needs": {("POST", "/sessions"), ("GET", "/organisations/{org_id}"), ("GET", "/needs/{need_id}")},
            "matcher": set(), "notify": set()}


@pytest.mark.parametrize("service", SERVICES)
def test_routes_that_take_a_token_name_the_bearer_scheme_and_public_ones_none(service):
    spec = _spec(service)
    assert spec["components"]["securitySchemes"]["bearer"] == {
        **spec["components"]["securitySchemes"]["bearer"], "type": "http", "scheme": "bearer"}
    security = {(method, path): operation.get("security") for method, path, operation in _operations(spec)}
    assert {route for route, required in security.items() if required == [{"bearer": []}]} == PROTECTED[service]
    assert {route for route, required in security.items() if required == [{"bearer": []}, {}]} == OPTIONAL[service]
    assert all(required is None for route, required in security.items()
               if route not in PROTECTED[service] | OPTIONAL[service])


def _schemas(service: str) -> dict:
    return _spec(service)["components"]["schemas"]


def test_request_schemas_name_the_codes_the_server_accepts():
    offers, needs = _schemas("offers"), _schemas("needs")
    assert offers["OfferIn"]["properties"]["skills"]["items"]["enum"] == list(reference.SKILLS)
    assert set(offers["OfferIn"]["properties"]["districts"]["items"]["enum"]) == {*reference.DISTRICTS, "all"}
    assert needs["NeedIn"]["properties"]["district"]["enum"] == list(reference.DISTRICTS)
    assert offers["Slot"]["properties"]["start_time"]["pattern"] == TIME_PATTERN.pattern
    assert offers["Volunteer"]["properties"]["email"]["format"] == "email"


def test_a_slot_is_weekly_or_a_single_period_and_a_schedule_keeps_its_dates_weekly():
    slot, schedule = _schemas("offers")["Slot"], _schemas("needs")["Schedule"]
    assert [branch["required"] for branch in slot["oneOf"]] == [["weekday", "start_time", "end_time"],
                                                               ["start", "end"]]
    period = schedule["oneOf"][1]["not"]["anyOf"]
    assert {"required": ["from_date"]} in period and {"required": ["until_date"]} in period


def test_the_organisation_number_has_its_pattern_and_its_check_digit_described():
    org_number = _schemas("needs")["OrganisationIn"]["properties"]["org_number"]
    assert re.fullmatch(org_number["pattern"], "974760673") and re.fullmatch(org_number["pattern"], "974 760 673")
    assert not re.fullmatch(org_number["pattern"], "97476067")
    assert "modulus-11" in org_number["description"]


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_text_the_documented_pattern_allows_is_one_the_server_accepts(data):
    multiline = data.draw(st.booleans())
    field = Text(max_length=60, min_length=0 if multiline else 1, multiline=multiline)
    value = data.draw(st.from_regex(field.metadata["pattern"], fullmatch=True).filter(lambda v: len(v) <= 60))
    field.deserialize(value)


@settings(max_examples=100, deadline=None)
@given(value=st.from_regex(TIME_PATTERN.pattern, fullmatch=True))
def test_a_time_the_documented_pattern_allows_is_one_the_server_accepts(value):
    ClockTime().deserialize(value)


@pytest.mark.parametrize("value", ["17:30\n", "7:30", "24:00", "17.30"])
def test_a_time_the_pattern_refuses_the_server_refuses_too(value):
    with pytest.raises(ValidationError):
        ClockTime().deserialize(value)


@pytest.mark.parametrize("service", SERVICES)
def test_a_method_a_route_lacks_is_405_with_allow_and_the_contract_body(service):
    app = importlib.import_module(f"services.{service}.app").create_app(Config(testing=True))
    response = app.test_client().put("/healthz")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_a_word_beside_the_organisation_ids_is_a_route_of_its_own():
    app = importlib.import_module("services.needs.app").create_app(Config(testing=True))
    response = app.test_client().patch("/organisations/me", json={})
    assert response.status_code == 405
    assert "PATCH" not in response.headers["Allow"]
