"""Mistakes people make in forms: each shows the error summary at the top, linking to the field, the message
beside it, and what the person typed still in the field."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.pages import visit
from tests.browser.steps import error_summary_links_to, fill_organisation

ORG_NUMBER_WRONG = "Organisasjonsnummeret stemmer ikke. Sjekk at du har skrevet alle ni sifrene riktig."
ORGANISATION = {"name": "Konnerud Sanitetsforening", "org_number": "939214894", "kind": "Forening eller lag",
                "contact_name": "Ola Normann", "email": "ola.feil@example.no"}


def test_a_wrong_organisation_number_is_named_as_it_is_typed_and_in_the_summary_with_everything_kept(page: Page):
    visit(page, "/organisasjon/registrer", "organisasjon-registrer")
    fill_organisation(page, ORGANISATION)

    expect(page.locator("#org_number-error")).to_have_text(ORG_NUMBER_WRONG)
    response = visit(page, page.get_by_role("button", name="Registrer organisasjonen"), "organisasjon-registrer-feil")

    assert response.status == 422
    error_summary_links_to(page, ORG_NUMBER_WRONG, "org_number")
    expect(page.get_by_label("Organisasjonsnummer")).to_have_value("939214894")
    expect(page.get_by_label("Navnet på organisasjonen")).to_have_value("Konnerud Sanitetsforening")
    expect(page.get_by_label("Forening eller lag")).to_be_checked()
    expect(page.get_by_label("E-postadresse")).to_have_value("ola.feil@example.no")
