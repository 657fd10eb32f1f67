"""A need's legal basis for a police certificate and an organisation's limit on a certificate's age, on a real
database: what is stored and shown, what is refused, and that the free text stays off Kafka."""
from __future__ import annotations

import pytest

from shared.events import parse_event
from tests.integration.conftest import (SERVICE, STAFF, assert_contract_error, bearer, need_body, organisation_body,
                                        post_need, register_organisation)

BASIS = "Helse- og omsorgstjenesteloven § 5-4"


def requirements(**changes):
    return {"police_certificate": True, "min_age": 18, "languages": ["nb"], **changes}


def published_need_events(needs_db, need_id: str) -> list:
    return [parse_event(entry["value"]) for entry in needs_db.needs.find_one({"_id": need_id})["outbox"]]


def test_a_need_keeps_and_shows_its_legal_basis(needs_client, organisation):
    need = post_need(needs_client, organisation["api_key"], requirements=requirements(certificate_basis=BASIS))
    assert need["requirements"]["certificate_basis"] == BASIS
    shown = needs_client.get(f"/needs/{need['id']}").get_json()
    assert shown["requirements"] == requirements(certificate_basis=BASIS)


def test_the_legal_basis_never_goes_into_an_event(needs_client, needs_db, organisation):
    need = post_need(needs_client, organisation["api_key"], requirements=requirements(certificate_basis=BASIS))
    patched = needs_client.patch(f"/needs/{need['id']}", headers=bearer(organisation["api_key"]),
                                 json={"requirements": {"certificate_basis": "Barnevernloven § 6-10"}})
    assert patched.status_code == 200, patched.get_data(as_text=True)
    assert patched.get_json()["requirements"]["certificate_basis"] == "Barnevernloven § 6-10"
    events = published_need_events(needs_db, need["id"])
    assert [event.type for event in events] == ["need.published"]  # a new basis alone changes nothing to match on
    assert events[0].data["requirements"] == requirements()
    raw = needs_db.needs.find_one({"_id": need["id"]})["outbox"][0]["value"]
    assert "omsorgstjenesteloven" not in raw and "certificate_basis" not in raw


def test_a_legal_basis_for_a_need_without_a_police_certificate_is_refused(needs_client, organisation):
    body = need_body(requirements={"police_certificate": False, "certificate_basis": BASIS})
    error = assert_contract_error(needs_client.post("/needs", json=body, headers=bearer(organisation["api_key"])), 422)
    assert "police certificate" in error["fields"]["requirements.certificate_basis"][0]
    without = post_need(needs_client, organisation["api_key"], requirements={"police_certificate": False})
    patch = needs_client.patch(f"/needs/{without['id']}", headers=bearer(organisation["api_key"]),
                               json={"requirements": {"certificate_basis": BASIS}})
    assert "requirements.certificate_basis" in assert_contract_error(patch, 422)["fields"]


def test_no_longer_requiring_a_certificate_drops_its_basis(needs_client, organisation):
    need = post_need(needs_client, organisation["api_key"], requirements=requirements(certificate_basis=BASIS))
    patched = needs_client.patch(f"/needs/{need['id']}", headers=bearer(organisation["api_key"]),
                                 json={"requirements": {"police_certificate": False}})
    assert patched.status_code == 200, patched.get_data(as_text=True)
    assert "certificate_basis" not in patched.get_json()["requirements"]


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_a_blank_basis_removes_it(needs_client, organisation, blank):
    need = post_need(needs_client, organisation["api_key"], requirements=requirements(certificate_basis=BASIS))
    patched = needs_client.patch(f"/needs/{need['id']}", headers=bearer(organisation["api_key"]),
                                 json={"requirements": {"certificate_basis": blank}})
    assert patched.status_code == 200, patched.get_data(as_text=True)
    assert patched.get_json()["requirements"] == requirements()


