"""The pages everyone meets first, in a real browser on the real system: the front page, asking for a
sign-in link, staff signing in with their access key, and how it works and the statements in both languages."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import visit
from tests.system import ADMIN


def test_the_front_page_has_one_heading_and_the_page_language(page: Page):
    visit(page, "/", "forside")

    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.get_by_role("link", name="Logg inn")).to_be_visible()


def test_asking_for_a_sign_in_link_for_an_unknown_address_says_the_same_as_for_a_known_one(page: Page):
    visit(page, "/", "forside")
    visit(page, page.get_by_role("link", name="Logg inn"), "logg-inn")
    page.get_by_label("E-postadresse").fill("ingen.her@example.no")

    visit(page, page.get_by_role("button", name="Send meg en innloggingslenke"), "sjekk-e-posten")

    expect(page.get_by_role("heading", level=1)).to_have_text("Sjekk e-posten din")


def test_a_bad_address_on_the_sign_in_page_is_shown_in_the_error_summary_and_kept(page: Page):
    visit(page, "/logg-inn", "logg-inn")
    page.get_by_label("E-postadresse").fill("ikke-en-adresse")

    response = visit(page, page.get_by_role("button", name="Send meg en innloggingslenke"), "logg-inn-feil")

    assert response.status == 422
    summary = page.get_by_role("heading", name="Skjemaet har feil som må rettes")
    expect(summary).to_be_visible()
    expect(page.get_by_role("link", name="Skriv en gyldig e-postadresse")).to_have_attribute("href", "#email")
    expect(page.get_by_label("E-postadresse")).to_have_value("ikke-en-adresse")


def test_staff_with_a_wrong_key_see_the_error_summary_and_with_the_right_key_reach_their_overview(page: Page):
    visit(page, "/logg-inn", "logg-inn")
    visit(page, page.get_by_role("link", name="Logg inn som ansatt"), "logg-inn-ansatt")
    page.get_by_label("Tilgangsnøkkel for ansatte").fill("feil-nøkkel")

    response = visit(page, page.get_by_role("button", name="Logg inn"), "logg-inn-ansatt-feil")

    assert response.status == 422
    expect(page.get_by_role("heading", name="Skjemaet har feil som må rettes")).to_be_visible()
    expect(page.get_by_role("link", name="Nøkkelen er ikke riktig.")).to_be_visible()

    page.get_by_label("Tilgangsnøkkel for ansatte").fill(ADMIN)
    visit(page, page.get_by_role("button", name="Logg inn"), "ansatt-oversikt")

    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()
    assert page.url.endswith("/ansatt")


@pytest.mark.parametrize("link, name", [("Slik virker det", "slik-virker-det"),
                                        ("Personvernerklæring", "personvern"),
                                        ("Tilgjengelighetserklæring", "tilgjengelighet")])
def test_how_it_works_and_the_statements_are_linked_from_every_page_in_both_languages(page: Page, link, name):
    visit(page, "/", "forside")
    visit(page, page.get_by_role("contentinfo").get_by_role("link", name=link), name)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)

    visit(page, page.get_by_role("link", name="English"), f"{name}-en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Norsk (bokmål)")).to_have_attribute("lang", "nb")
    expect(page.get_by_role("heading", level=1)).to_have_count(1)


def test_a_sign_in_link_that_is_not_valid_says_so_plainly_at_once_and_offers_a_new_one(page: Page):
    response = visit(page, "/logg-inn/frivillig/ikke-en-kode", "innloggingslenke-ugyldig")

    assert response.status == 404
    expect(page.get_by_role("button", name="Logg inn")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text("Lenken virker ikke")
    expect(page.get_by_role("link", name="Be om en ny innloggingslenke")).to_be_visible()


def test_a_page_that_does_not_exist_is_a_plain_page_of_the_site(page: Page):
    response = visit(page, "/finnes-ikke", "finnes-ikke")

    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Fant ikke siden")
    expect(page.get_by_role("link", name="Ledige oppdrag")).to_be_visible()
