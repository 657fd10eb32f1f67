"""After confirmation, on the real database: occurrences recorded by the side that may say them, absences that keep
the assignment, pauses, ends, and the police certificate the organisation confirms with. The matcher's API runs with
the offers and needs services answering over real HTTP (whose token it is, the need's title, the organisation's
certificate limit)."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any, Iterator

import pytest
from flask.testing import FlaskClient

from shared.directory import Directory
from services.matcher import certificates, lifecycle
from services.matcher.app import create_app as create_matcher_app
from tests.integration.conftest import (STAFF, assert_contract_error, bearer, create_offer, post_need,
                                        register_organisation)
from tests.integration.matcher_world import Clock, need_data
from tests.integration.test_matcher_authorisation import serve

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=timezone.utc)  # a Monday; the need is on Tuesdays 17:30-19:00
PAST, NEXT, LATER = "2026-03-03", "2026-03-10", "2026-03-17"
OTHER_OFFER = "0b8e2a4c-5f1d-4c3a-9e7b-2d6f8a1c3e5b"  # a volunteer of another match, not signed in here


@pytest.fixture(scope="module")
def served(offers_app, needs_app, service_config) -> Iterator[dict[str, Any]]:
    with serve(offers_app) as offers_url, serve(needs_app) as needs_url:
        config = service_config.with_overrides(offers_url=offers_url, needs_url=needs_url)
        clock = Clock(NOW)
        yield {"client": create_matcher_app(config, clock=clock).test_client(), "clock": clock, "config": config}


@pytest.fixture
def matcher(served) -> FlaskClient:
    served["clock"].now = NOW
    return served["client"]


@pytest.fixture
def repo(matcher):
    return matcher.application.extensions["deps"].repo


def _match(repo, need: dict[str, Any], offer: dict[str, Any], status: str = "proposed",
           accepted_by: tuple[str, ...] = (), **fields: Any) -> str:
    """A match of the need and offer as the matcher's wave made it, in the status given."""
    change = lifecycle.propose(need["id"], need["organisation_id"], offer["id"], 1, 0.9, {}, NOW - timedelta(days=30),
                               timedelta(days=60))
    repo.matches.insert({**change.doc, "status": status, "accepted_by": list(accepted_by), **fields})
    return change.doc["_id"]


@pytest.fixture
def parties(offers_app, needs_app, repo) -> dict[str, Any]:
    """A volunteer and an organisation with a weekly need requiring a police certificate, in the matcher's read
    model as its events put it there; the organisation accepts certificates at most a year old."""
    kari = create_offer(offers_app.test_client())
    home = register_organisation(needs_app.test_client(), certificate_max_age_months=12)
    need = post_need(needs_app.test_client(), home["api_key"], district="fjell")
    repo.upsert_need(need_data(need["id"], organisation_id=home["id"], district="fjell"))
    return {"kari": bearer(kari["manage_token"]), "home": bearer(home["api_key"]), "need": need, "offer": kari}


@pytest.fixture
def assignment(parties, repo) -> str:
    return _match(repo, parties["need"], parties["offer"], "confirmed", ("organisation", "volunteer"),
                  confirmed_at=(NOW - timedelta(days=14)).isoformat())


def events(repo, match_id: str) -> list[dict[str, Any]]:
    """The events the match's outbox holds (no relay runs here), oldest first."""
    return [json.loads(entry["value"]) for entry in repo.matches.get(match_id).get("outbox", [])]


def types(repo, match_id: str) -> list[str]:
    return [event["type"] for event in events(repo, match_id)]


def put(matcher, match_id: str, day: str, headers: dict[str, str], **body: Any):
    return matcher.put(f"/matches/{match_id}/occurrences/{day}", json=body, headers=headers)


