"""The mails that answer a person's own request (confirm the address, sign in), as they read to a volunteer and to
an organisation's contact."""
from __future__ import annotations

import pytest

from services.notify import confirmations, sign_ins
from services.notify.messages import render

CONFIRM = {"person_name": "Ola", "confirm_url": "https://needs.example/confirm/abc", "valid_days": 7,
           "organisation_name": "Konnerud Sanitetsforening"}
IGNORE = {("nb", "organisation"): "Har ikke du registrert organisasjonen? Da kan du se bort fra denne e-posten.",
          ("nb", "offer"): "Har du ikke meldt deg på selv? Da kan du se bort fra denne e-posten.",
          ("en", "organisation"): "Didn't you register the organisation? Then please ignore this e-mail.",
          ("en", "offer"): "Didn't sign up yourself? Then please ignore this e-mail."}


@pytest.mark.parametrize(("lang", "kind"), list(IGNORE))
def test_the_confirmation_mail_says_whom_to_ignore_it_as_for_a_volunteer_or_an_organisation(lang, kind):
    message = render("confirm_address", lang, {**CONFIRM, "subject_kind": kind})
    for body in (message.text, message.html):
        assert IGNORE[(lang, kind)] in body.replace("&#39;", "'")
    others = [text for (other_lang, other_kind), text in IGNORE.items() if other_kind != kind]
    assert not any(text in message.text for text in others)


MUNICIPAL = {"name": "Drammen kommune", "unit": "Fjell bo- og omsorgssenter", "contact_confirmed": True,
             "contact": {"name": "Ola", "email": "ola@example.no"}}
NOW = "2026-03-02T10:00:00.000000+00:00"
REQUEST = {"nonce": "0011223344556677", "requested_at": "2026-03-02T09:55:00.000000+00:00"}


@pytest.mark.parametrize(("organisation", "shown"), [
    (MUNICIPAL, "Fjell bo- og omsorgssenter (Drammen kommune)"),
    ({**MUNICIPAL, "name": "Konnerud Sanitetsforening", "unit": None}, "Konnerud Sanitetsforening"),
], ids=["municipal service", "association"])
def test_the_sign_in_and_confirmation_mails_name_a_municipal_service_by_its_unit_first(organisation, shown):
    doc = {"subject_type": "organisation", "request": REQUEST, "channel": "email"}
    signing_in, _ = sign_ins.recipient(doc, {**organisation, "sign_in_requested_at": REQUEST["requested_at"]}, NOW)
    confirming, _ = confirmations.recipient(doc, {**organisation, "contact_confirmed": False,
                                                  "confirmation_requested_at": REQUEST["requested_at"]})
    assert signing_in["organisation_name"] == confirming["organisation_name"] == shown
    context = {"subject_kind": "organisation", "person_name": "Ola", "sign_in_url": "https://web.example/x",
               "valid_minutes": 30, "organisation_name": signing_in["organisation_name"]}
    assert f"Du ba om å logge inn på Frivillig i Drammen for {shown}." in render("sign_in", "nb", context).text
    assert f"You asked to sign in to Volunteering in Drammen for {shown}." in render("sign_in", "en", context).text
