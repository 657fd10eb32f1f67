"""Min side's agreed assignments as rendered from the services' answers, and what each button sends: a date the
volunteer cannot come, the calendar file, a pause, ending, the confirmation of purpose for a police certificate."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from shared.wording import format_when
from services.web.apiclient import ApiError, Download
from services.web.session import VOLUNTEER
from tests.web.fake_api import FakeApi, signed_in, text

OFFER_ID = "0b8e2a4c-5f1d-4c3a-9e7b-2d6f8a1c3e5b"
NEED_ID = "1c9f3b5d-6a2e-4d4b-8f8c-3e7a9b2d4f6c"
ORG_ID = "2d0a4c6e-7b3f-4e5c-9a9d-4f8b0c3e5a7d"
MATCH_ID = "3e1b5d7f-8c4a-4f6d-8b0e-5a9c1d4f6b8e"
PROPOSAL_ID = "4f2c6e8a-9d5b-4a7e-9c1f-6b0d2e5a7c9f"
MATCHES = f"/matches/{MATCH_ID}"


def ahead(days: int) -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=days)


def item(days: int, status: str = "planned", stand_in=None) -> dict:
    start = ahead(days)
    return {"date": start.date().isoformat(), "start": start.isoformat(),
            "end": (start + timedelta(minutes=90)).isoformat(), "status": status, "minutes": 90, "stand_in": stand_in}


def need(**requirements) -> dict:
    return {"id": NEED_ID, "organisation_id": ORG_ID, "status": "open", "title": "Besøksvenn på Fjell",
            "description": "Prate og gå tur.", "district": "fjell",
            "schedule": {"weekday": 2, "start_time": "17:30", "end_time": "19:00"}, "requirements": requirements}


def summary(of: dict) -> dict:
    """The need's summary the matcher gives the volunteer with each match."""
    return {key: of[key] for key in ("title", "description", "district", "schedule")}


def match(match_id: str = MATCH_ID, status: str = "confirmed", **changes) -> dict:
    return {"id": match_id, "need_id": NEED_ID, "offer_id": OFFER_ID, "organisation_id": ORG_ID, "status": status,
            "accepted_by": ["volunteer", "organisation"] if status == "confirmed" else [],
            "expires_at": ahead(2).isoformat(), "updated_at": ahead(-1).isoformat(), "need": summary(need()),
            **changes}


@pytest.fixture
def fake() -> FakeApi:
    fake = FakeApi()
    fake.answers.update({
        ("GET", "offers", f"/offers/{OFFER_ID}"): {"id": OFFER_ID, "status": "open", "max_active_matches": 2,
                                                   "volunteer": {"name": "Kari Nordmann"}, "skills": [],
                                                   "districts": ["fjell"], "availability": []},
        ("GET", "matcher", "/matches"): {"items": [match(attended_minutes=150),
                                                   match("5a3d7f9b-0e6c-4b8f-8d2a-7c1e3f6b8d0a", "ended",
                                                         attended_minutes=75)]},
        ("GET", "needs", f"/needs/{NEED_ID}"): need(),
        ("GET", "needs", f"/organisations/{ORG_ID}"): {"id": ORG_ID, "name": "Drammen kommune",
                                                       "unit": "Fjell bo- og omsorgssenter", "kind": "municipal_service",
                                                       "org_number": "974760673"},
        ("GET", "matcher", f"{MATCHES}/occurrences"): {"items": [
            item(9), item(2, "absent", {"match_id": PROPOSAL_ID, "status": "proposed"}), item(16), item(23)]},
        ("GET", "matcher", MATCHES): match(),
    })
    return fake


@pytest.fixture
def volunteer(fake):
    return signed_in(fake, VOLUNTEER, OFFER_ID)


def test_an_assignment_shows_its_next_three_dates_each_with_a_button_and_an_absent_one_with_its_state(volunteer, fake):
    page = text(volunteer.get("/min-side"))
    buttons = re.findall(rf'action="/min-side/oppdrag/{MATCH_ID}/forfall/(\d{{4}}-\d\d-\d\d)"', page)
    assert buttons == [item(9)["date"], item(16)["date"]]  # the absent date has none; the fourth is not shown
    assert "Meldt forfall" in page and "Vi spør en annen frivillig." in page
    assert "vi spør en annen frivillig om å ta akkurat den dagen" in page  # what pressing it does
    asked = fake.sent("GET", f"{MATCHES}/occurrences")[0]
    assert (date.fromisoformat(asked["to"]) - date.fromisoformat(asked["from"])).days == 365  # within the limit


