"""GET /reports/hours.csv and the hours in GET /stats, on the real database, with the offers and needs services
answering over real HTTP (who holds a token, and the organisations' names)."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from flask.testing import FlaskClient

from services.matcher import lifecycle
from services.matcher.app import create_app as create_matcher_app
from services.matcher.repository import MatcherRepository
from tests.integration.conftest import (SERVICE, STAFF, assert_contract_error, bearer, create_offer, post_need,
                                        register_organisation, unique)
from tests.integration.matcher_world import Clock, need_data
from tests.integration.test_matcher_authorisation import serve

NOW = datetime(2026, 5, 14, 22, 30, tzinfo=timezone.utc)  # already 15 May in Oslo
HEADER = ["organisation_id", "organisation_name", "district", "attended", "no_show", "minutes", "hours", "volunteers"]


@pytest.fixture(scope="module")
def matcher(offers_app, needs_app, service_config) -> Iterator[FlaskClient]:
    with serve(offers_app) as offers_url, serve(needs_app) as needs_url:
        config = service_config.with_overrides(offers_url=offers_url, needs_url=needs_url)
        yield create_matcher_app(config, clock=Clock(NOW)).test_client()


@pytest.fixture(scope="module")
def repo(matcher) -> MatcherRepository:
    return matcher.application.extensions["deps"].repo


def attended(minutes: int) -> dict[str, Any]:
    return {"status": "attended", "minutes": minutes, "by": "organisation", "recorded_at": "2026-03-03T20:00:00+00:00"}


NO_SHOW = {"status": "no_show", "by": "organisation", "recorded_at": "2026-03-10T20:00:00+00:00"}
ABSENT = {"status": "absent", "by": "volunteer", "recorded_at": "2026-03-01T10:00:00+00:00"}


def assignment(repo: MatcherRepository, need: dict[str, Any], offer_id: str, occurrences: dict[str, dict],
               status: str = "confirmed") -> None:
    """A match of the need, in the read model as its event put it there, with these occurrences recorded."""
    repo.upsert_need(need_data(need["id"], organisation_id=need["organisation_id"], district=need["district"]))
    change = lifecycle.propose(need["id"], need["organisation_id"], offer_id, 1, 0.9, {}, NOW - timedelta(days=90),
                               timedelta(hours=48))
    repo.matches.insert({**change.doc, "status": status, "occurrences": occurrences})


@pytest.fixture(scope="module")
def world(offers_app, needs_app, repo) -> dict[str, Any]:
    """Two organisations (one a municipal service) with recorded hours, and a volunteer."""
    offers, needs = offers_app.test_client(), needs_app.test_client()
    kari, ola = create_offer(offers), create_offer(offers)
    club = register_organisation(needs, name=unique("Konnerud Sanitetsforening"))
    home = register_organisation(needs, kind="municipal_service", name="Drammen kommune",
                                 unit=unique("Fjell bo- og omsorgssenter"))
    club_fjell = post_need(needs, club["api_key"], district="fjell")
    club_konnerud = post_need(needs, club["api_key"], district="konnerud")
    home_fjell = post_need(needs, home["api_key"], district="fjell")
    assignment(repo, club_fjell, kari["id"], {"2026-03-03": attended(90), "2026-03-10": NO_SHOW,
                                              "2026-03-17": attended(75), "2026-03-24": ABSENT,
                                              "2025-12-30": attended(90), "2026-05-19": attended(90)})
    assignment(repo, club_fjell, ola["id"], {"2026-03-03": attended(45)}, status="ended")
    assignment(repo, club_konnerud, kari["id"], {"2026-04-01": NO_SHOW})
    assignment(repo, home_fjell, ola["id"], {"2026-02-02": attended(120)})
    return {"club": club, "home": home, "kari": kari}


def report(matcher: FlaskClient, headers: dict[str, str], **dates: str):
    return matcher.get("/reports/hours.csv", query_string=dates, headers=headers)


def parsed(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def rows_of(response, *organisations: dict[str, Any]) -> list[list[str]]:
    ids = {organisation["id"] for organisation in organisations}
    return [row for row in parsed(response)[1:] if row[0] in ids]


def test_staff_get_every_organisations_hours_this_year_until_today(matcher, world):
    response = report(matcher, STAFF)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="timer-2026-01-01-2026-05-15.csv"'
    assert parsed(response)[0] == HEADER
    club, home = world["club"], world["home"]
    assert sorted(rows_of(response, club, home)) == sorted([
        [club["id"], club["name"], "fjell", "3", "1", "210", "3.5", "2"],
        [club["id"], club["name"], "konnerud", "0", "1", "0", "0.0", "0"],
        [home["id"], f"{home['unit']} (Drammen kommune)", "fjell", "1", "0", "120", "2.0", "1"],
    ])


def test_an_organisation_gets_only_its_own_needs(matcher, world):
    club = world["club"]
    response = report(matcher, bearer(club["api_key"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert {row[0] for row in parsed(response)[1:]} == {club["id"]}
    assert [row[2] for row in parsed(response)[1:]] == ["fjell", "konnerud"]


def test_the_dates_chosen_are_the_dates_counted(matcher, world):
    response = report(matcher, bearer(world["club"]["api_key"]), **{"from": "2025-12-01", "to": "2026-03-10"})
    assert response.headers["Content-Disposition"] == 'attachment; filename="timer-2025-12-01-2026-03-10.csv"'
    assert [row[2:] for row in parsed(response)[1:]] == [["fjell", "3", "1", "225", "3.8", "2"]]


def test_the_report_names_no_volunteer(matcher, world, offers_app):
    text = report(matcher, STAFF).get_data(as_text=True)
    assert world["kari"]["id"] not in text and "Kari Nordmann" not in text and "@example.no" not in text


@pytest.mark.parametrize("who, status", [("nobody", 401), ("stranger", 401), ("volunteer", 403), ("service", 403)])
def test_volunteers_services_and_strangers_get_no_report(matcher, world, who, status):
    headers = {"nobody": {}, "stranger": bearer("not-a-token"), "volunteer": bearer(world["kari"]["manage_token"]),
               "service": SERVICE}[who]
    assert_contract_error(report(matcher, headers), status)
    assert_contract_error(report(matcher, headers, **{"from": "not-a-date"}), status)  # who first, then what


@pytest.mark.parametrize("dates, field", [
    ({"from": "2026-02-30"}, "from"), ({"to": "15.05.2026"}, "to"), ({"from": "2026-05-02", "to": "2026-05-01"}, "to"),
    ({"from": "2023-05-15", "to": "2026-05-15"}, "to"), ({"from": "1900-01-01", "to": "1900-02-01"}, "from"),
    ({"from": "x" * 100}, "from"),
])
def test_bad_dates_are_refused_with_the_contract_body(matcher, world, dates, field):
    error = assert_contract_error(report(matcher, STAFF, **dates), 422)
    assert field in error["fields"]


def test_stats_add_the_attended_occurrences_and_their_hours(matcher, world, repo, needs_app):
    before = matcher.get("/stats", headers=STAFF).get_json()
    need = post_need(needs_app.test_client(), world["home"]["api_key"], district="svelvik")
    assignment(repo, need, world["kari"]["id"], {"2026-03-02": attended(30), "2026-03-09": attended(15),
                                                 "2026-03-16": NO_SHOW})
    after = matcher.get("/stats", headers=STAFF).get_json()
    row = {r["district"]: r for r in after["districts"]}["svelvik"]
    old = {r["district"]: r for r in before["districts"]}["svelvik"]
    assert row["attended_occurrences"] - old["attended_occurrences"] == 2
    assert after["totals"]["attended_occurrences"] - before["totals"]["attended_occurrences"] == 2
    assert isinstance(row["attended_hours"], float) and isinstance(after["totals"]["attended_hours"], float)
    assert round(after["totals"]["attended_hours"] - before["totals"]["attended_hours"], 1) in (0.7, 0.8)
