"""The need's summary in a match view, through the matcher app on the real database, with the offers and needs
services answering over real HTTP: each side of a match reads its need's title, district and schedule with it, also
once the need is no longer public; staff and services get none, each need is asked of the needs service once per
request, and a needs service that cannot answer leaves it out. The organisation waiting to confirm a volunteer is
told the date it saw their police certificate when they stood in for the need."""
from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest

from shared.clock import to_iso
from shared.config import Config
from services.matcher import lifecycle
from services.matcher.app import create_app as create_matcher_app
from tests.integration.conftest import (ADMIN_TOKEN, SERVICE_TOKEN, bearer, create_offer, post_need,
                                        register_organisation)
from tests.integration.matcher_world import need_data
from tests.integration.test_matcher_authorisation import serve

ONE_OFF = {"start": (datetime.now(timezone.utc) + timedelta(days=3)).replace(microsecond=0).isoformat(),
           "end": (datetime.now(timezone.utc) + timedelta(days=3, hours=4)).replace(microsecond=0).isoformat()}


@pytest.fixture(scope="module")
def matcher_config(offers_app, needs_app, service_config) -> Iterator[Config]:
    with serve(offers_app) as offers_url, serve(needs_app) as needs_url:
        yield service_config.with_overrides(offers_url=offers_url, needs_url=needs_url)


@pytest.fixture(scope="module")
def matcher_app(matcher_config):
    return create_matcher_app(matcher_config)


@pytest.fixture(scope="module")
def sides(offers_app, needs_app, matcher_app) -> dict:
    """A volunteer's confirmed assignment of a one-off need that has since closed, as a need closes once it is over
    (no longer public), and the volunteer's proposal for an open need of the same organisation."""
    offers, needs = offers_app.test_client(), needs_app.test_client()
    volunteer, organisation = create_offer(offers), register_organisation(needs)
    closed = post_need(needs, organisation["api_key"], title="Julemarked: vaffelsteking", schedule=ONE_OFF)
    assert needs.post(f"/needs/{closed['id']}/close", headers=bearer(organisation["api_key"])).status_code == 200
    assert needs.get(f"/needs/{closed['id']}").status_code == 401
    open_need = post_need(needs, organisation["api_key"])
    repo = matcher_app.extensions["deps"].repo
    now = datetime.now(timezone.utc)

    def match(need: dict, status: str, **stand_in: str) -> str:
        doc = lifecycle.propose(need["id"], organisation["id"], volunteer["id"], 1, 0.9, {}, now,
                                timedelta(hours=48), stand_in=stand_in or None).doc
        if status == lifecycle.CONFIRMED:
            doc.update(status=status, accepted_by=["volunteer", "organisation"], confirmed_at=to_iso(now))
        return repo.matches.insert(doc)["_id"]

    proposal = match(open_need, lifecycle.PROPOSED)
    return {"volunteer": volunteer, "organisation": organisation, "closed": closed, "open": open_need,
            "assignment": match(closed, lifecycle.CONFIRMED), "proposal": proposal,
            "stand_in": match(open_need, lifecycle.CONFIRMED, for_date=ONE_OFF["start"][:10], stands_in_for=proposal)}


class CountedNeeds:
    """The matcher's directory, noting each need it is asked for."""

    def __init__(self, directory: Any):
        self.directory, self.asked = directory, Counter()

    def need(self, need_id: str) -> dict | None:
        self.asked[need_id] += 1
        return self.directory.need(need_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.directory, name)


@pytest.fixture
def counted(matcher_app) -> Iterator[CountedNeeds]:
    deps = matcher_app.extensions["deps"]
    matcher_app.extensions["deps"] = dataclasses.replace(deps, clients=CountedNeeds(deps.clients))
    yield matcher_app.extensions["deps"].clients
    matcher_app.extensions["deps"] = deps


def _summary(need: dict) -> dict:
    return {"title": need["title"], "description": need["description"], "district": need["district"],
            "schedule": need["schedule"]}


@pytest.mark.parametrize("side", ["volunteer", "organisation"])
def test_each_side_reads_the_need_s_title_district_and_schedule_with_the_match_also_once_it_is_closed(
        matcher_app, sides, side):
    client, token = matcher_app.test_client(), bearer(sides[side].get("manage_token") or sides[side].get("api_key"))

    one = client.get(f"/matches/{sides['assignment']}", headers=token)
    assert one.status_code == 200 and one.get_json()["need"] == _summary(sides["closed"])
    query = {"offer_id": sides["volunteer"]["id"]} if side == "volunteer" else {"need_id": sides["open"]["id"]}
    listed = client.get("/matches", headers=token, query_string=query)
    assert listed.status_code == 200
    by_id = {item["id"]: item for item in listed.get_json()["items"]}
    assert by_id[sides["proposal"]]["need"] == _summary(sides["open"])


def test_staff_read_the_match_without_the_summary(matcher_app, sides):
    found = matcher_app.test_client().get(f"/matches/{sides['assignment']}", headers=bearer(ADMIN_TOKEN))
    assert found.status_code == 200 and "need" not in found.get_json()


