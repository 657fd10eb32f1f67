"""What people do on the site, step by step, as the browser journeys drive it: by the labels, roles and
button texts a person sees, following only links that were mailed to them or shown on a page.

Every page a step lands on is checked with axe-core and photographed (pages.visit); the names given are
the screenshots' names.
"""
from __future__ import annotations

import re

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.pages import link_in_mail, mails_to, visit
from tests.system import ADMIN

ERROR_SUMMARY = "Skjemaet har feil som må rettes"
CONFIRMED = "Takk! E-postadressen din er bekreftet."


def error_summary_links_to(page: Page, message: str, field_id: str) -> None:
    """The error summary is there, has the focus (so a screen reader reads it out first), the page's title says
    something is wrong, and the summary's line for one field links to that field."""
    expect(page.get_by_role("heading", name=ERROR_SUMMARY)).to_be_visible()
    expect(page.get_by_role("alert").filter(has=page.get_by_role("heading", name=ERROR_SUMMARY))).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Feil: "))
    expect(page.get_by_role("link", name=message)).to_have_attribute("href", f"#{field_id}")


def confirm_address_from_mail(page: Page, system, email: str, after: int, name: str) -> None:
    """Open the confirmation link in the newest mail to the address and press the page's button."""
    visit(page, link_in_mail(system, email, "/confirm/", after), f"{name}-bekreft")
    visit(page, page.get_by_role("button", name="Bekreft e-postadressen"), f"{name}-bekreftet")
    expect(page.get_by_text(CONFIRMED)).to_be_visible()


def sign_in_by_mail(page: Page, system, email: str, name: str) -> None:
    """Ask for a sign-in link on the sign-in page, open it from the mail and press its button."""
    before = mails_to(system, email)
    visit(page, "/", f"{name}-forside")
    visit(page, page.get_by_role("link", name="Logg inn", exact=True), f"{name}-logg-inn")
    page.get_by_label("E-postadresse").fill(email)
    visit(page, page.get_by_role("button", name="Send meg en innloggingslenke"), f"{name}-sjekk-e-posten")
    visit(page, link_in_mail(system, email, "/logg-inn/", before), f"{name}-innloggingslenke")
    visit(page, page.get_by_role("button", name="Logg inn"), f"{name}-innlogget")


def staff_sign_in(page: Page) -> None:
    """Staff sign in on their page with the access key they were given."""
    visit(page, "/logg-inn/ansatt", "ansatt-logg-inn")
    page.get_by_label("Tilgangsnøkkel for ansatte").fill(ADMIN)
    visit(page, page.get_by_role("button", name="Logg inn"), "ansatt-oversikt")


def fill_organisation(page: Page, organisation: dict) -> None:
    """The registration form, filled in as the organisation's contact would."""
    page.get_by_label("Navnet på organisasjonen").fill(organisation["name"])
    page.get_by_label("Organisasjonsnummer").fill(organisation["org_number"])
    page.get_by_label("Organisasjonsnummer").press("Tab")  # the number is checked as the field is left
    page.get_by_label(organisation["kind"]).check()
    if organisation.get("unit"):
        page.get_by_label("Enhet (bare for kommunale tjenester)").fill(organisation["unit"])
    page.get_by_label("Navnet ditt").fill(organisation["contact_name"])
    page.get_by_label("E-postadresse").fill(organisation["email"])


def register_organisation(page: Page, organisation: dict) -> None:
    """From the front page to Våre behov, waiting for the contact's address to be confirmed."""
    visit(page, "/", "organisasjon-forside")
    visit(page, page.get_by_role("link", name="For organisasjoner"), "organisasjon-registrer")
    fill_organisation(page, organisation)
    visit(page, page.get_by_role("button", name="Registrer organisasjonen"), "vare-behov-bekreft-adressen")
    expect(page.get_by_role("heading", name="Bekreft e-postadressen")).to_be_visible()


def fill_weekly_row(page: Page, row: int, weekday: str, start: str, end: str) -> None:
    """One row of the sign-up form's weekly times ("Fast tid 1", ...)."""
    times = page.get_by_role("group", name=f"Fast tid {row}")
    times.get_by_label("Dag").select_option(label=weekday)
    times.get_by_label("Fra klokka").fill(start)
    times.get_by_label("Til klokka").fill(end)


def fill_offer(page: Page, volunteer: dict) -> None:
    """The sign-up form, filled in as the volunteer would: about them, one skill, one district, weekly times."""
    page.get_by_label("Navn", exact=True).fill(volunteer["name"])
    page.get_by_label("E-postadresse").fill(volunteer["email"])
    page.get_by_label(volunteer["skill"], exact=True).check()
    page.get_by_label(volunteer["district"], exact=True).check()
    fill_weekly_row(page, 1, *volunteer["weekly"])


def sign_up_volunteer(page: Page, volunteer: dict) -> None:
    """From the front page to Min side, waiting for the address to be confirmed."""
    visit(page, "/", "frivillig-forside")
    visit(page, page.get_by_role("main").get_by_role("link", name="Bli frivillig"), "bli-frivillig")
    fill_offer(page, volunteer)
    visit(page, page.get_by_role("button", name="Send tilbudet"), "min-side-bekreft-adressen")
    expect(page.get_by_text("Sjekk e-posten din og trykk på lenken for å bekrefte adressen.")).to_be_visible()


def verify_organisation(page: Page, name: str) -> None:
    """Staff, signed in, verify an organisation whose contact confirmed the address."""
    visit(page, page.get_by_role("link", name="Godkjenne organisasjoner"), "ansatt-godkjenne")
    visit(page, page.get_by_role("button", name=f"Godkjenn {name}"), "ansatt-godkjent")
    expect(page.get_by_text(f"{name} er godkjent.")).to_be_visible()


def fill_need(page: Page, need: dict) -> None:
    """The need form, weekly: what, which skill, where, the day and the hours."""
    page.get_by_label("Tittel").fill(need["title"])
    page.get_by_label("Beskrivelse (valgfritt)").fill(need["description"])
    page.get_by_label(need["skill"], exact=True).check()
    page.get_by_label(need["district"], exact=True).check()
    page.get_by_label("Fast hver uke", exact=True).check()
    weekly = page.get_by_role("group", name="Fast hver uke", exact=True)
    weekday, start, end = need["weekly"]
    weekly.get_by_label("Ukedag").select_option(label=weekday)
    weekly.get_by_label("Starttid").fill(start)
    weekly.get_by_label("Sluttid").fill(end)


def tab_to(page: Page, target: Locator, limit: int = 150) -> None:
    """Press Tab until the target has the focus, as a keyboard user moves through a page."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} never got the focus after {limit} presses of Tab at {page.url}")


def staff_download_the_figures(page: Page) -> str:
    """The district figures, downloaded as CSV from the staff overview; the file's text."""
    visit(page, page.get_by_role("link", name="Oversikt", exact=True), "ansatt-oversikt-tall")
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned som CSV").click()
    return Path(download.value.path()).read_text(encoding="utf-8-sig")


def staff_find_the_match(page: Page, volunteer_name: str, need_title: str) -> None:
    """Staff find a volunteer under «Frivillige», open their page and the match for a need, and see what was sent
    about it."""
    visit(page, page.get_by_role("link", name="Frivillige", exact=True), "ansatt-frivillige-finn")
    visit(page, page.get_by_role("link", name=volunteer_name), "ansatt-frivillig")
    visit(page, page.get_by_role("link", name=need_title), "ansatt-treff")
