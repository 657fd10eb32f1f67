"""Signing up with the keyboard alone (Tab, Space, arrow keys, Enter), as people who cannot use a mouse do:
every field is reached in turn, a row of times is added without JavaScript, and the form is sent."""
from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.browser.pages import link_in_mail, visit
from tests.browser.steps import CONFIRMED, tab_to

LIV = {"name": "Liv Berg", "email": "liv.berg@example.no"}


def type_clock(page: Page, field: Locator, hhmm: str) -> None:
    """Tab to a time field and type the hours and minutes, as on a Norwegian (24-hour) browser."""
    tab_to(page, field)
    page.keyboard.type(hhmm.replace(":", ""))
    assert field.input_value() == hhmm, (
        f"typing {hhmm} gave {field.input_value()!r}: this Chromium shows time fields with a 12-hour clock; "
        "it needs its translations to run in Norwegian (apt-get install chromium-l10n, or `make chromium`)")


def test_a_volunteer_signs_up_and_confirms_the_address_with_the_keyboard_alone(system, page: Page):
    keys = page.keyboard
    visit(page, "/", "forside")
    tab_to(page, page.get_by_role("main").get_by_role("link", name="Bli frivillig"))
    visit(page, lambda: keys.press("Enter"), "bli-frivillig")

    tab_to(page, page.get_by_label("Navn", exact=True))
    keys.type(LIV["name"])
    tab_to(page, page.get_by_label("E-postadresse"))
    keys.type(LIV["email"])
    tab_to(page, page.get_by_label("Besøksvenn", exact=True))
    keys.press("Space")
    tab_to(page, page.get_by_label("Hele kommunen", exact=True))
    keys.press("Space")
    times = page.get_by_role("group", name="Fast tid 1")
    tab_to(page, times.get_by_label("Dag"))
    for _ in range(4):  # from "Velg dag" down to torsdag
        keys.press("ArrowDown")
    type_clock(page, times.get_by_label("Fra klokka"), "10:00")
    type_clock(page, times.get_by_label("Til klokka"), "14:00")
    tab_to(page, page.get_by_role("button", name="Legg til en rad med fast tid hver uke"))
    visit(page, lambda: keys.press("Enter"), "bli-frivillig-ny-rad")

    expect(page.get_by_role("group", name="Fast tid 2")).to_be_visible()
    expect(times.get_by_label("Dag")).to_have_value("4")
    expect(times.get_by_label("Fra klokka")).to_have_value("10:00")
    expect(times.get_by_label("Til klokka")).to_have_value("14:00")
    expect(page.get_by_label("E-postadresse")).to_have_value(LIV["email"])
    tab_to(page, page.get_by_role("button", name="Send tilbudet"))
    visit(page, lambda: keys.press("Enter"), "min-side-bekreft-adressen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Min side")
    expect(page.get_by_text("torsdager kl. 10.00–14.00")).to_be_visible()

    visit(page, link_in_mail(system, LIV["email"], "/confirm/"), "bekreft")
    tab_to(page, page.get_by_role("button", name="Bekreft e-postadressen"))
    visit(page, lambda: keys.press("Enter"), "bekreftet")
    expect(page.get_by_text(CONFIRMED)).to_be_visible()