@pytest.mark.parametrize(("stand_in", "said"), [
    ({"match_id": PROPOSAL_ID, "status": "confirmed"}, "En annen frivillig kommer denne dagen."),
    ({"match_id": PROPOSAL_ID, "status": "expired"}, "Vi har ikke funnet en annen frivillig."),
    (None, "Organisasjonen har fått beskjed."),
])
def test_an_absent_date_says_what_became_of_the_stand_in(volunteer, fake, stand_in, said):
    fake.answers[("GET", "matcher", f"{MATCHES}/occurrences")] = {"items": [item(2, "absent", stand_in)]}
    assert said in text(volunteer.get("/min-side"))


def test_the_hours_given_add_up_the_attended_minutes_of_every_match(volunteer):
    page = text(volunteer.get("/min-side"))
    assert "<strong>3,8 timer</strong>" in page  # (150 + 75) / 60


def test_the_assignment_links_to_its_calendar_file_a_pause_ending_it_and_the_calendar_feed(volunteer):
    page = text(volunteer.get("/min-side"))
    for path in (f"/min-side/oppdrag/{MATCH_ID}/kalender.ics", f"/min-side/oppdrag/{MATCH_ID}/pause",
                 f"/min-side/oppdrag/{MATCH_ID}/avslutt", "/min-side/kalender"):
        assert f'href="{path}"' in page, path


def test_without_the_dates_from_the_matcher_the_schedule_s_dates_are_shown_without_buttons(volunteer, fake):
    fake.answers[("GET", "matcher", f"{MATCHES}/occurrences")] = ApiError(404, "not_found")
    page = text(volunteer.get("/min-side"))
    assert "/forfall/" not in page and "Neste gang" in page and "Vi får ikke hentet hva som er meldt" in page


def test_a_stand_in_proposal_says_it_is_for_one_day_only_and_names_that_day(volunteer, fake):
    day = ahead(6).date()
    day += timedelta(days=(1 - day.weekday()) % 7)  # a Tuesday, the need's weekday
    fake.answers[("GET", "matcher", "/matches")] = {"items": [match(PROPOSAL_ID, "proposed", for_date=day.isoformat(),
                                                                    stands_in_for=MATCH_ID)]}
    page = text(volunteer.get("/min-side"))
    assert "Gjelder bare én dag." in page and "Den faste frivillige kan ikke komme" in page
    assert f"{day.day}. " in page and "kl. 17.30–19.00" in page and "tirsdager" not in page


def test_an_agreed_stand_in_says_nothing_of_an_assignment_going_on_as_before(volunteer, fake):
    fake.answers[("GET", "matcher", "/matches")] = {"items": [match(for_date=ahead(9).date().isoformat(),
                                                                    stands_in_for=PROPOSAL_ID)]}
    fake.answers[("GET", "matcher", f"{MATCHES}/occurrences")] = {"items": [item(9)]}
    page = text(volunteer.get("/min-side"))
    assert "Jeg kan ikke komme" in page and "Kan du ikke komme likevel" in page
    assert "fortsetter som før" not in page
    assert f"/min-side/oppdrag/{MATCH_ID}/avslutt" not in page  # one date: said absent, never ended


def test_earlier_matches_read_by_status_and_a_stand_in_folded_into_the_standing_match_is_not_cancelled(
        volunteer, fake):
    fake.answers[("GET", "matcher", "/matches")] = {"items": [
        match(PROPOSAL_ID, "cancelled", for_date=ahead(-3).date().isoformat(), stands_in_for=MATCH_ID,
              cancel_reason="covered_by_assignment"),
        match(status="ended")]}
    page = text(volunteer.get("/min-side"))
    earlier = page[page.index("Tidligere"):]
    assert "datoen ble en del av det faste oppdraget ditt" in earlier and "avsluttet" in earlier
    assert "avlyst" not in earlier
    assert "Du har ingen avtalte oppdrag nå." in page and "ennå" not in page[:page.index("Tidligere")]


