"""The whole flow in a browser, as the people it is for would go through it: a citizen offers to be a
visiting friend, a club registers and is verified by the municipality, posts a need, the volunteer says yes
on Min side, the club confirms the volunteer on Våre behov, and both see the assignment; then the volunteer
withdraws and nothing of theirs is left, and the club closes the need."""
from __future__ import annotations

import re
import time

from playwright.sync_api import Locator, Page, expect

from tests.browser.pages import lacks, link_in_mail, mails_to, reload_until, shows, visit
from tests.browser.steps import (ERROR_SUMMARY, confirm_address_from_mail, fill_need, register_organisation,
                                 sign_in_by_mail, sign_up_volunteer, staff_download_the_figures, staff_find_the_match,
                                 staff_sign_in, verify_organisation)

KARI = {"name": "Kari Nordmann", "email": "kari.nordmann@example.no", "skill": "Besøksvenn",
        "district": "Konnerud og Skoger vest", "weekly": ("tirsdag", "16:00", "21:00")}
CLUB = {"name": "Konnerud Sanitetsforening", "org_number": "939214895", "kind": "Forening eller lag",
        "contact_name": "Ola Normann", "email": "ola.normann@example.no"}
NEED = {"title": "Besøksvenn på Konnerud", "description": "Prate, gå tur og lese avis med en beboer.",
        "skill": "Besøksvenn", "district": "Konnerud og Skoger vest", "weekly": ("tirsdag", "17:30", "19:00")}
NO_MAIL_WAIT = 8  # seconds in which a sign-in mail to a known address would have arrived on this stack


