"""The mails that answer a person's own request (confirm the address, sign in), as they read to a volunteer and to
an organisation's contact."""
from __future__ import annotations

import pytest

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