def test_a_proposal_for_a_need_requiring_a_police_certificate_links_to_the_confirmation_of_purpose(volunteer, fake):
    fake.answers[("GET", "needs", f"/needs/{NEED_ID}")] = need(police_certificate=True,
                                                                 certificate_basis="helse- og omsorgstjenesteloven § 5-4")
    fake.answers[("GET", "matcher", "/matches")] = {"items": [match(PROPOSAL_ID, "proposed")]}
    fake.answers[("GET", "matcher", f"/matches/{PROPOSAL_ID}")] = match(PROPOSAL_ID, "proposed")
    link = f"/min-side/oppdrag/{PROPOSAL_ID}/politiattest"
    assert f'href="{link}"' in text(volunteer.get("/min-side"))
    page = text(volunteer.get(link))
    for fact in ("Bekreftelse på formål", "Fjell bo- og omsorgssenter (Drammen kommune)", "974760673",
                 "Besøksvenn på Fjell", "Prate og gå tur.", "helse- og omsorgstjenesteloven § 5-4",
                 "https://www.politiet.no/tjenester/politiattest/"):
        assert fact in page, fact


def test_an_agreed_assignment_is_shown_from_its_match_and_the_need_s_summary_without_reading_the_public_need(
        volunteer, fake):
    fake.answers[("GET", "matcher", "/matches")] = {"items": [
        match(certificate={"seen_on": "2026-01-05", "role": "Besøksvenn på Fjell"})]}
    page = text(volunteer.get("/min-side"))
    for fact in ("Besøksvenn på Fjell", "Fjell bo- og omsorgssenter (Drammen kommune)", "tirsdager kl. 17.30–19.00",
                 f'href="/min-side/oppdrag/{MATCH_ID}/politiattest"'):
        assert fact in page, fact
    assert fake.sent("GET", f"/needs/{NEED_ID}") == []


def test_the_confirmation_of_purpose_is_not_found_for_a_need_that_requires_no_certificate(volunteer):
    assert volunteer.get(f"/min-side/oppdrag/{MATCH_ID}/politiattest").status_code == 404


def test_i_cannot_come_reports_the_date_absent_and_says_what_happens(volunteer, fake):
    day = item(9)["date"]
    fake.answers[("PUT", "matcher", f"{MATCHES}/occurrences/{day}")] = item(9, "absent")
    page = text(volunteer.post(f"/min-side/oppdrag/{MATCH_ID}/forfall/{day}", follow_redirects=True))
    assert fake.sent("PUT", f"{MATCHES}/occurrences/{day}") == [{"status": "absent"}]
    assert "Du har meldt forfall" in page and "Organisasjonen får beskjed, og vi spør en annen frivillig" in page


@pytest.mark.parametrize("day", ["2026-02-30", "2026-2-3", "i-morgen", "20261208"])
def test_a_date_that_is_not_one_is_the_not_found_page_and_nothing_is_sent(volunteer, fake, day):
    assert volunteer.post(f"/min-side/oppdrag/{MATCH_ID}/forfall/{day}").status_code == 404
    assert not [call for call in fake.calls if call[0] == "PUT"]


def test_a_date_that_has_begun_is_refused_in_plain_words(volunteer, fake):
    day = item(9)["date"]
    fake.answers[("PUT", "matcher", f"{MATCHES}/occurrences/{day}")] = ApiError(409, "conflict")
    response = volunteer.post(f"/min-side/oppdrag/{MATCH_ID}/forfall/{day}", follow_redirects=True)
    assert response.status_code == 200 and "Du kan ikke melde forfall" in text(response)