def test_the_organisation_records_attendance_once_it_has_begun_and_the_hours_count(matcher, parties, assignment):
    recorded = put(matcher, assignment, PAST, parties["home"], status="attended", minutes=80)
    assert recorded.status_code == 200, recorded.get_json()
    assert recorded.get_json() | {"stand_in": None} == {
        "date": PAST, "start": "2026-03-03T17:30:00+01:00", "end": "2026-03-03T19:00:00+01:00",
        "status": "attended", "minutes": 80, "stand_in": None}
    again = put(matcher, assignment, PAST, parties["home"], status="attended", minutes=80)
    assert again.status_code == 200
    shown = matcher.get(f"/matches/{assignment}", headers=parties["kari"]).get_json()
    assert shown["attended_minutes"] == 80 and shown["occurrences"][PAST]["status"] == "attended"
    assert types(matcher.application.extensions["deps"].repo, assignment) == ["match.occurrence_recorded"]  # once

    fjell = next(r for r in matcher.get("/stats", headers=STAFF).get_json()["districts"] if r["district"] == "fjell")
    assert fjell["attended_occurrences"] >= 1 and fjell["attended_hours"] >= 1.3
    rows = list(csv.reader(io.StringIO(matcher.get("/reports/hours.csv", headers=parties["home"]).get_data(as_text=True))))
    assert [row[2:7] for row in rows[1:]] == [["fjell", "1", "0", "80", "1.3"]]


def test_attendance_defaults_to_the_slots_length_and_a_no_show_has_no_minutes(matcher, parties, assignment):
    assert put(matcher, assignment, PAST, parties["home"], status="attended").get_json()["minutes"] == 90
    assert put(matcher, assignment, PAST, parties["home"], status="no_show").get_json()["status"] == "no_show"
    listed = matcher.get(f"/matches/{assignment}/occurrences", query_string={"from": PAST, "to": LATER},
                         headers=parties["home"]).get_json()["items"]
    assert [(x["date"], x["status"]) for x in listed] == [(PAST, "no_show"), (NEXT, "planned"), (LATER, "planned")]


@pytest.mark.parametrize("day, who, body, status", [
    (NEXT, "home", {"status": "attended"}, 409),        # not begun yet
    (PAST, "kari", {"status": "attended"}, 403),        # the volunteer does not record their own attendance
    (NEXT, "home", {"status": "absent"}, 403),          # only the volunteer says they cannot come
    (PAST, "kari", {"status": "absent"}, 409),          # said afterwards
    ("2026-03-11", "home", {"status": "no_show"}, 404),  # a Wednesday: no occurrence
    ("2026-02-30", "kari", {"status": "absent"}, 404),
    ("tomorrow", "kari", {"status": "absent"}, 404),
    ("9999-12-31", "kari", {"status": "absent"}, 404),
    ("0001-01-01", "home", {"status": "no_show"}, 404),
    ("2026-W11-2", "kari", {"status": "absent"}, 404),
    (PAST, "home", {"status": "attended", "minutes": 0}, 422),
    (PAST, "home", {"status": "attended", "minutes": "90"}, 422),
    (PAST, "home", {"status": "no_show", "minutes": 30}, 422),
    (PAST, "home", {"status": "late"}, 422),
    (PAST, "staff", {"status": "attended"}, 403),
])
def test_who_may_say_what_and_when(matcher, parties, assignment, day, who, body, status):
    headers = STAFF if who == "staff" else parties[who]
    assert_contract_error(matcher.put(f"/matches/{assignment}/occurrences/{day}", json=body, headers=headers), status)


def test_a_proposal_has_no_occurrences_to_record(matcher, parties, repo):
    proposal = _match(repo, parties["need"], parties["offer"])
    assert_contract_error(put(matcher, proposal, NEXT, parties["kari"], status="absent"), 409)


def test_an_absence_is_said_ahead_and_the_organisation_then_cannot_record_the_volunteer_there(
        matcher, parties, assignment, served):
    absent = put(matcher, assignment, NEXT, parties["kari"], status="absent")
    assert absent.status_code == 200 and absent.get_json()["status"] == "absent"
    repo = matcher.application.extensions["deps"].repo
    assert repo.matches.get(assignment)["status"] == "confirmed"
    [reported] = events(repo, assignment)
    assert (reported["type"], reported["data"]["date"]) == ("match.absence_reported", NEXT)
    served["clock"].now = NOW + timedelta(days=2)
    assert_contract_error(put(matcher, assignment, NEXT, parties["home"], status="attended"), 409)