@pytest.mark.parametrize("by", ["need_id", "offer_id"])
def test_staff_list_matches_without_the_summary(matcher_app, sides, by):
    query = {"need_id": sides["open"]["id"]} if by == "need_id" else {"offer_id": sides["volunteer"]["id"]}
    listed = matcher_app.test_client().get("/matches", headers=bearer(ADMIN_TOKEN), query_string=query)
    assert listed.status_code == 200 and listed.get_json()["items"]
    assert all("need" not in item for item in listed.get_json()["items"])


def test_a_service_reads_a_match_without_the_summary_and_lists_none(matcher_app, sides):
    client, service = matcher_app.test_client(), bearer(SERVICE_TOKEN)
    one = client.get(f"/matches/{sides['assignment']}", headers=service)
    assert one.status_code == 200 and "need" not in one.get_json()
    for query in ({"need_id": sides["open"]["id"]}, {"offer_id": sides["volunteer"]["id"]}):
        listed = client.get("/matches", headers=service, query_string=query)
        assert listed.status_code == 403 and "need" not in listed.get_data(as_text=True)


@pytest.mark.parametrize("side", ["volunteer", "organisation"])
def test_a_need_several_matches_share_is_asked_of_the_needs_service_once_in_a_request(matcher_app, sides, counted, side):
    token = bearer(sides[side].get("manage_token") or sides[side].get("api_key"))
    query = {"offer_id": sides["volunteer"]["id"]} if side == "volunteer" else {"need_id": sides["open"]["id"]}

    listed = matcher_app.test_client().get("/matches", headers=token, query_string=query)

    items = listed.get_json()["items"]
    assert listed.status_code == 200 and [item["need_id"] for item in items].count(sides["open"]["id"]) == 2
    assert all(item["need"]["title"] for item in items)
    assert set(counted.asked.values()) == {1}


def test_a_need_the_needs_service_cannot_give_now_leaves_the_summary_out_and_the_match_is_read(matcher_config, sides):
    cut_off = create_matcher_app(matcher_config.with_overrides(needs_url="http://127.0.0.1:9")).test_client()
    token = bearer(sides["volunteer"]["manage_token"])  # the offers service still says whose it is

    one = cut_off.get(f"/matches/{sides['assignment']}", headers=token)
    listed = cut_off.get("/matches", headers=token, query_string={"offer_id": sides["volunteer"]["id"]})

    assert one.status_code == 200 and "need" not in one.get_json()
    assert listed.status_code == 200 and all("need" not in item for item in listed.get_json()["items"])


@pytest.fixture(scope="module")
def seen_as_stand_in(offers_app, needs_app, matcher_app) -> dict:
    """A volunteer's standing proposal that waits for the organisation's confirmation, for a need that requires a
    police certificate, and their confirmed stand-in match for it, on which the organisation recorded the date it
    saw the certificate."""
    offers, needs = offers_app.test_client(), needs_app.test_client()
    volunteer, organisation = create_offer(offers), register_organisation(needs)
    need = post_need(needs, organisation["api_key"])
    repo = matcher_app.extensions["deps"].repo
    repo.upsert_need(need_data(need["id"], organisation_id=organisation["id"]))
    now = datetime.now(timezone.utc)

    def match(**stand_in: str) -> dict:
        return lifecycle.propose(need["id"], organisation["id"], volunteer["id"], 1, 0.9, {}, now,
                                 timedelta(hours=48), stand_in=stand_in or None).doc

    standing = {**match(), "accepted_by": ["volunteer"]}
    seen_on = (now - timedelta(days=30)).date().isoformat()
    stand_in = {**match(for_date=seen_on, stands_in_for=standing["_id"]), "status": lifecycle.CONFIRMED,
                "accepted_by": ["organisation", "volunteer"], "certificate": {"seen_on": seen_on, "role": need["title"]}}
    for doc in (standing, stand_in):
        repo.matches.insert(doc)
    return {"volunteer": volunteer, "organisation": organisation, "need": need, "seen_on": seen_on,
            "standing": standing["_id"], "stand_in": stand_in["_id"]}


def test_the_organisation_waiting_to_confirm_is_told_the_date_it_saw_the_volunteer_s_certificate_as_a_stand_in(
        matcher_app, seen_as_stand_in):
    case, client = seen_as_stand_in, matcher_app.test_client()
    organisation = bearer(case["organisation"]["api_key"])

    one = client.get(f"/matches/{case['standing']}", headers=organisation)
    listed = client.get("/matches", headers=organisation, query_string={"need_id": case["need"]["id"]})

    assert one.status_code == 200 and one.get_json()["certificate_seen_before"] == case["seen_on"]
    by_id = {item["id"]: item for item in listed.get_json()["items"]}
    assert by_id[case["standing"]]["certificate_seen_before"] == case["seen_on"]
    assert "certificate_seen_before" not in by_id[case["stand_in"]]  # confirmed already: nothing to carry over


@pytest.mark.parametrize("token", ["volunteer", "staff"])
def test_the_volunteer_and_staff_are_not_told_of_the_certificate_seen_before(matcher_app, seen_as_stand_in, token):
    case = seen_as_stand_in
    found = matcher_app.test_client().get(f"/matches/{case['standing']}", headers=bearer(
        case["volunteer"]["manage_token"] if token == "volunteer" else ADMIN_TOKEN))
    assert found.status_code == 200 and "certificate_seen_before" not in found.get_json()
