"""An assignment after confirmation, in a browser: a nursing home sets how old a police certificate may be and
posts a weekly need that requires one (begun three weeks ago, so some dates are behind); a volunteer with a
certificate opens the confirmation of purpose and says yes; the home confirms with the date it saw the
certificate. The volunteer then cannot come on the next date and sees it reported, looks at the calendar pages,
a pause and ending; the home records «Møtte» for the last date and sees the hours, on its page and in the
report, as the volunteer and staff do. Every page is checked with axe-core and photographed.

An assignment's dates count from the day it was confirmed; to have dates behind to record, the confirmation is
moved three weeks back in the matcher's database, as if the home had confirmed then."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from playwright.sync_api import expect
from pymongo import MongoClient

from shared.timeslots import OSLO
from tests.browser.pages import reload_until, shows, visit
from tests.browser.steps import (confirm_address_from_mail, fill_need, fill_offer, register_organisation,
                                 staff_sign_in, verify_organisation)
from tests.browser.test_journeys import card_of

WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
TODAY = datetime.now(OSLO).date()
DAY = WEEKDAYS[(TODAY - timedelta(days=2)).weekday()]  # the need's weekday: its last date was two days ago
INGRID = {"name": "Ingrid Berg", "email": "ingrid.berg@example.no", "skill": "Besøksvenn",
          "district": "Bragernes og Øren", "weekly": (DAY, "09:00", "13:00")}
HOME = {"name": "Drammen kommune", "org_number": "939214895",
        "kind": "Kommunal tjeneste, for eksempel et sykehjem eller en skole", "unit": "Bragernes omsorgssenter",
        "contact_name": "Siri Dahl", "email": "siri.dahl@example.no"}
NEED = {"title": "Besøksvenn på Bragernes omsorgssenter", "description": "Prate og gå tur med en beboer.",
        "skill": "Besøksvenn", "district": "Bragernes og Øren", "weekly": (DAY, "10:00", "11:30")}
BASIS = "helse- og omsorgstjenesteloven § 5-4"


def test_a_volunteer_reports_a_date_absent_and_the_home_records_attendance_and_sees_the_hours(system, new_page):
    volunteer, home, staff = new_page(), new_page(), new_page()

    visit(volunteer, "/bli-frivillig", "oppdrag-bli-frivillig")
    fill_offer(volunteer, INGRID)
    volunteer.get_by_role("group", name="Har du politiattest?").get_by_label("Ja").check()
    visit(volunteer, volunteer.get_by_role("button", name="Send tilbudet"), "oppdrag-min-side-ny")
    confirm_address_from_mail(volunteer, system, INGRID["email"], 0, "oppdrag-frivillig")

    register_organisation(home, HOME)
    confirm_address_from_mail(home, system, HOME["email"], 0, "oppdrag-sykehjem")
    staff_sign_in(staff)
    verify_organisation(staff, f"{HOME['unit']} (Drammen kommune)")

    visit(home, "/vare-behov", "oppdrag-vare-behov")
    visit(home, home.get_by_role("link", name="Politiattest: hvor gammel kan den være?"), "oppdrag-innstillinger")
    home.get_by_label(re.compile("^Hvor gammel kan politiattesten være")).fill("3")
    visit(home, home.get_by_role("button", name="Lagre"), "oppdrag-innstillinger-lagret")
    expect(home.get_by_text("Innstillingen er lagret.")).to_be_visible()
    visit(home, home.get_by_role("link", name="Legg ut et nytt behov"), "oppdrag-nytt-behov")
    fill_need(home, NEED)
    weekly = home.get_by_role("group", name="Fast hver uke", exact=True)
    weekly.get_by_label("Fra dato (valgfritt)").fill((TODAY - timedelta(days=21)).isoformat())
    home.get_by_label("Den frivillige må ha politiattest").check()
    home.get_by_label("Lovhjemmel for politiattesten (valgfritt)").fill(BASIS)
    visit(home, home.get_by_role("button", name="Legg ut behovet"), "oppdrag-behov-lagt-ut")

    yes = card_of(volunteer, NEED["title"]).get_by_role("button", name="Ja, jeg vil")
    visit(volunteer, "/min-side", "oppdrag-min-side")
    reload_until(volunteer, shows(yes), "oppdrag-min-side-forslag")
    visit(volunteer, volunteer.get_by_role("link", name=re.compile("^Bekreftelse på formål")),
          "oppdrag-bekreftelse-pa-formal")
    expect(volunteer.get_by_text(BASIS)).to_be_visible()
    expect(volunteer.get_by_text("939214895")).to_be_visible()
    visit(volunteer, volunteer.get_by_role("link", name="Tilbake til Min side"), "oppdrag-min-side-igjen")
    visit(volunteer, yes, "oppdrag-min-side-sagt-ja")

    visit(home, "/vare-behov", "oppdrag-vare-behov-kandidat")
    visit(home, home.get_by_role("link", name=NEED["title"], exact=True), "oppdrag-behovets-side")
    confirm = home.get_by_role("button", name=f"Bekreft {INGRID['name']}")
    reload_until(home, shows(confirm), "oppdrag-behovets-side-kandidat")
    response = visit(home, confirm, "oppdrag-bekreft-uten-dato")
    assert response.status == 422
    expect(home.get_by_role("link", name="Skriv datoen dere så politiattesten.")).to_be_visible()
    home.get_by_label("Dato dere så politiattesten").fill((TODAY - timedelta(days=1)).isoformat())
    visit(home, home.get_by_role("button", name=f"Bekreft {INGRID['name']}"), "oppdrag-bekreftet")
    expect(home.get_by_text("Den frivillige er bekreftet")).to_be_visible()

    cannot = volunteer.get_by_role("button", name=re.compile("^Jeg kan ikke komme"))
    reload_until(volunteer, shows(cannot), "oppdrag-min-side-avtalt")
    visit(volunteer, cannot.first, "oppdrag-meldt-forfall")
    expect(volunteer.get_by_text(re.compile("^Du har meldt forfall"))).to_be_visible()
    expect(volunteer.get_by_text("Meldt forfall", exact=True)).to_be_visible()
    with volunteer.expect_download() as download:
        volunteer.get_by_role("link", name=re.compile("^Legg i kalenderen")).click()
    assert "BEGIN:VCALENDAR" in Path(download.value.path()).read_text(encoding="utf-8")
    visit(volunteer, volunteer.get_by_role("link", name=re.compile("^Se oppdragene dine i kalenderen")),
          "oppdrag-kalender")
    visit(volunteer, volunteer.get_by_role("link", name="Lag ny lenke"), "oppdrag-kalender-ny-lenke")
    visit(volunteer, volunteer.get_by_role("button", name="Ja, lag ny lenke"), "oppdrag-kalender-ny-laget")
    expect(volunteer.get_by_text(re.compile("Den gamle virker ikke lenger"))).to_be_visible()
    visit(volunteer, "/min-side", "oppdrag-min-side-tilbake")
    visit(volunteer, volunteer.get_by_role("link", name=re.compile("^Ta pause")), "oppdrag-pause")
    visit(volunteer, volunteer.get_by_role("link", name="Avbryt"), "oppdrag-pause-avbrutt")
    visit(volunteer, volunteer.get_by_role("link", name=re.compile("^Avslutt oppdraget")), "oppdrag-avslutt")
    visit(volunteer, volunteer.get_by_role("link", name="Nei, gå tilbake"), "oppdrag-avslutt-avbrutt")

    confirmed_weeks_ago(system, re.search(r"/vare-behov/([0-9a-f-]{36})", home.url)[1])
    visit(home, home.url, "oppdrag-behovets-side-bekreftet")  # confirming led back to the need's page
    came = home.get_by_role("button", name=re.compile(r"^Møtte \S+dag "))
    visit(home, came.first, "oppdrag-mott")
    expect(home.get_by_text(re.compile("^Registrert: møtte"))).to_be_visible()
    expect(home.get_by_text("Timer registrert: 1,5")).to_be_visible()
    visit(home, home.get_by_role("link", name=f"Avslutt avtalen med {INGRID['name']}"), "oppdrag-avslutt-avtalen")
    visit(home, home.get_by_role("link", name="Nei, gå tilbake"), "oppdrag-avslutt-avtalen-avbrutt")
    visit(home, home.get_by_role("link", name="Avtalene i kalenderen"), "oppdrag-kalender-sykehjem")
    visit(home, "/vare-behov", "oppdrag-vare-behov-timer")
    visit(home, home.get_by_role("link", name="Timer (CSV)"), "oppdrag-timer")
    with home.expect_download() as report:
        home.get_by_role("button", name="Last ned timer (CSV)").click()
    lines = Path(report.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Organisasjons-ID;") and ";90;1,5;" in lines[1], lines

    reload_until(volunteer, shows(volunteer.get_by_text("1,5 timer")), "oppdrag-min-side-timer")
    visit(staff, staff.get_by_role("link", name="Oversikt", exact=True), "oppdrag-ansatt-oversikt")
    expect(staff.get_by_role("columnheader", name="Timer gitt")).to_be_visible()
    visit(staff, staff.get_by_role("link", name="Timer (CSV)"), "oppdrag-ansatt-timer")



def confirmed_weeks_ago(system, need_id: str) -> None:
    """The need's confirmed match as if confirmed three weeks ago (its dates count from then)."""
    with MongoClient(system.stack.env["MONGODB_URI"]) as client:
        client.matcher.matches.update_one({"need_id": need_id, "status": "confirmed"}, {"$set": {
            "confirmed_at": (datetime.now(OSLO) - timedelta(days=21)).isoformat()}})