def test_a_pause_makes_every_date_ahead_in_it_an_absence(matcher, parties, assignment, repo):
    paused = matcher.post(f"/matches/{assignment}/pause", json={"from": PAST, "until": "2026-03-20"},
                          headers=parties["kari"])
    assert paused.status_code == 200, paused.get_json()
    assert {day: x["reason"] for day, x in paused.get_json()["occurrences"].items()} == {NEXT: "paused", LATER: "paused"}
    [event] = events(repo, assignment)
    assert (event["type"], event["data"]["dates"]) == ("match.paused", [NEXT, LATER])


@pytest.mark.parametrize("body, who, status", [
    ({"from": "2026-03-20", "until": "2026-03-12"}, "kari", 422),
    ({"from": "2026-03-11", "until": "2026-03-12"}, "kari", 422),  # no occurrence in it
    ({"from": "2026-03-11", "until": "2027-04-12"}, "kari", 422),
    ({"from": "2026-03-11"}, "kari", 422),
    ({"from": "2026-03-11", "until": "2026-03-20"}, "home", 403),
])
def test_a_pause_that_cannot_be_is_refused(matcher, parties, assignment, body, who, status):
    assert_contract_error(matcher.post(f"/matches/{assignment}/pause", json=body, headers=parties[who]), status)


def test_either_side_ends_an_assignment_once(matcher, parties, assignment, repo):
    ended = matcher.post(f"/matches/{assignment}/end", headers=parties["home"])
    assert ended.status_code == 200 and ended.get_json()["status"] == "ended"
    assert ended.get_json()["ended_by"] == "organisation"
    assert matcher.post(f"/matches/{assignment}/end", headers=parties["kari"]).get_json()["ended_by"] == "organisation"
    assert types(repo, assignment) == ["match.ended"]
    assert_contract_error(put(matcher, assignment, NEXT, parties["kari"], status="absent"), 409)
    assert put(matcher, assignment, PAST, parties["home"], status="attended").status_code == 200  # before the end
    proposal = _match(repo, parties["need"], {"id": OTHER_OFFER})
    assert_contract_error(matcher.post(f"/matches/{proposal}/end", headers=parties["home"]), 409)


def _waiting_for_organisation(repo, parties) -> str:
    return _match(repo, parties["need"], parties["offer"], accepted_by=("volunteer",))


@pytest.mark.parametrize("body, problem", [
    ({}, "give the date you saw"), ({"certificate_seen_on": "2026-03-10"}, "cannot be in the future"),
    ({"certificate_seen_on": "2025-02-01"}, "at most 12 months old"), ({"certificate_seen_on": "1.3.2026"}, None),
])
def test_the_organisation_confirms_a_need_requiring_a_certificate_only_with_a_fitting_date(matcher, parties, repo,
                                                                                        body, problem):
    match_id = _waiting_for_organisation(repo, parties)
    error = assert_contract_error(matcher.post(f"/matches/{match_id}/accept", json=body, headers=parties["home"]), 422)
    assert "certificate_seen_on" in error["fields"]
    assert problem is None or problem in error["message"]
    assert repo.matches.get(match_id)["status"] == "proposed"


def test_the_confirmation_stores_who_which_role_and_which_date_never_the_document(matcher, parties, repo):
    match_id = _waiting_for_organisation(repo, parties)
    confirmed = matcher.post(f"/matches/{match_id}/accept", json={"certificate_seen_on": "2026-03-02"},
                             headers=parties["home"])
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["certificate"] == {"seen_on": "2026-03-02", "role": parties["need"]["title"],
                                                  "recorded_at": NOW.isoformat(timespec="microseconds")}
    assert confirmed.get_json()["offer_id"] == parties["offer"]["id"]  # who: the match's volunteer


def test_the_volunteer_gives_no_certificate_date(matcher, parties, repo):
    match_id = _match(repo, parties["need"], parties["offer"])
    answer = matcher.post(f"/matches/{match_id}/accept", json={"certificate_seen_on": "2026-03-02"},
                          headers=parties["kari"])
    assert "certificate_seen_on" in assert_contract_error(answer, 422)["fields"]
    assert matcher.post(f"/matches/{match_id}/accept", headers=parties["kari"]).status_code == 200