def test_a_volunteer_and_a_club_are_matched_and_confirmed_then_the_volunteer_leaves_without_a_trace(system, new_page):
    volunteer, club, staff = new_page(), new_page(), new_page()

    sign_up_volunteer(volunteer, KARI)
    confirm_address_from_mail(volunteer, system, KARI["email"], 0, "frivillig")
    visit(volunteer, volunteer.get_by_role("link", name="Gå til Min side"), "min-side-bekreftet")
    expect(volunteer.get_by_text("Aktivt: vi ser etter oppdrag som passer deg.")).to_be_visible()

    register_organisation(club, CLUB)
    confirm_address_from_mail(club, system, CLUB["email"], 0, "organisasjon")
    visit(club, club.get_by_role("link", name="Gå til Våre behov"), "vare-behov-venter-pa-godkjenning")
    expect(club.get_by_role("heading", name="Venter på godkjenning fra kommunen")).to_be_visible()

    staff_sign_in(staff)
    verify_organisation(staff, CLUB["name"])

    visit(club, "/vare-behov", "vare-behov-godkjent")
    visit(club, club.get_by_role("link", name="Legg ut et nytt behov"), "nytt-behov")
    fill_need(club, {**NEED, "weekly": ("tirsdag", "19:00", "17:30")})
    response = visit(club, club.get_by_role("button", name="Legg ut behovet"), "nytt-behov-feil")
    assert response.status == 422
    weekly = club.get_by_role("group", name="Fast hver uke", exact=True)
    expect(club.get_by_role("heading", name=ERROR_SUMMARY)).to_be_visible()
    expect(weekly.get_by_label("Sluttid")).to_have_accessible_description(re.compile("etter"))
    expect(weekly.get_by_label("Starttid")).to_have_value("19:00")
    expect(club.get_by_label("Tittel")).to_have_value(NEED["title"])
    fill_need(club, NEED)
    visit(club, club.get_by_role("button", name="Legg ut behovet"), "vare-behov-lagt-ut")
    expect(club.get_by_text("Behovet er lagt ut.")).to_be_visible()

    visit(volunteer, volunteer.get_by_role("button", name="Logg ut"), "frivillig-logget-ut")
    visit(volunteer, volunteer.get_by_role("link", name=NEED["title"]), "behovets-side")
    expect(volunteer.get_by_text(CLUB["name"])).to_be_visible()
    expect(volunteer.get_by_text(CLUB["email"])).to_have_count(0)
    expect(volunteer.get_by_text(CLUB["contact_name"])).to_have_count(0)
    visit(volunteer, link_in_mail(system, KARI["email"], "/r/"), "svarside-forslag")
    expect(volunteer.get_by_text(NEED["title"])).to_be_visible()
    sign_in_by_mail(volunteer, system, KARI["email"], "frivillig")
    yes = card_of(volunteer, NEED["title"]).get_by_role("button", name="Ja, jeg vil")
    reload_until(volunteer, shows(yes), "min-side-forslag")
    expect(volunteer.get_by_role("heading", name=NEED["title"])).to_be_visible()
    visit(volunteer, yes, "min-side-sagt-ja")
    expect(volunteer.get_by_role("heading", name="Venter på svar fra organisasjonen")).to_be_visible()

    confirm = club.get_by_role("button", name=f"Bekreft {KARI['name']}")
    reload_until(club, shows(confirm), "vare-behov-kandidat")
    expect(club.get_by_text(KARI["email"])).to_be_visible()
    visit(club, confirm, "vare-behov-bekreftet")
    expect(club.get_by_role("heading", name="Bekreftede frivillige")).to_be_visible()
    expect(club.get_by_text(KARI["name"])).to_be_visible()

    reload_until(volunteer, shows(volunteer.get_by_role("heading", name="Kontakt hos organisasjonen")),
                 "min-side-avtalt")
    expect(volunteer.get_by_role("heading", name=NEED["title"])).to_be_visible()
    expect(volunteer.get_by_text(CLUB["email"])).to_be_visible()

    visit(volunteer, volunteer.get_by_role("link", name="Endre tilbudet"), "endre-tilbudet")
    expect(volunteer.get_by_label("Navn", exact=True)).to_have_value(KARI["name"])
    visit(volunteer, volunteer.get_by_role("link", name="Avbryt"), "min-side-uendret")

    figures = staff_download_the_figures(staff)
    assert figures.startswith("district,district_name,") and "Konnerud og Skoger vest" in figures, figures
    staff_find_the_match(staff, KARI["name"], NEED["title"])
    expect(staff.get_by_role("heading", level=1)).to_have_text(f"Treff: {NEED['title']}")
    expect(staff.get_by_role("table", name="Hva som er sendt om treffet, eldste først")).to_be_visible()

    visit(volunteer, volunteer.get_by_role("link", name="Trekk tilbudet og slett opplysningene mine"), "trekk-tilbudet")
    visit(volunteer, volunteer.get_by_role("button", name="Ja, slett alt om meg"), "opplysningene-slettet")
    expect(volunteer.get_by_role("heading", level=1)).to_have_text("Opplysningene dine er slettet")

    nothing_left_of_the_volunteer(system, volunteer, club, staff)

    visit(club, club.get_by_role("link", name=f"Endre «{NEED['title']}»"), "endre-behov")
    expect(club.get_by_label("Tittel")).to_have_value(NEED["title"])
    visit(club, club.get_by_role("link", name="Avbryt"), "vare-behov-uendret")
    visit(club, club.get_by_role("link", name=f"Lukk behovet «{NEED['title']}»"), "lukke-behovet")
    visit(club, club.get_by_role("button", name="Lukk behovet"), "vare-behov-lukket")
    expect(club.get_by_text(f"Behovet «{NEED['title']}» er lukket.")).to_be_visible()


def card_of(page: Page, title: str) -> Locator:
    """The card (list item) on a page headed with a need's title."""
    return page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=title))


def nothing_left_of_the_volunteer(system, volunteer: Page, club: Page, staff: Page) -> None:
    """Signed out; no sign-in link for the erased address; Min side asks to sign in; the name is gone from
    the club's page and from the staff's list of volunteers."""
    before = mails_to(system, KARI["email"])
    visit(volunteer, volunteer.get_by_role("link", name="Logg inn", exact=True), "slettet-logg-inn")
    volunteer.get_by_label("E-postadresse").fill(KARI["email"])
    visit(volunteer, volunteer.get_by_role("button", name="Send meg en innloggingslenke"), "slettet-sjekk-e-posten")
    time.sleep(NO_MAIL_WAIT)
    assert mails_to(system, KARI["email"]) == before, "an erased address was sent a sign-in link"
    visit(volunteer, "/min-side", "slettet-min-side")
    expect(volunteer.get_by_role("heading", level=1)).to_have_text("Logg inn")

    reload_until(club, lacks(club.get_by_text(KARI["name"])), "vare-behov-etter-sletting")
    visit(staff, staff.get_by_role("link", name="Frivillige", exact=True), "ansatt-frivillige")
    expect(staff.get_by_text(KARI["name"])).to_have_count(0)
    expect(staff.get_by_role("rowheader", name="(slettet)")).to_be_visible()
