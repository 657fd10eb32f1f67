"""Assignments' calendars through the matcher app, on the real database, with the offers and needs services
answering over real HTTP: each person's private feed, its renewal, and one match's calendar."""
from __future__ import annotations

import base64
import struct
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterator
from uuid import UUID, uuid4

import icalendar
import pytest
from flask import Flask

from shared import links
from shared.clock import to_iso
from shared.config import Config
from services.matcher import calendars, lifecycle
from services.matcher.app import create_app as create_matcher_app
from services.matcher.repository import MatcherRepository
from tests.integration.conftest import (ADMIN_TOKEN, LINK_SIGNING_KEY, SERVICE_TOKEN, assert_contract_error, bearer,
                                        create_offer, post_need, register_organisation)
from tests.integration.test_matcher_authorisation import serve

NEW_KEY = "calendar-feed-new-link-signing-key-" + "n" * 32


@pytest.fixture(scope="module")
def matcher_config(offers_app, needs_app, service_config) -> Iterator[Config]:
    with serve(offers_app) as offers_url, serve(needs_app) as needs_url:
        yield service_config.with_overrides(offers_url=offers_url, needs_url=needs_url,
                                            public_base_url="https://matcher.example.no",
                                            web_url="https://frivillig.example.no")


@pytest.fixture(scope="module")
def matcher_app(matcher_config) -> Flask:
    return create_matcher_app(matcher_config)


@pytest.fixture
def matcher(matcher_app):
    return matcher_app.test_client()


@pytest.fixture(scope="module")
def matches(matcher_app) -> MatcherRepository:
    return matcher_app.extensions["deps"].repo


def next_tuesday(after: date) -> date:
    return after + timedelta(days=(1 - after.weekday()) % 7 or 7)


def assignment(repo: MatcherRepository, offer: dict, need: dict, status: str, **fields) -> str:
    """A match document in the given state, as the matcher's lifecycle leaves it; its id."""
    now = datetime.now(timezone.utc)
    doc = lifecycle.propose(need["id"], need["organisation_id"], offer["id"], 1, 0.9, {}, now, timedelta(hours=48),
                            need_version=uuid4().int % 10**9).doc
    if status != lifecycle.PROPOSED:
        doc.update(accepted_by=["volunteer", "organisation"], confirmed_at=to_iso(now))
    doc.update(status=status, **fields)
    return repo.matches.insert(doc)["_id"]


@dataclass
class People:
    volunteer: dict
    other_volunteer: dict
    organisation: dict
    other_organisation: dict
    ids: dict[str, str]


TODAY = date.today()
AHEAD = next_tuesday(TODAY + timedelta(days=7))
ABSENT_DAY = next_tuesday(AHEAD)
PAST = next_tuesday(TODAY - timedelta(days=21))
SINCE_MONTHS = {"weekday": 2, "start_time": "17:30", "end_time": "19:00",
                "from_date": (TODAY - timedelta(days=90)).isoformat()}


@pytest.fixture(scope="module")
def people(offers_app, needs_app, matches) -> People:
    offers, needs = offers_app.test_client(), needs_app.test_client()
    volunteer, other_volunteer = create_offer(offers), create_offer(offers)
    organisation, other_organisation = register_organisation(needs), register_organisation(needs)
    need, second_need = (post_need(needs, organisation["api_key"]),
                         post_need(needs, organisation["api_key"], title="Leksehjelp på Fjell", schedule=SINCE_MONTHS))
    elsewhere = post_need(needs, other_organisation["api_key"], title="Turvenn på Konnerud", district="konnerud")
    absent = {ABSENT_DAY.isoformat(): {"status": "absent", "by": "volunteer", "recorded_at": to_iso(datetime.now())}}
    ids = {
        "standing": assignment(matches, volunteer, need, "confirmed", occurrences=absent),
        "stand_in_ahead": assignment(matches, volunteer, second_need, "confirmed", for_date=AHEAD.isoformat(),
                                     stands_in_for=str(uuid4())),
        "stand_in_past": assignment(matches, volunteer, second_need, "confirmed",
                                    for_date=PAST.isoformat(), stands_in_for=str(uuid4())),
        "proposed": assignment(matches, volunteer, second_need, "proposed"),
        "ended": assignment(matches, volunteer, second_need, "ended", ended_by="volunteer"),
        "cancelled": assignment(matches, volunteer, elsewhere, "cancelled", cancel_reason="need_closed"),
        "elsewhere": assignment(matches, volunteer, elsewhere, "confirmed"),
        "colleague": assignment(matches, other_volunteer, need, "confirmed"),
        "colleague_elsewhere": assignment(matches, other_volunteer, elsewhere, "confirmed"),
    }
    return People(volunteer, other_volunteer, organisation, other_organisation, ids)


