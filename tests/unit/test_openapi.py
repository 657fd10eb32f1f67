"""Every service documents the contract's endpoints in /openapi.json, generated from its schemas."""
from __future__ import annotations

import importlib

import pytest

from shared.config import Config

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
