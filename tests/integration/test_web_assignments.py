"""The assignment pages' buttons against the whole running system (broker, database, mail catcher, the four
services' APIs and workers, the web as its own process), each checked by what the matcher then holds.

A club registers on the web, confirms its address from the mail and is verified by staff; it posts, on the web, a
weekly need that requires a police certificate, with its legal basis, begun three weeks ago on the weekday two
days back. A volunteer signs up on the web, confirms from the mail, is proposed the need by the matcher's worker
and says yes on Min side. Once the club has confirmed, the match's confirmation is moved three weeks back in the
matcher's database, as if it had been made then: an assignment's dates count from the day it was confirmed, and
the test cannot wait weeks for dates behind to record.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from pymongo import MongoClient

from shared.timeslots import OSLO
from tests.conftest import wait_until
from tests.e2e.journeys import confirm_address, register_confirmed_offer
from tests.integration.conftest import offer_body
from tests.integration.test_web_organisation import browser_submit, registration, weekly_need
from tests.integration.test_web_volunteer import signup
from tests.integration.web_fixtures import csrf
from tests.system import ADMIN, running_system

TODAY = datetime.now(OSLO).date()
WEEKDAY = (TODAY - timedelta(days=2)).isoweekday()
PAST = [(TODAY - timedelta(days=days)).isoformat() for days in (2, 9, 16)]
NEXT = (TODAY + timedelta(days=5)).isoformat()
BASIS = "helse- og omsorgstjenesteloven § 5-4"
TITLE = "Besøksvenn med politiattest"


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    with running_system(tmp_path_factory.mktemp("web-assignments")) as running:
        yield running


def staff_get(system, path: str, **params: Any) -> Any:
    response = requests.get(system.url("matcher", path), headers=system.staff(), params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def match_of(system, match_id: str) -> dict[str, Any]:
    return staff_get(system, f"/matches/{match_id}")


def post_form(web: requests.Session, page: requests.Response, action: str, fields: dict) -> requests.Response:
    """Send a form of a page the person has open, with the page's CSRF token."""
    return web.post(urljoin(page, action), data={"csrf_token": csrf(page.text), **fields}, timeout=10)


def urljoin(page: requests.Response, action: str) -> str:
    parts = urlsplit(page.url)
    return f"{parts.scheme}://{parts.netloc}{action}"


@pytest.fixture(scope="module")
def world(system) -> dict[str, Any]:
    """The club and the volunteer, each signed in on the web in a session of their own, and the volunteer's yes
    to the proposal the matcher made: the match waits for the club."""
    club, contact = requests.Session(), registration()
    browser_submit(club, system.url("web", "/organisasjon/registrer"), contact)
    confirm_address(system, contact["contact_email"])
    waiting = requests.get(system.url("needs", "/organisations"), headers=system.staff(),
                           params={"verified": "false", "limit": 200}, timeout=10).json()["items"]
    [organisation] = [o for o in waiting if o["contact"]["email"] == contact["contact_email"]]
    requests.post(system.url("needs", f"/organisations/{organisation['id']}/verify"), headers=system.staff(), timeout=10)
    posted = browser_submit(club, system.url("web", "/vare-behov/nytt"), weekly_need(
        title=TITLE, weekday=str(WEEKDAY), weekly_start="10:00", weekly_end="11:30",
        from_date=(TODAY - timedelta(days=21)).isoformat(), until_date=(TODAY + timedelta(days=120)).isoformat(),
        certificate_basis=BASIS, min_age="", languages=[]))
    assert "Behovet er lagt ut" in posted.text, posted.text
    need = need_of(system, organisation["id"])
    assert need["requirements"]["certificate_basis"] == BASIS

    volunteer, fields = requests.Session(), signup(**{"weekly-0-weekday": str(WEEKDAY), "weekly-0-start_time": "09:00",
                                                      "weekly-0-end_time": "13:00", "max_active_matches": "2"})
    assert "Min side" in browser_submit(volunteer, system.url("web", "/bli-frivillig"), fields).text
    confirm_address(system, fields["email"])
    offer_id = offer_id_of(system, fields["email"])
    [match] = wait_until(lambda: [m for m in staff_get(system, "/matches", offer_id=offer_id)["items"]
                                  if m["need_id"] == need["id"]], timeout=60, message="a proposal to the volunteer")
    home = volunteer.get(system.url("web", "/min-side"), timeout=10)
    said = post_form(volunteer, home, f"/min-side/forslag/{match['id']}", {"answer": "accept"})
    assert "Venter på svar fra organisasjonen" in said.text
    return {"club": club, "volunteer": volunteer, "need": need, "match_id": match["id"], "organisation": organisation,
            "offer_id": offer_id}