def feed_url(matcher, token: str, renew: bool = False) -> dict:
    response = (matcher.post("/calendar-feed/renew", headers=bearer(token)) if renew
                else matcher.get("/calendar-feed", headers=bearer(token)))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def feed_path(url: str) -> str:
    assert url.startswith("https://matcher.example.no/calendar/") and url.endswith(".ics")
    return url.removeprefix("https://matcher.example.no")


def events_of(response) -> dict[str, icalendar.Event]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    return {str(e["UID"]).removesuffix("@frivillig.drammen"): e
            for e in icalendar.Calendar.from_ical(response.data).walk("VEVENT")}


def test_the_volunteers_feed_lists_exactly_their_live_assignments(matcher, people):
    response = matcher.get(feed_path(feed_url(matcher, people.volunteer["manage_token"])["url"]))
    found = events_of(response)
    assert set(found) == {people.ids[k] for k in ("standing", "stand_in_ahead", "elsewhere")}
    assert response.headers["Cache-Control"] == "private"
    standing = found[people.ids["standing"]]
    assert str(standing["SUMMARY"]) == "Besøksvenn på Fjell bo- og omsorgssenter"
    assert "RRULE" in standing
    assert {d.dt.date() for d in standing["EXDATE"].dts} == {ABSENT_DAY}
    assert found[people.ids["stand_in_ahead"]].decoded("DTSTART").date() == AHEAD
    assert "Kari Nordmann" not in str(standing["DESCRIPTION"])


def test_the_organisations_feed_lists_its_needs_live_assignments_with_the_volunteers_names(matcher, people):
    found = events_of(matcher.get(feed_path(feed_url(matcher, people.organisation["api_key"])["url"])))
    assert set(found) == {people.ids[k] for k in ("standing", "stand_in_ahead", "colleague")}
    standing = found[people.ids["standing"]]
    assert {d.dt.date() for d in standing["EXDATE"].dts} == {ABSENT_DAY}  # the stand-in comes as its own event
    assert "Frivillig: Kari Nordmann" in str(standing["DESCRIPTION"])
    assert "https://frivillig.example.no/vare-behov" in str(standing["DESCRIPTION"])


def test_the_feed_address_stays_until_renewed_and_the_renewed_one_makes_the_old_one_404(matcher, people):
    token = people.other_volunteer["manage_token"]
    first = feed_url(matcher, token)
    assert feed_url(matcher, token) == first
    assert first["webcal_url"] == "webcal://" + first["url"].removeprefix("https://")
    renewed = feed_url(matcher, token, renew=True)
    assert renewed["url"] != first["url"]
    assert_contract_error(matcher.get(feed_path(first["url"])), 404)
    assert set(events_of(matcher.get(feed_path(renewed["url"])))) == {
        people.ids["colleague"], people.ids["colleague_elsewhere"]}
    assert feed_url(matcher, token) == renewed


def _signed(config: Config, payload: bytes, purpose: str = calendars.FEED) -> str:
    return links.sign(config, purpose, payload)


