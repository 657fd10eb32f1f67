"""The organisation's need page as rendered from the services' answers, and what its forms send: confirming with
the date a police certificate was seen, Møtte / Møtte ikke for a past date, ending an assignment, the oldest
certificate accepted, and the hours report for organisations and staff."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from services.web.apiclient import ApiError, Download
from services.web.session import ORGANISATION, STAFF
from tests.web.fake_api import FakeApi, signed_in, text

ORG_ID = "2d0a4c6e-7b3f-4e5c-9a9d-4f8b0c3e5a7d"
NEED_ID = "1c9f3b5d-6a2e-4d4b-8f8c-3e7a9b2d4f6c"
CONFIRMED_ID = "3e1b5d7f-8c4a-4f6d-8b0e-5a9c1d4f6b8e"
CANDIDATE_ID = "4f2c6e8a-9d5b-4a7e-9c1f-6b0d2e5a7c9f"
PAST = (datetime.now(timezone.utc) - timedelta(days=6)).replace(microsecond=0)
DAY = PAST.date().isoformat()
RECORD = f"/vare-behov/{NEED_ID}/frivillig/{CONFIRMED_ID}/oppmote/{DAY}"
ANSWER = f"/vare-behov/kandidat/{CANDIDATE_ID}"


def occurrence(status: str = "unrecorded", minutes: int = 90) -> dict:
    return {"date": DAY, "start": PAST.isoformat(), "end": (PAST + timedelta(minutes=90)).isoformat(),
            "status": status, "minutes": minutes, "stand_in": None}


@pytest.fixture
def fake() -> FakeApi:
    fake = FakeApi()
    fake.answers.update({
        ("GET", "needs", f"/needs/{NEED_ID}"): {
            "id": NEED_ID, "organisation_id": ORG_ID, "status": "open", "title": "Besøksvenn", "district": "fjell",
            "schedule": {"weekday": 2, "start_time": "17:30", "end_time": "19:00"}, "volunteers_needed": 2,
            "requirements": {"police_certificate": True}},
        ("GET", "needs", "/organisations/me"): {"id": ORG_ID, "name": "Fjell bo- og omsorgssenter", "verified": True,
                                                "contact_confirmed": True, "certificate_max_age_months": 3},
        ("GET", "needs", "/organisations/me/needs"): {"items": [], "total": 0},
        ("GET", "matcher", "/matches"): {"items": [
            {"id": CONFIRMED_ID, "need_id": NEED_ID, "status": "confirmed", "attended_minutes": 180,
             "certificate": {"seen_on": "2026-01-05"}},
            {"id": CANDIDATE_ID, "need_id": NEED_ID, "status": "proposed", "accepted_by": ["volunteer"],
             "expires_at": (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()}]},
        ("GET", "matcher", f"/matches/{CONFIRMED_ID}/contact"): {"volunteer": {"name": "Kari Nordmann"}},
        ("GET", "matcher", f"/matches/{CANDIDATE_ID}/contact"): {"volunteer": {"name": "Per Hansen"}},
        ("GET", "matcher", f"/matches/{CONFIRMED_ID}/occurrences"): {"items": [occurrence()]},
        ("GET", "matcher", f"/matches/{CONFIRMED_ID}"): {"id": CONFIRMED_ID, "need_id": NEED_ID, "status": "confirmed"},
    })
    return fake


@pytest.fixture
def organisation(fake):
    return signed_in(fake, ORGANISATION, ORG_ID)


def field_id(prefix: str, name: str) -> str:
    return f"{prefix}-{name}"


def test_the_need_page_offers_each_past_date_to_record_with_the_slot_s_minutes_filled_in(organisation):
    page = text(organisation.get(f"/vare-behov/{NEED_ID}"))
    minutes = field_id(f"oppmote-{CONFIRMED_ID}-{DAY}", "minutes")
    assert re.search(rf'<input[^>]*id="{minutes}"[^>]*value="90"', page)
    assert f'action="{RECORD}"' in page and 'value="attended"' in page and 'value="no_show"' in page
    assert "Timer registrert: <strong>3</strong>" in page and "Kari Nordmann" in page
    assert f'href="/vare-behov/{NEED_ID}/frivillig/{CONFIRMED_ID}/avslutt"' in page


@pytest.mark.parametrize(("recorded", "said"), [(occurrence("attended", 75), "Møtte, 75 minutter"),
                                                (occurrence("no_show"), "Møtte ikke"),
                                                (occurrence("absent"), "Meldt forfall")])
def test_a_recorded_date_shows_what_was_recorded_and_no_form(organisation, fake, recorded, said):
    fake.answers[("GET", "matcher", f"/matches/{CONFIRMED_ID}/occurrences")] = {"items": [recorded]}
    page = text(organisation.get(f"/vare-behov/{NEED_ID}"))
    assert said in page and f'action="{RECORD}"' not in page


def test_attended_sends_the_minutes_typed_and_no_show_sends_none(organisation, fake):
    fake.answers[("PUT", "matcher", f"/matches/{CONFIRMED_ID}/occurrences/{DAY}")] = occurrence("attended")
    prefix = f"oppmote-{CONFIRMED_ID}-{DAY}"
    done = organisation.post(RECORD, data={"status": "attended", f"{prefix}-minutes": " 120 "}, follow_redirects=True)
    assert "Registrert: møtte" in text(done) and "120 minutter" in text(done)
    organisation.post(RECORD, data={"status": "no_show", f"{prefix}-minutes": "90"})
    assert fake.sent("PUT", f"/matches/{CONFIRMED_ID}/occurrences/{DAY}") == [
        {"status": "attended", "minutes": 120}, {"status": "no_show"}]


@pytest.mark.parametrize(("minutes", "message"), [
    ("halvannen time", "Skriv minuttene som et helt tall, for eksempel 90."),
    ("-5", "Skriv minuttene som et helt tall, for eksempel 90."),
    ("9" * 5000, "Skriv et antall minutter fra 1 til 1440 (ett døgn)."),
    ("", "Skriv hvor mange minutter."),
])
def test_minutes_that_cannot_be_used_are_told_beside_the_field_and_nothing_is_sent(organisation, fake, minutes, message):
    prefix = f"oppmote-{CONFIRMED_ID}-{DAY}"
    response = organisation.post(RECORD, data={"status": "attended", f"{prefix}-minutes": minutes})
    page = text(response)
    assert response.status_code == 422 and f'<a href="#{prefix}-minutes">{message}</a>' in page
    assert not fake.sent("PUT", f"/matches/{CONFIRMED_ID}/occurrences/{DAY}")


def test_minutes_the_matcher_refuses_are_told_beside_the_field_with_the_input_kept(organisation, fake):
    fake.answers[("PUT", "matcher", f"/matches/{CONFIRMED_ID}/occurrences/{DAY}")] = ApiError(
        422, "invalid", fields={"minutes": ["Must be between 1 and 1440."]})
    prefix = f"oppmote-{CONFIRMED_ID}-{DAY}"
    response = organisation.post(RECORD, data={"status": "attended", f"{prefix}-minutes": "2000"})
    assert response.status_code == 422 and "fra 1 til 1440" in text(response) and 'value="2000"' in text(response)


@pytest.mark.parametrize(("path", "data"), [
    (f"/vare-behov/{NEED_ID}/frivillig/{CONFIRMED_ID}/oppmote/2026-02-30", {"status": "no_show"}),
    (RECORD, {"status": "late"}),
    (f"/vare-behov/{NEED_ID}/frivillig/not-an-id/oppmote/{DAY}", {"status": "no_show"}),
])
def test_an_unknown_date_status_or_id_is_the_not_found_page(organisation, fake, path, data):
    assert organisation.post(path, data=data).status_code == 404
    assert not [call for call in fake.calls if call[0] == "PUT"]


def test_a_date_not_begun_yet_is_refused_in_plain_words(organisation, fake):
    fake.answers[("PUT", "matcher", f"/matches/{CONFIRMED_ID}/occurrences/{DAY}")] = ApiError(409, "conflict")
    response = organisation.post(RECORD, data={"status": "no_show"}, follow_redirects=True)
    assert response.status_code == 200 and "kan ikke registreres" in text(response)


def test_a_need_requiring_a_certificate_asks_for_the_date_it_was_seen_on_both_pages(organisation, fake):
    fake.answers[("GET", "needs", "/organisations/me/needs")] = {
        "items": [fake.answers[("GET", "needs", f"/needs/{NEED_ID}")]], "total": 1}
    label = "Dato dere så politiattesten"
    for path in (f"/vare-behov/{NEED_ID}", "/vare-behov"):
        page = text(organisation.get(path))
        assert f'for="bekreft-{CANDIDATE_ID}-certificate_seen_on">{label}' in page, path
        assert "høyst 3 måneder gammel" in page


def test_the_certificate_date_field_says_the_organisation_s_limit_up_front_and_a_refusal_follows_the_error_pattern(
        organisation, fake):
    name = f"bekreft-{CANDIDATE_ID}-certificate_seen_on"
    before = text(organisation.get(f"/vare-behov/{NEED_ID}"))
    assert re.search(rf'<p class="hint" id="{name}-hint">[^<]*høyst 3 måneder gammel', before)
    assert re.search(rf'<input aria-describedby="{name}-hint" class="input input--date" id="{name}"', before)
    fake.answers[("POST", "matcher", f"/matches/{CANDIDATE_ID}/accept")] = ApiError(
        422, "invalid", fields={"certificate_seen_on": ["refused"]})
    page = text(organisation.post(ANSWER, data={"answer": "accept", "need_id": NEED_ID, name: "2020-01-05"}))
    message = "Politiattesten er for gammel. Dere godtar attester som er høyst 3 måneder gamle."
    assert re.search(r'<div class="error-summary"[^>]*role="alert" tabindex="-1" autofocus', page)
    assert f'<p class="error-message" id="{name}-error"><span class="visually-hidden">Feil: </span>{message}</p>' in page
    assert re.search(rf'<input aria-describedby="{name}-hint {name}-error" aria-invalid="true" '
                     rf'class="input input--date" id="{name}" name="{name}" type="date" value="2020-01-05">', page)


def test_a_need_that_is_over_keeps_its_volunteers_dates_to_record_and_offers_no_end(organisation, fake):
    start = PAST.astimezone(timezone.utc)
    fake.answers[("GET", "needs", f"/needs/{NEED_ID}")] = {
        **fake.answers[("GET", "needs", f"/needs/{NEED_ID}")], "status": "closed",
        "schedule": {"start": start.isoformat(), "end": (start + timedelta(minutes=90)).isoformat()}}
    fake.answers[("GET", "matcher", "/matches")]["items"][1]["status"] = "cancelled"
    fake.answers[("GET", "needs", "/organisations/me/needs")] = {
        "items": [fake.answers[("GET", "needs", f"/needs/{NEED_ID}")]], "total": 1}
    page = text(organisation.get(f"/vare-behov/{NEED_ID}"))
    assert "Kari Nordmann" in page and f'action="{RECORD}"' in page and "Ingen frivillige er bekreftet" not in page
    assert "/avslutt" not in page and "Per Hansen" not in page
    listing = text(organisation.get("/vare-behov"))
    assert "Kari Nordmann" in listing and ">Registrer oppmøte<" in listing


def test_a_confirmed_stand_in_is_marked_as_one_date_and_offers_no_end(organisation, fake):
    stand_in = fake.answers[("GET", "matcher", "/matches")]["items"][0]
    stand_in.update(for_date=DAY, stands_in_for=CANDIDATE_ID)
    fake.answers[("GET", "matcher", f"/matches/{CONFIRMED_ID}")].update(for_date=DAY)
    fake.answers[("GET", "needs", "/organisations/me/needs")] = {
        "items": [fake.answers[("GET", "needs", f"/needs/{NEED_ID}")]], "total": 1}
    page = text(organisation.get(f"/vare-behov/{NEED_ID}"))
    assert "Kari Nordmann" in page and "/avslutt" not in page
    listing = text(organisation.get("/vare-behov"))
    assert "Én dag:" in listing and ">Registrer oppmøte<" in listing
    done = text(organisation.post(f"/vare-behov/{NEED_ID}/frivillig/{CONFIRMED_ID}/avslutt", follow_redirects=True))
    assert "ingenting å avslutte" in done and not fake.sent("POST", f"/matches/{CONFIRMED_ID}/end")


def test_confirming_sends_the_date_the_certificate_was_seen(organisation, fake):
    fake.answers[("POST", "matcher", f"/matches/{CANDIDATE_ID}/accept")] = {"id": CANDIDATE_ID, "status": "confirmed"}
    response = organisation.post(ANSWER, data={"answer": "accept", "need_id": NEED_ID, "back": "need",
                                               f"bekreft-{CANDIDATE_ID}-certificate_seen_on": "20.1.2026"})
    assert response.status_code == 302 and response.headers["Location"] == f"/vare-behov/{NEED_ID}"
    assert fake.sent("POST", f"/matches/{CANDIDATE_ID}/accept") == [{"certificate_seen_on": "2026-01-20"}]


def test_a_certificate_seen_on_the_candidate_s_stand_in_is_named_in_the_hint_and_confirming_with_the_field_empty_uses_it(
        organisation, fake):
    fake.answers[("GET", "matcher", "/matches")]["items"][1]["certificate_seen_before"] = "2026-01-10"
    fake.answers[("GET", "needs", "/organisations/me/needs")] = {
        "items": [fake.answers[("GET", "needs", f"/needs/{NEED_ID}")]], "total": 1}
    name = f"bekreft-{CANDIDATE_ID}-certificate_seen_on"
    for path in (f"/vare-behov/{NEED_ID}", "/vare-behov"):
        page = text(organisation.get(path))
        hint = re.search(rf'<p class="hint" id="{name}-hint">([^<]*)</p>', page).group(1)
        assert hint.startswith("Oppdraget krever politiattest. Dere så attesten til denne frivillige 10.1.2026 (som "
                               "avløser). La feltet stå tomt for å bruke den, eller skriv datoen dere så en nyere."), path
        assert "høyst 3 måneder gammel" in hint and "skriv datoen dere så den" not in hint
        assert "required" not in re.search(rf'<input [^>]*id="{name}"[^>]*>', page).group(0)
    english = text(organisation.get(f"/vare-behov/{NEED_ID}?lang=en"))
    assert ("You saw this volunteer&#39;s certificate on 2026-01-10 (as a stand-in). Leave the field empty to use it, "
            "or enter the date you saw a newer one.") in english
    fake.answers[("POST", "matcher", f"/matches/{CANDIDATE_ID}/accept")] = {"id": CANDIDATE_ID, "status": "confirmed"}

    response = organisation.post(ANSWER, data={"answer": "accept", "need_id": NEED_ID, "back": "need", name: ""})

    assert response.status_code == 302 and response.headers["Location"] == f"/vare-behov/{NEED_ID}"
    assert fake.sent("POST", f"/matches/{CANDIDATE_ID}/accept") == [None]


@pytest.mark.parametrize(("seen_on", "message"), [
    ("", "Skriv datoen dere så politiattesten."),
    ((date.today() + timedelta(days=3)).isoformat(), "Datoen kan ikke være fram i tid."),
    ("2020-01-05", "Politiattesten er for gammel. Dere godtar attester som er høyst 3 måneder gamle."),
])
def test_a_date_the_matcher_refuses_is_told_beside_the_field_on_the_need_s_page(organisation, fake, seen_on, message):
    fake.answers[("POST", "matcher", f"/matches/{CANDIDATE_ID}/accept")] = ApiError(
        422, "invalid", fields={"certificate_seen_on": ["refused"]})
    name = f"bekreft-{CANDIDATE_ID}-certificate_seen_on"
    response = organisation.post(ANSWER, data={"answer": "accept", "need_id": NEED_ID, name: seen_on})
    page = text(response)
    assert response.status_code == 422 and f'<a href="#{name}">{message}</a>' in page
    assert f'value="{seen_on}"' in page if seen_on else True
    assert "<h1>Besøksvenn</h1>" in page


def test_a_date_that_cannot_be_read_is_told_without_asking_the_matcher(organisation, fake):
    name = f"bekreft-{CANDIDATE_ID}-certificate_seen_on"
    response = organisation.post(ANSWER, data={"answer": "accept", "need_id": NEED_ID, name: "2026-02-30"})
    assert response.status_code == 422 and "Skriv datoen som dd.mm.åååå" in text(response)
    assert not fake.sent("POST", f"/matches/{CANDIDATE_ID}/accept")


def test_ending_asks_first_then_ends_and_says_the_place_is_open_again(organisation, fake):
    path = f"/vare-behov/{NEED_ID}/frivillig/{CONFIRMED_ID}/avslutt"
    page = text(organisation.get(path))
    assert "Avslutte avtalen?" in page and "Kari Nordmann" in page
    fake.answers[("POST", "matcher", f"/matches/{CONFIRMED_ID}/end")] = {"id": CONFIRMED_ID, "status": "ended"}
    done = text(organisation.post(path, follow_redirects=True))
    assert fake.sent("POST", f"/matches/{CONFIRMED_ID}/end") == [None]
    assert "Avtalen med Kari Nordmann er avsluttet" in done and "Plassen er ledig igjen" in done


def test_the_certificate_age_setting_is_shown_and_saved_empty_for_no_limit(organisation, fake):
    assert re.search(r'<input[^>]*id="months"[^>]*value="3"', text(organisation.get("/vare-behov/innstillinger")))
    fake.answers[("PATCH", "needs", f"/organisations/{ORG_ID}")] = {"id": ORG_ID}
    organisation.post("/vare-behov/innstillinger", data={"months": "12"})
    organisation.post("/vare-behov/innstillinger", data={"months": ""})
    assert fake.sent("PATCH", f"/organisations/{ORG_ID}") == [{"certificate_max_age_months": 12},
                                                               {"certificate_max_age_months": None}]


@pytest.mark.parametrize("months", ["tre", "1" * 4000])
def test_a_certificate_age_that_is_not_a_number_of_months_is_told_beside_the_field(organisation, fake, months):
    response = organisation.post("/vare-behov/innstillinger", data={"months": months})
    assert response.status_code == 422 and '<a href="#months">Skriv et helt antall måneder' in text(response)
    assert not fake.sent("PATCH", f"/organisations/{ORG_ID}")


def test_a_certificate_age_the_needs_service_refuses_is_told_beside_the_field(organisation, fake):
    fake.answers[("PATCH", "needs", f"/organisations/{ORG_ID}")] = ApiError(
        422, "invalid", fields={"certificate_max_age_months": ["Must be between 1 and 120."]})
    response = organisation.post("/vare-behov/innstillinger", data={"months": "500"})
    assert response.status_code == 422 and 'value="500"' in text(response)


CSV = Download(b"organisation_id,organisation_name,district,attended,no_show,minutes,hours,volunteers\r\n"
               b'2d0a4c6e,"Fjell bo- og omsorgssenter (Drammen kommune)",fjell,3,1,225,3.8,2\r\n'
               b"7f1e2d3c,'=Lag; med semikolon,bragernes,1,0,90,1.5,1\r\n",
               "text/csv; charset=utf-8")


@pytest.mark.parametrize(("kind", "path"), [(ORGANISATION, "/vare-behov/timer"), (STAFF, "/ansatt/timer")])
def test_the_hours_report_is_passed_on_as_a_csv_download_for_the_dates_chosen(fake, kind, path):
    client = signed_in(fake, kind, ORG_ID if kind == ORGANISATION else None)
    form = text(client.get(path))
    assert f'value="{date.today().year}-01-01"' in form and "Last ned timer (CSV)" in form
    fake.answers[("GET", "matcher", "/reports/hours.csv")] = CSV
    response = client.get(f"{path}?fra=1.3.2026&til=2026-03-31")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="timer-2026-03-01-2026-03-31.csv"' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbfOrganisasjons-ID;")
    assert fake.sent("GET", "/reports/hours.csv") == [{"from": "2026-03-01", "to": "2026-03-31"}]


@pytest.mark.parametrize(("lang", "header"), [
    ("nb", "Organisasjons-ID;Organisasjon;Bydel;Oppmøter;Ikke møtt;Minutter;Timer;Frivillige"),
    ("en", "Organisation ID;Organisation;District;Attended;Did not attend;Minutes;Hours;Volunteers"),
])
def test_the_hours_report_opens_in_norwegian_excel_with_semicolons_decimal_commas_and_headings_in_the_language(
        organisation, fake, lang, header):
    fake.answers[("GET", "matcher", "/reports/hours.csv")] = CSV
    body = organisation.get(f"/vare-behov/timer?fra=2026-03-01&til=2026-03-31&lang={lang}").data
    assert body.startswith("\ufeff".encode())  # the byte-order mark: Excel reads the file as UTF-8
    assert body.decode("utf-8-sig").split("\r\n") == [
        header,
        "2d0a4c6e;Fjell bo- og omsorgssenter (Drammen kommune);fjell;3;1;225;3,8;2",
        "7f1e2d3c;\"'=Lag; med semikolon\";bragernes;1;0;90;1,5;1",  # a name with a semicolon is quoted, kept as sent
        ""]


@pytest.mark.parametrize(("query", "answer", "field", "message"), [
    ("fra=2026-02-30&til=", None, "fra", "Skriv datoen som dd.mm.åååå"),
    ("fra=2026-03-01&til=2026-02-01", ApiError(422, "invalid", fields={"to": ["x"]}), "til",
     "Til-datoen må være samme dag som fra-datoen eller senere."),
    ("fra=2020-01-01&til=2026-01-01", ApiError(422, "invalid", fields={"to": ["x"]}), "til",
     "Velg en periode på høyst tre år."),
])
def test_report_dates_that_cannot_be_used_are_told_beside_the_field(organisation, fake, query, answer, field, message):
    if answer:
        fake.answers[("GET", "matcher", "/reports/hours.csv")] = answer
    response = organisation.get(f"/vare-behov/timer?{query}")
    assert response.status_code == 422 and f'<a href="#{field}">{message}' in text(response)
