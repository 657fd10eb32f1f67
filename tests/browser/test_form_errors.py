"""Mistakes people make in forms: each shows the error summary at the top, linking to the field, the message
beside it, and what the person typed still in the field."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.pages import visit
from tests.browser.steps import error_summary_links_to, fill_offer, fill_organisation

ORG_NUMBER_WRONG = "Organisasjonsnummeret stemmer ikke. Sjekk at du har skrevet alle ni sifrene riktig."
ORGANISATION = {"name": "Konnerud Sanitetsforening", "org_number": "939214894", "kind": "Forening eller lag",
                "contact_name": "Ola Normann", "email": "ola.feil@example.no"}


def test_a_wrong_organisation_number_is_named_as_it_is_typed_and_in_the_summary_with_everything_kept(page: Page):
    visit(page, "/organisasjon/registrer", "organisasjon-registrer")
    fill_organisation(page, ORGANISATION)

    expect(page.get_by_label("Organisasjonsnummer")).to_have_accessible_description(said(ORG_NUMBER_WRONG))
    response = visit(page, page.get_by_role("button", name="Registrer organisasjonen"), "organisasjon-registrer-feil")

    assert response.status == 422
    error_summary_links_to(page, ORG_NUMBER_WRONG, "org_number")
    expect(page.get_by_label("Organisasjonsnummer")).to_have_accessible_description(said(ORG_NUMBER_WRONG))
    expect(page.get_by_label("Organisasjonsnummer")).to_have_value("939214894")
    expect(page.get_by_label("Navnet på organisasjonen")).to_have_value("Konnerud Sanitetsforening")
    expect(page.get_by_label("Forening eller lag")).to_be_checked()
    expect(page.get_by_label("E-postadresse")).to_have_value("ola.feil@example.no")


PER = {"name": "Per Hansen", "email": "per.hansen@example.no", "skill": "Leksehjelp",
       "district": "Bragernes og Øren", "weekly": ("onsdag", "17:00", "20:00")}


def email_field(page: Page) -> Locator:
    return page.get_by_label("E-postadresse")


def first_end_time(page: Page) -> Locator:
    return page.get_by_role("group", name="Fast tid 1").get_by_label("Til klokka")


def said(message: str) -> re.Pattern:
    """An accessible description that includes the message (a hint may stand before it)."""
    return re.compile(re.escape(message))


@pytest.mark.parametrize("mistake, message, field_id, field", [
    ({"email": "per.hansen.example.no"}, "Skriv en gyldig e-postadresse", "email", email_field),
    ({"weekly": ("onsdag", "20:00", "17:00")}, "Sluttid må være etter starttid", "weekly-0-end_time", first_end_time),
], ids=["bad e-mail", "end time before the start"])
def test_a_mistake_on_the_sign_up_form_is_named_in_the_summary_and_beside_the_field_with_everything_kept(
        page: Page, mistake, message, field_id, field):
    volunteer = {**PER, **mistake}
    visit(page, "/bli-frivillig", "bli-frivillig")
    fill_offer(page, volunteer)

    response = visit(page, page.get_by_role("button", name="Send tilbudet"), "bli-frivillig-feil")

    assert response.status == 422
    error_summary_links_to(page, message, field_id)
    expect(field(page)).to_have_accessible_description(said(message))
    expect(page.get_by_label("E-postadresse")).to_have_value(volunteer["email"])
    expect(page.get_by_label("Navn", exact=True)).to_have_value("Per Hansen")
    expect(page.get_by_label(PER["skill"], exact=True)).to_be_checked()
    expect(page.get_by_label(PER["district"], exact=True)).to_be_checked()
    weekday, start, end = volunteer["weekly"]
    times = page.get_by_role("group", name="Fast tid 1")
    expect(times.get_by_label("Fra klokka")).to_have_value(start)
    expect(times.get_by_label("Til klokka")).to_have_value(end)
    expect(times.get_by_label("Dag")).to_have_value("3")


def test_a_sign_up_without_any_time_is_told_so_on_the_when_section_and_the_summary_links_there(page: Page):
    visit(page, "/bli-frivillig", "bli-frivillig")
    page.get_by_label("Navn", exact=True).fill(PER["name"])
    page.get_by_label("E-postadresse").fill(PER["email"])
    page.get_by_label(PER["skill"], exact=True).check()
    page.get_by_label(PER["district"], exact=True).check()

    response = visit(page, page.get_by_role("button", name="Send tilbudet"), "bli-frivillig-ingen-tid")

    assert response.status == 422
    message = "Legg til minst én tid du kan: fast hver uke eller en enkelt dato."
    error_summary_links_to(page, message, "availability")
    expect(page.get_by_role("group", name="Når du kan")).to_have_accessible_description(said(message))
    expect(page.get_by_role("group", name="Fast tid 1").get_by_label("Dag")).not_to_have_attribute(
        "aria-invalid", "true")