def test_the_calendar_file_is_fetched_with_the_volunteer_s_token_and_handed_over_as_a_download(volunteer, fake):
    fake.answers[("GET", "matcher", f"{MATCHES}/calendar.ics")] = Download(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                                                                            "text/calendar; charset=utf-8")
    response = volunteer.get(f"/min-side/oppdrag/{MATCH_ID}/kalender.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data.startswith(b"BEGIN:VCALENDAR")


def test_a_pause_sends_both_dates_and_says_what_happens(volunteer, fake):
    fake.answers[("POST", "matcher", f"{MATCHES}/pause")] = match()
    page = text(volunteer.post(f"/min-side/oppdrag/{MATCH_ID}/pause",
                               data={"from_date": "2026-07-01", "until_date": "21.7.2026"}, follow_redirects=True))
    assert fake.sent("POST", f"{MATCHES}/pause") == [{"from": "2026-07-01", "until": "2026-07-21"}]
    assert "Du har pause fra 1.7.2026 til 21.7.2026" in page


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"from_date": "2026-02-30", "until_date": "2026-03-10"}, "from_date", "Skriv datoen som dd.mm.åååå"),
    ({"from_date": "", "until_date": "2026-03-10"}, "from_date", "Skriv den første dagen med pause."),
])
def test_a_pause_with_a_date_that_cannot_be_read_is_told_beside_the_field_and_sends_nothing(volunteer, fake, fields,
                                                                                            field, message):
    response = volunteer.post(f"/min-side/oppdrag/{MATCH_ID}/pause", data=fields)
    page = text(response)
    assert response.status_code == 422 and f'<a href="#{field}">{message}' in page
    assert f'value="{fields["until_date"]}"' in page and not fake.sent("POST", f"{MATCHES}/pause")


@pytest.mark.parametrize(("until", "field", "message"), [
    ("2026-06-30", "until_date", "Den siste dagen må være samme dag som den første eller senere."),
    ("2027-12-31", "until_date", "En pause kan vare høyst ett år."),
    ("2026-07-10", "from_date", "Ingen av de kommende datoene i oppdraget ligger i denne perioden."),
])
def test_a_pause_the_matcher_refuses_is_told_in_plain_words_beside_the_field(volunteer, fake, until, field, message):
    fake.answers[("POST", "matcher", f"{MATCHES}/pause")] = ApiError(422, "invalid", fields={"until": ["x"]})
    response = volunteer.post(f"/min-side/oppdrag/{MATCH_ID}/pause",
                              data={"from_date": "2026-07-01", "until_date": until})
    assert response.status_code == 422 and f'<a href="#{field}">{message}</a>' in text(response)


def test_ending_asks_first_then_ends_the_assignment(volunteer, fake):
    page = text(volunteer.get(f"/min-side/oppdrag/{MATCH_ID}/avslutt"))
    assert "Avslutte oppdraget?" in page and "Ja, avslutt oppdraget" in page and not fake.sent("POST", f"{MATCHES}/end")
    fake.answers[("POST", "matcher", f"{MATCHES}/end")] = match(status="ended")
    done = text(volunteer.post(f"/min-side/oppdrag/{MATCH_ID}/avslutt", follow_redirects=True))
    assert fake.sent("POST", f"{MATCHES}/end") == [None] and "Du har avsluttet «Besøksvenn på Fjell»" in done


def test_someone_else_s_assignment_is_not_found(volunteer, fake):
    fake.answers[("GET", "matcher", MATCHES)] = ApiError(403, "forbidden")
    assert volunteer.get(f"/min-side/oppdrag/{MATCH_ID}/pause").status_code == 404
    assert volunteer.get(f"/min-side/oppdrag/{MATCH_ID}/avslutt").status_code == 404


def test_the_calendar_feed_page_gives_both_links_and_a_new_link_is_made_after_a_confirmation(volunteer, fake):
    fake.answers[("GET", "matcher", "/calendar-feed")] = {"url": "https://example.no/calendar/abc.ics",
                                                          "webcal_url": "webcal://example.no/calendar/abc.ics"}
    page = text(volunteer.get("/min-side/kalender"))
    assert 'href="webcal://example.no/calendar/abc.ics"' in page and 'value="https://example.no/calendar/abc.ics"' in page
    assert "Google" in page and "Outlook" in page and "Apple" in page
    assert "Den gamle lenken slutter å virke" in text(volunteer.get("/min-side/kalender/ny-lenke"))
    assert not fake.sent("POST", "/calendar-feed/renew")
    fake.answers[("POST", "matcher", "/calendar-feed/renew")] = {"url": "https://example.no/calendar/new.ics"}
    done = text(volunteer.post("/min-side/kalender/ny-lenke", follow_redirects=True))
    assert fake.sent("POST", "/calendar-feed/renew") == [None] and "Den gamle virker ikke lenger" in done