@pytest.mark.parametrize("basis", ["x" * 301, "første linje\nandre linje", 42])
def test_a_basis_too_long_on_two_lines_or_not_text_is_refused(needs_client, organisation, basis):
    body = need_body(requirements=requirements(certificate_basis=basis))
    error = assert_contract_error(needs_client.post("/needs", json=body, headers=bearer(organisation["api_key"])), 422)
    assert "requirements.certificate_basis" in error["fields"]


def test_an_organisation_registers_with_a_certificate_age_limit_and_shows_it(needs_client):
    organisation = register_organisation(needs_client, certificate_max_age_months=36)
    assert organisation["certificate_max_age_months"] == 36
    assert needs_client.get(f"/organisations/{organisation['id']}").get_json()["certificate_max_age_months"] == 36
    mine = needs_client.get("/organisations/me", headers=bearer(organisation["api_key"])).get_json()
    assert mine["certificate_max_age_months"] == 36


def test_without_a_limit_the_organisation_shows_null(needs_client, organisation):
    assert needs_client.get(f"/organisations/{organisation['id']}").get_json()["certificate_max_age_months"] is None


@pytest.mark.parametrize("months", [0, 121, "36", 1.5])
def test_a_limit_outside_1_to_120_months_is_refused_at_registration(needs_client, months):
    response = needs_client.post("/organisations", json=organisation_body(certificate_max_age_months=months))
    assert "certificate_max_age_months" in assert_contract_error(response, 422)["fields"]


@pytest.mark.parametrize("headers", [None, STAFF])
def test_the_organisation_or_staff_change_the_limit(needs_client, organisation, headers):
    headers = headers or bearer(organisation["api_key"])
    response = needs_client.patch(f"/organisations/{organisation['id']}", headers=headers,
                                  json={"certificate_max_age_months": 12})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["certificate_max_age_months"] == 12
    mine = needs_client.get("/organisations/me", headers=bearer(organisation["api_key"])).get_json()
    assert mine["certificate_max_age_months"] == 12
    cleared = needs_client.patch(f"/organisations/{organisation['id']}", headers=headers,
                                 json={"certificate_max_age_months": None})
    assert cleared.get_json()["certificate_max_age_months"] is None


@pytest.mark.parametrize("body", [{"name": "Nytt navn"}, {"certificate_max_age_months": 12, "verified": True}, {},
                                  {"certificate_max_age_months": 200}])
def test_the_patch_changes_only_the_certificate_age_limit(needs_client, organisation, body):
    response = needs_client.patch(f"/organisations/{organisation['id']}", json=body,
                                  headers=bearer(organisation["api_key"]))
    assert_contract_error(response, 422)
    shown = needs_client.get(f"/organisations/{organisation['id']}").get_json()
    assert (shown["name"], shown["certificate_max_age_months"]) == (organisation["name"], None)


@pytest.mark.parametrize("who, status", [("nobody", 401), ("stranger", 401), ("other", 403), ("service", 403)])
def test_only_the_organisation_itself_or_staff_change_its_limit(needs_client, organisation, who, status):
    headers = {"nobody": {}, "stranger": bearer("not-a-token"), "service": SERVICE,
               "other": bearer(register_organisation(needs_client)["api_key"]) if who == "other" else {}}[who]
    response = needs_client.patch(f"/organisations/{organisation['id']}", headers=headers,
                                  json={"certificate_max_age_months": 12})
    assert_contract_error(response, status)
    assert needs_client.get(f"/organisations/{organisation['id']}").get_json()["certificate_max_age_months"] is None


def test_changing_an_unknown_organisation_is_404(needs_client):
    response = needs_client.patch("/organisations/no-such-id", headers=STAFF, json={"certificate_max_age_months": 12})
    assert_contract_error(response, 404)


def test_openapi_documents_the_basis_and_the_age_limit(needs_client):
    spec = needs_client.get("/openapi.json").get_json()
    assert "patch" in spec["paths"]["/organisations/{org_id}"]
    schemas = spec["components"]["schemas"]
    assert "certificate_basis" in schemas["Requirements"]["properties"]
    for schema in ("OrganisationIn", "OrganisationOut", "OrganisationPatch"):
        assert "certificate_max_age_months" in schemas[schema]["properties"], schema