def test_forged_unknown_and_garbage_codes_are_404(matcher, people, matcher_config):
    owner = UUID(people.volunteer["id"]).bytes
    genuine = feed_path(feed_url(matcher, people.volunteer["manage_token"])["url"]).split("/")[-1][:-4]
    raw = bytearray(base64.urlsafe_b64decode(genuine + "=" * (-len(genuine) % 4)))
    raw[-1] ^= 1
    forged_mac = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    other_key = matcher_config.with_overrides(link_signing_keys=("some-other-link-signing-key-" + "x" * 32,))
    codes = [
        forged_mac,
        _signed(other_key, struct.pack(">B16sQ", 0, owner, 0)),                # signed with a key we do not hold
        _signed(matcher_config, struct.pack(">B16sQ", 0, owner, 0), "respond"),  # signed for another purpose
        _signed(matcher_config, struct.pack(">B16sQ", 0, owner, 7)),           # a generation never issued
        _signed(matcher_config, struct.pack(">B16sQ", 5, owner, 0)),           # no such kind of owner
        _signed(matcher_config, owner),                                        # too short a payload
        links.answer_url(matcher_config, str(uuid4()), "volunteer").rsplit("/", 1)[1],
        "x", "not-a-code", "%00%ff", "é" * 30, "A" * 5000, "....", "a=b", "-_-_",
    ]
    for code in codes:
        assert_contract_error(matcher.get(f"/calendar/{code}.ics"), 404)
    assert_contract_error(matcher.get("/calendar/.ics"), 404)


def test_a_code_signed_under_a_key_still_listed_for_rotation_keeps_working(matcher, people, matcher_config):
    url = feed_url(matcher, people.volunteer["manage_token"])["url"]
    rotated = create_matcher_app(matcher_config.with_overrides(link_signing_keys=(NEW_KEY, LINK_SIGNING_KEY)))
    assert people.ids["standing"] in events_of(rotated.test_client().get(feed_path(url)))
    retired = create_matcher_app(matcher_config.with_overrides(link_signing_keys=(NEW_KEY,)))
    assert_contract_error(retired.test_client().get(feed_path(url)), 404)


@pytest.mark.parametrize(("token", "status"), [(ADMIN_TOKEN, 403), (SERVICE_TOKEN, 403), (None, 401),
                                               ("h6X0lZ3o0m2Kq9yTt1cV8bN4rS7uW5eA2dF6gJ0kL3p", 401)])
def test_only_volunteers_and_organisations_have_a_feed(matcher, token, status):
    assert_contract_error(matcher.get("/calendar-feed", headers=bearer(token)), status)
    assert_contract_error(matcher.post("/calendar-feed/renew", headers=bearer(token)), status)


def _role_tokens(people: People) -> dict[str, str | None]:
    return {"volunteer": people.volunteer["manage_token"], "organisation": people.organisation["api_key"],
            "staff": ADMIN_TOKEN, "other_volunteer": people.other_volunteer["manage_token"],
            "other_organisation": people.other_organisation["api_key"], "stranger": None}


@pytest.mark.parametrize(("role", "status"), [("volunteer", 200), ("organisation", 200), ("staff", 200),
                                              ("other_volunteer", 404), ("other_organisation", 404),
                                              ("stranger", 401)])
def test_a_matchs_calendar_is_for_its_two_sides_and_staff(matcher, people, role, status):
    response = matcher.get(f"/matches/{people.ids['standing']}/calendar.ics",
                           headers=bearer(_role_tokens(people)[role]))
    if status != 200:
        assert_contract_error(response, status)
        return
    [uid] = events_of(response)
    assert uid == people.ids["standing"]
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_an_ended_assignments_calendar_is_its_cancellation_and_a_proposal_has_none(matcher, people):
    token = bearer(people.volunteer["manage_token"])
    ended = matcher.get(f"/matches/{people.ids['ended']}/calendar.ics", headers=token)
    [event] = events_of(ended).values()
    assert str(icalendar.Calendar.from_ical(ended.data)["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED" and event.decoded("SEQUENCE") > 0
    assert_contract_error(matcher.get(f"/matches/{people.ids['proposed']}/calendar.ics", headers=token), 409)
    for match_id in (str(uuid4()), "not-an-id"):
        assert_contract_error(matcher.get(f"/matches/{match_id}/calendar.ics", headers=bearer(ADMIN_TOKEN)), 404)


def test_the_feed_is_503_in_the_contract_body_while_the_needs_service_is_away(matcher, people, matcher_config):
    url = feed_url(matcher, people.volunteer["manage_token"])["url"]
    cut_off = create_matcher_app(matcher_config.with_overrides(needs_url="http://127.0.0.1:9"))
    assert_contract_error(cut_off.test_client().get(feed_path(url)), 503)