def need_of(system, organisation_id: str) -> dict[str, Any]:
    with MongoClient(system.stack.env["MONGODB_URI"]) as client:
        stored = client.needs.needs.find_one({"organisation_id": organisation_id, "title": TITLE})
    return requests.get(system.url("needs", f"/needs/{stored['_id']}"), headers=system.staff(), timeout=10).json()


def offer_id_of(system, email: str) -> str:
    with MongoClient(system.stack.env["MONGODB_URI"]) as client:
        return client.offers.offers.find_one({"volunteer.email": email})["_id"]


def need_page(world, system) -> requests.Response:
    page = world["club"].get(system.url("web", f"/vare-behov/{world['need']['id']}"), timeout=10)
    assert page.status_code == 200, page.text
    return page


def confirm(world, system, seen_on: str) -> requests.Response:
    page = need_page(world, system)
    return post_form(world["club"], page, f"/vare-behov/kandidat/{world['match_id']}", {
        "answer": "accept", "need_id": world["need"]["id"], "back": "need",
        f"bekreft-{world['match_id']}-certificate_seen_on": seen_on})


@pytest.fixture(scope="module")
def confirmed(world, system) -> dict[str, Any]:
    """The assignment, confirmed by the club on the need's page with the date it saw the certificate."""
    if match_of(system, world["match_id"])["status"] != "confirmed":
        assert "Den frivillige er bekreftet" in confirm(world, system, TODAY.isoformat()).text
    confirmed_weeks_ago(system, world["match_id"])
    return world


def confirmed_weeks_ago(system, match_id: str) -> None:
    """The match as if confirmed three weeks ago (its dates count from then)."""
    with MongoClient(system.stack.env["MONGODB_URI"]) as client:
        client.matcher.matches.update_one({"_id": match_id}, {"$set": {
            "confirmed_at": (datetime.now(OSLO) - timedelta(days=21)).isoformat()}})


def test_the_club_confirms_with_the_date_it_saw_the_police_certificate_and_a_refused_date_is_told(world, system):
    settings = world["club"].get(system.url("web", "/vare-behov/innstillinger"), timeout=10)
    saved = post_form(world["club"], settings, "/vare-behov/innstillinger", {"months": "3"})
    assert "Innstillingen er lagret" in saved.text
    missing = confirm(world, system, "")
    assert missing.status_code == 422 and "Skriv datoen dere så politiattesten." in missing.text
    too_old = confirm(world, system, (TODAY - timedelta(days=400)).isoformat())
    assert too_old.status_code == 422 and "høyst 3 måneder gamle" in too_old.text
    assert match_of(system, world["match_id"])["status"] == "proposed"
    done = confirm(world, system, (TODAY - timedelta(days=1)).strftime("%d.%m.%Y"))
    assert "Den frivillige er bekreftet" in done.text
    match = match_of(system, world["match_id"])
    assert match["status"] == "confirmed"
    assert match["certificate"]["seen_on"] == (TODAY - timedelta(days=1)).isoformat()


def test_the_confirmation_of_purpose_shows_the_organisation_the_role_and_the_legal_basis(confirmed, system):
    home = confirmed["volunteer"].get(system.url("web", "/min-side"), timeout=10)
    [link] = re.findall(r'href="(/min-side/oppdrag/[^"]+/politiattest)"', home.text)
    page = confirmed["volunteer"].get(system.url("web", link), timeout=10)
    assert page.status_code == 200
    for fact in (TITLE, BASIS, confirmed["organisation"]["org_number"], "politiet.no"):
        assert fact in page.text, fact


