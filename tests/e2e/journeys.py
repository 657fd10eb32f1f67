"""What people do, step by step, as end-to-end tests drive it: sign up, open the mail, follow its link, press.

Nothing here uses a token a person would not have: a volunteer's or contact's address is confirmed only
through the link in the mail the running system sent; staff verify with the staff token, which they hold.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import requests

from tests.conftest import CapturedMail, forms_of, wait_until

CONFIRM_PATH = "/confirm/"
CONFIRM_SUBJECTS = ("Bekreft e-postadressen din", "Please confirm your e-mail address")
CONFIRMED = "Takk! E-postadressen din er bekreftet."


def confirmation_mails(system, email: str) -> list[CapturedMail]:
    """The confirm-your-address mails that reached this address, oldest first."""
    return [m for m in system.mail.to(email) if str(m.message["Subject"]).startswith(CONFIRM_SUBJECTS)]


def link_in(mail: CapturedMail, path: str = CONFIRM_PATH) -> str:
    """The first link in a mail's text whose path contains `path`."""
    return next(word for word in mail.text().split() if word.startswith("http") and path in word)


def answer_link(mail: CapturedMail) -> str:
    """The link a proposal asks its reader to answer by (/r/<code>), not the confirmation of purpose under it."""
    return next(word for word in mail.text().split()
                if word.startswith("http") and "/r/" in word and not word.endswith("/politiattest"))


def press_the_button(url: str) -> requests.Response:
    """Open a page and submit its one POST form, as a person pressing its button would."""
    page = requests.get(url, timeout=10)
    assert page.status_code == 200, page.text
    [form] = [f for f in forms_of(page.text) if f["method"] == "post"]
    assert form["buttons"], "the form has a button to press"
    return requests.post(urljoin(url, form["action"]) if form["action"] else url, data={}, timeout=10)


def confirm_address(system, email: str, already: int = 0, timeout: float = 45) -> str:
    """Wait for a new confirm-your-address mail (beyond `already` of them), follow its link and press the
    button; the link."""
    mails = wait_until(lambda: confirmation_mails(system, email)[already:], timeout=timeout,
                       message=f"the confirm-your-address mail to {email}")
    link = link_in(mails[0])
    confirmed = press_the_button(link)
    assert confirmed.status_code == 200, confirmed.text
    assert CONFIRMED in confirmed.text, confirmed.text
    return link


def register_confirmed_offer(system, body: dict[str, Any]) -> dict[str, Any]:
    """A citizen posts an offer and confirms the address through the mail; the created offer (with manage_token)."""
    email = body["volunteer"]["email"]
    before = len(confirmation_mails(system, email))
    created = requests.post(system.url("offers", "/offers"), json=body, timeout=10)
    assert created.status_code == 201, created.text
    offer = created.json()
    assert offer["status"] == "pending_confirmation"
    confirm_address(system, email, already=before)
    return {**offer, "status": "open"}


def register_verified_organisation(system, body: dict[str, Any]) -> dict[str, Any]:
    """An organisation registers, its contact confirms the address through the mail, and staff verify it;
    the organisation (with api_key)."""
    email = body["contact"]["email"]
    before = len(confirmation_mails(system, email))
    created = requests.post(system.url("needs", "/organisations"), json=body, timeout=10)
    assert created.status_code == 201, created.text
    organisation = created.json()
    confirm_address(system, email, already=before)
    verified = requests.post(system.url("needs", f"/organisations/{organisation['id']}/verify"),
                             headers=system.staff(), timeout=10)
    assert verified.status_code == 200, verified.text
    return {**organisation, "verified": True, "contact_confirmed": True}


def matches(system, need_id: str, api_key: str) -> list[dict[str, Any]]:
    """The matches of a need, as its organisation reads them."""
    response = requests.get(system.url("matcher", "/matches"), params={"need_id": need_id},
                            headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["items"]
