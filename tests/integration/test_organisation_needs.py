"""GET /organisations/me/needs: an organisation's own needs, any status, newest first, on a real database."""
from __future__ import annotations

import pytest

from tests.integration.conftest import (SERVICE, STAFF, assert_contract_error, bearer, post_need,
                                        register_organisation)


def mine(client, token: str, **query: int):
    return client.get("/organisations/me/needs", query_string=query, headers=bearer(token))


def test_an_organisation_sees_all_its_needs_newest_first_whatever_their_status(needs_client):
    organisation = register_organisation(needs_client)
    posted = [post_need(needs_client, organisation["api_key"], title=f"Behov {n}") for n in range(3)]
    needs_client.post(f"/needs/{posted[1]['id']}/close", headers=bearer(organisation["api_key"]))
    page = mine(needs_client, organisation["api_key"]).get_json()
    assert [need["id"] for need in page["items"]] == [need["id"] for need in reversed(posted)]
    assert [need["status"] for need in page["items"]] == ["open", "closed", "open"]
    assert (page["total"], page["limit"], page["offset"]) == (3, 50, 0)


def test_the_listing_is_paginated(needs_client):
    organisation = register_organisation(needs_client)
    posted = [post_need(needs_client, organisation["api_key"]) for _ in range(3)]
    page = mine(needs_client, organisation["api_key"], limit=2, offset=1).get_json()
    assert [need["id"] for need in page["items"]] == [posted[1]["id"], posted[0]["id"]] and page["total"] == 3
    assert_contract_error(mine(needs_client, organisation["api_key"], limit=0), 422)


def test_needs_waiting_for_verification_are_listed_and_other_organisations_needs_are_not(needs_client):
    waiting = register_organisation(needs_client, verified=False)
    other = register_organisation(needs_client)
    need = post_need(needs_client, waiting["api_key"])
    post_need(needs_client, other["api_key"])
    page = mine(needs_client, waiting["api_key"]).get_json()
    assert [(n["id"], n["status"]) for n in page["items"]] == [(need["id"], "pending_verification")]


@pytest.mark.parametrize("headers, status", [({}, 401), (bearer("not-a-token"), 401), (STAFF, 403),
                                             (SERVICE, 403)])
def test_only_an_organisation_has_needs_of_its_own(needs_client, headers, status):
    assert_contract_error(needs_client.get("/organisations/me/needs", headers=headers), status)