def test_a_certificate_older_than_the_organisations_limit_is_reminded_of_once(matcher, parties, repo, served):
    old = _match(repo, parties["need"], parties["offer"], "confirmed", ("organisation", "volunteer"),
                 certificate={"seen_on": "2025-03-01", "role": "Besøksvenn"})
    fresh = _match(repo, parties["need"], {"id": OTHER_OFFER}, "confirmed",
                   ("organisation", "volunteer"), certificate={"seen_on": "2026-01-05", "role": "Besøksvenn"})
    max_age = partial(certificates.limit_of, Directory(served["config"]))
    assert certificates.remind_expired(repo, max_age, NOW) >= 1
    assert certificates.remind_expired(repo, max_age, NOW + timedelta(days=1)) == 0
    assert types(repo, old) == ["match.certificate_expired"]
    assert events(repo, old)[0]["data"] | {"seen_on": "2025-03-01", "max_age_months": 12} == events(repo, old)[0]["data"]
    assert types(repo, fresh) == []


def test_occurrences_count_from_the_day_the_assignment_was_confirmed(matcher, parties, assignment):
    listed = matcher.get(f"/matches/{assignment}/occurrences", query_string={"from": "2026-02-01", "to": PAST},
                         headers=parties["home"]).get_json()["items"]
    assert [x["date"] for x in listed] == ["2026-02-24", PAST]  # confirmed on Monday 23 February
    assert_contract_error(put(matcher, assignment, "2026-02-17", parties["home"], status="attended"), 404)


@pytest.mark.parametrize("dates", [{"to": "2100-12-31"}, {"from": "2000-01-01"}, {"from": "2026-03-01", "to": "2027-03-10"}])
def test_an_occurrence_listing_is_at_most_a_year(matcher, parties, assignment, dates):
    listed = matcher.get(f"/matches/{assignment}/occurrences", query_string=dates, headers=parties["home"])
    assert "to" in assert_contract_error(listed, 422)["fields"]


def test_an_occurrence_that_began_before_the_confirmation_is_not_the_assignments(matcher, parties, repo):
    match_id = _match(repo, parties["need"], parties["offer"], "confirmed", ("organisation", "volunteer"),
                      confirmed_at="2026-03-03T19:00:00+00:00")  # 20:00 in Oslo, after that day's 17:30
    listed = matcher.get(f"/matches/{match_id}/occurrences", query_string={"from": PAST, "to": NEXT},
                         headers=parties["home"]).get_json()["items"]
    assert [x["date"] for x in listed] == [NEXT]
    assert_contract_error(put(matcher, match_id, PAST, parties["home"], status="attended"), 404)


def test_the_organisation_records_a_newer_certificate_and_its_age_is_watched_from_then(matcher, parties, repo, served):
    match_id = _match(repo, parties["need"], parties["offer"], "confirmed", ("organisation", "volunteer"),
                      certificate={"seen_on": "2025-01-05", "role": "Besøksvenn"},
                      certificate_reminded_at="2026-01-06T08:00:00+00:00")
    url = f"/matches/{match_id}/certificate"
    assert_contract_error(matcher.put(url, json={"certificate_seen_on": "2026-03-02"}, headers=parties["kari"]), 403)
    assert "certificate_seen_on" in assert_contract_error(matcher.put(url, json={}, headers=parties["home"]),
                                                          422)["fields"]
    assert_contract_error(matcher.put(url, json={"certificate_seen_on": "2024-12-01"}, headers=parties["home"]), 422)
    renewed = matcher.put(url, json={"certificate_seen_on": "2026-03-02"}, headers=parties["home"])
    assert renewed.status_code == 200 and renewed.get_json()["certificate"]["seen_on"] == "2026-03-02"
    assert renewed.get_json()["certificate"]["role"] == "Besøksvenn"
    assert "certificate_reminded_at" not in repo.matches.get(match_id)
    proposal = _match(repo, parties["need"], parties["offer"])
    assert_contract_error(matcher.put(f"/matches/{proposal}/certificate", json={"certificate_seen_on": "2026-03-02"},
                                      headers=parties["home"]), 409)


def test_a_stand_ins_certificate_is_not_watched(matcher, parties, repo, served):
    stand_in = _match(repo, parties["need"], parties["offer"], "confirmed", ("organisation", "volunteer"),
                      certificate={"seen_on": "2024-01-01", "role": "Besøksvenn"}, for_date=PAST,
                      stands_in_for=OTHER_OFFER)
    certificates.remind_expired(repo, partial(certificates.limit_of, Directory(served["config"])), NOW)
    assert types(repo, stand_in) == []