def test_i_cannot_come_reports_the_date_absent_and_min_side_says_so(confirmed, system):
    home = confirmed["volunteer"].get(system.url("web", "/min-side"), timeout=10)
    action = f"/min-side/oppdrag/{confirmed['match_id']}/forfall/{NEXT}"
    assert f'action="{action}"' in home.text
    after = post_form(confirmed["volunteer"], home, action, {})
    assert "Du har meldt forfall" in after.text and "Meldt forfall" in after.text
    assert f'action="{action}"' not in after.text
    assert match_of(system, confirmed["match_id"])["occurrences"][NEXT]["status"] == "absent"


def test_a_pause_makes_the_dates_in_it_absent(confirmed, system):
    first, last = TODAY + timedelta(days=10), TODAY + timedelta(days=20)
    page = confirmed["volunteer"].get(system.url("web", f"/min-side/oppdrag/{confirmed['match_id']}/pause"), timeout=10)
    refused = post_form(confirmed["volunteer"], page, page.request.path_url,
                        {"from_date": last.isoformat(), "until_date": first.isoformat()})
    assert refused.status_code == 422 and "Den siste dagen må være samme dag som den første eller senere." in refused.text
    done = post_form(confirmed["volunteer"], page, page.request.path_url,
                     {"from_date": first.isoformat(), "until_date": last.isoformat()})
    assert "Du har pause fra" in done.text
    recorded = match_of(system, confirmed["match_id"])["occurrences"]
    paused = [day for day, record in recorded.items() if record.get("reason") == "paused"]
    assert paused and all(first.isoformat() <= day <= last.isoformat() for day in paused)


def test_the_calendar_file_and_feed_come_through_the_web_and_a_new_feed_link_stops_the_old(confirmed, system):
    volunteer = confirmed["volunteer"]
    ics = volunteer.get(system.url("web", f"/min-side/oppdrag/{confirmed['match_id']}/kalender.ics"), timeout=10)
    assert ics.status_code == 200 and ics.headers["Content-Type"].startswith("text/calendar")
    assert f"UID:{confirmed['match_id']}@frivillig.drammen" in ics.text
    page = volunteer.get(system.url("web", "/min-side/kalender"), timeout=10)
    old = re.search(r'id="feed-url"[^>]*value="([^"]+)"', page.text)[1]
    assert re.search(r'href="webcal://[^"]+"', page.text)
    feed = requests.get(system.url("matcher", urlsplit(old).path), timeout=10)
    assert feed.status_code == 200 and confirmed["match_id"] in feed.text
    renew = volunteer.get(system.url("web", "/min-side/kalender/ny-lenke"), timeout=10)
    after = post_form(volunteer, renew, "/min-side/kalender/ny-lenke", {})
    new = re.search(r'id="feed-url"[^>]*value="([^"]+)"', after.text)[1]
    assert "Den gamle virker ikke lenger" in after.text and new != old
    assert requests.get(system.url("matcher", urlsplit(old).path), timeout=10).status_code == 404
    assert requests.get(system.url("matcher", urlsplit(new).path), timeout=10).status_code == 200


def test_the_club_records_attended_and_no_show_for_past_dates_and_the_hours_show(confirmed, system):
    page = need_page(confirmed, system)
    prefix = f"oppmote-{confirmed['match_id']}"
    assert re.search(rf'id="{prefix}-{PAST[0]}-minutes"[^>]*value="90"', page.text)
    base = f"/vare-behov/{confirmed['need']['id']}/frivillig/{confirmed['match_id']}/oppmote"
    refused = post_form(confirmed["club"], page, f"{base}/{PAST[0]}", {"status": "attended",
                                                                       f"{prefix}-{PAST[0]}-minutes": "5000"})
    assert refused.status_code == 422 and "fra 1 til 1440" in refused.text and 'value="5000"' in refused.text
    attended = post_form(confirmed["club"], page, f"{base}/{PAST[0]}", {"status": "attended",
                                                                        f"{prefix}-{PAST[0]}-minutes": "90"})
    assert "Registrert: møtte" in attended.text and "Timer registrert: <strong>1,5</strong>" in attended.text
    post_form(confirmed["club"], page, f"{base}/{PAST[1]}", {"status": "no_show"})
    recorded = match_of(system, confirmed["match_id"])["occurrences"]
    assert (recorded[PAST[0]]["status"], recorded[PAST[0]]["minutes"]) == ("attended", 90)
    assert recorded[PAST[1]]["status"] == "no_show"
    assert "<strong>1,5 timer</strong>" in confirmed["volunteer"].get(system.url("web", "/min-side"), timeout=10).text

    report = confirmed["club"].get(system.url("web", "/vare-behov/timer"),
                                   params={"fra": PAST[2], "til": TODAY.isoformat()}, timeout=10)
    assert report.headers["Content-Type"].startswith("text/csv") and "attachment" in report.headers[
        "Content-Disposition"]
    assert report.content.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel reads UTF-8 by
    [header, row] = report.content.decode("utf-8-sig").strip().splitlines()
    assert header.startswith("Organisasjons-ID;") and row.split(";")[3:7] == ["1", "1", "90", "1,5"]