def one_off(start: datetime, hours: int = 4) -> dict:
    """A one-off need's summary, as the matcher gives it with the match."""
    end = start + timedelta(hours=hours)
    return {"title": "Julemarked: vaffelsteking", "description": "Steke vafler i boden ved kirken.",
            "district": "fjell", "schedule": {"start": start.isoformat(), "end": end.isoformat()}}


@pytest.mark.parametrize("begun_hours_ago", [1, 24 * 7], ids=["under way", "behind it"])
def test_a_one_off_assignment_whose_need_is_over_keeps_its_title_where_and_when_and_offers_no_pause_or_end(
        volunteer, fake, begun_hours_ago):
    start = ahead(0) - timedelta(hours=begun_hours_ago)
    fake.answers[("GET", "needs", f"/needs/{NEED_ID}")] = ApiError(401, "unauthorized")  # closed as over
    fake.answers[("GET", "matcher", "/matches")] = {"items": [match(need=one_off(start))]}
    fake.answers[("GET", "matcher", f"{MATCHES}/occurrences")] = {"items": []}
    page = text(volunteer.get("/min-side"))
    agreed = page[page.index("Avtalte oppdrag"):page.index("Timer du har gitt")]
    assert "<h3>Julemarked: vaffelsteking</h3>" in agreed and "ikke lenger åpent" not in agreed
    assert "<p>Steke vafler i boden ved kirken.</p>" in agreed
    assert "Danvik, Austad og Fjell" in agreed and "Fjell bo- og omsorgssenter (Drammen kommune)" in agreed
    when = format_when({"start": start.isoformat(), "end": (start + timedelta(hours=4)).isoformat()}, "nb")
    assert f"<dd>{when}</dd>" in agreed and "Oppdraget har ingen flere datoer." in agreed
    assert f"/min-side/oppdrag/{MATCH_ID}/pause" not in page and f"/min-side/oppdrag/{MATCH_ID}/avslutt" not in page
    assert "/forfall/" not in page


def test_an_assignment_whose_dates_are_ahead_still_offers_a_pause_and_an_end(volunteer, fake):
    far = one_off(ahead(400), hours=24)  # beyond the matcher's year of dates
    fake.answers[("GET", "matcher", "/matches")] = {"items": [match(need=far)]}
    fake.answers[("GET", "matcher", f"{MATCHES}/occurrences")] = {"items": []}
    page = text(volunteer.get("/min-side"))
    assert f'href="/min-side/oppdrag/{MATCH_ID}/pause"' in page and f'href="/min-side/oppdrag/{MATCH_ID}/avslutt"' in page


def test_an_assignment_the_matcher_could_not_summarise_the_need_of_says_so_and_keeps_its_dates(volunteer, fake):
    fake.answers[("GET", "matcher", "/matches")] = {"items": [{k: v for k, v in match().items() if k != "need"}]}
    page = text(volunteer.get("/min-side"))
    agreed = page[page.index("Avtalte oppdrag"):page.index("Timer du har gitt")]
    assert "<h3>Et oppdrag</h3>" in agreed and "Vi får ikke hentet detaljene om oppdraget akkurat nå" in agreed
    assert f"/min-side/oppdrag/{MATCH_ID}/forfall/{item(9)['date']}" in agreed  # not taken for over
    assert f'href="/min-side/oppdrag/{MATCH_ID}/pause"' in agreed and "ingen flere datoer" not in agreed


def test_pausing_and_ending_name_the_assignment_from_its_summary_once_the_need_is_no_longer_public(volunteer, fake):
    fake.answers[("GET", "needs", f"/needs/{NEED_ID}")] = ApiError(401, "unauthorized")
    for path in ("pause", "avslutt"):
        assert '<p class="meta">Besøksvenn på Fjell</p>' in text(volunteer.get(f"/min-side/oppdrag/{MATCH_ID}/{path}"))