def test_staff_see_the_hours_in_the_figures_and_download_them(confirmed, system):
    staff = requests.Session()
    browser_submit(staff, system.url("web", "/logg-inn/ansatt"), {"token": ADMIN})
    figures = staff.get(system.url("web", "/ansatt"), timeout=10)
    assert "Oppmøter" in figures.text and "Timer gitt" in figures.text
    csv_file = staff.get(system.url("web", "/ansatt/statistikk.csv"), timeout=10).text
    assert "attended_occurrences" in csv_file.splitlines()[0]
    report = staff.get(system.url("web", "/ansatt/timer"), params={"fra": PAST[2], "til": ""}, timeout=10)
    assert report.status_code == 200 and confirmed["organisation"]["id"] in report.text


def test_the_club_ends_a_second_volunteer_s_assignment_after_a_confirmation_step(confirmed, system):
    offer = register_confirmed_offer(system, offer_body(skills=["visiting_friend"], districts=["fjell"],
                                                        availability=[{"weekday": WEEKDAY, "start_time": "09:00",
                                                                       "end_time": "13:00"}]))
    token = {"Authorization": f"Bearer {offer['manage_token']}"}
    [match] = wait_until(lambda: [m for m in staff_get(system, "/matches", offer_id=offer["id"])["items"]
                                  if m["need_id"] == confirmed["need"]["id"] and not m.get("for_date")],
                         timeout=60, message="a proposal of the need's second place")
    assert requests.post(system.url("matcher", f"/matches/{match['id']}/accept"), headers=token, timeout=10).ok
    list_page = confirmed["club"].get(system.url("web", "/vare-behov"), timeout=10)
    done = post_form(confirmed["club"], list_page, f"/vare-behov/kandidat/{match['id']}", {
        "answer": "accept", "need_id": confirmed["need"]["id"],
        f"bekreft-{match['id']}-certificate_seen_on": TODAY.isoformat()})
    assert "Den frivillige er bekreftet" in done.text and match_of(system, match["id"])["status"] == "confirmed"
    path = f"/vare-behov/{confirmed['need']['id']}/frivillig/{match['id']}/avslutt"
    question = confirmed["club"].get(system.url("web", path), timeout=10)
    assert "Avslutte avtalen?" in question.text and match_of(system, match["id"])["status"] == "confirmed"
    ended = post_form(confirmed["club"], question, path, {})
    assert "er avsluttet" in ended.text
    assert (match_of(system, match["id"])["status"], match_of(system, match["id"])["ended_by"]) == (
        "ended", "organisation")


def test_the_volunteer_ends_the_assignment_after_a_confirmation_step(confirmed, system):
    path = f"/min-side/oppdrag/{confirmed['match_id']}/avslutt"
    question = confirmed["volunteer"].get(system.url("web", path), timeout=10)
    assert "Avslutte oppdraget?" in question.text
    ended = post_form(confirmed["volunteer"], question, path, {})
    assert "Du har avsluttet" in ended.text
    match = match_of(system, confirmed["match_id"])
    assert (match["status"], match["ended_by"]) == ("ended", "volunteer")
