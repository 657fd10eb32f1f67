"""The page a sign-in link opens, for links signed as notify signs them: one the web can tell will not work (forged,
for the other kind of person, too old) says so at once, without asking a service; a genuine one in time shows
the button, since only the service knows whether it was used."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import re

import pytest

from shared import signin
from shared.clock import to_iso
from shared.config import Config
from services.web.app import create_app

KEY = "web-signin-links-key-" + "k" * 32
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CONFIG = Config(link_signing_keys=(KEY,), testing=True)


class NoApi:
    """Fails any call: these pages must be answered from the code alone."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the page called the API ({name})")


@pytest.fixture
def web():
    app = create_app(CONFIG)
    app.extensions["api"] = NoApi()
    return app.test_client()


def path(minutes_ago: float = 0, make=signin.offer_link, key: str = KEY) -> str:
    """The path of a sign-in link asked for `minutes_ago`."""
    request = {"nonce": "0011223344556677",
               "requested_at": to_iso(datetime.now(timezone.utc) - timedelta(minutes=minutes_ago))}
    link = make(Config(link_signing_keys=(key,), web_url="https://web.example"), str(uuid4()), request)
    return link.removeprefix("https://web.example")


def other_audience(link_path: str) -> str:
    """The same code opened under the other kind of person's page."""
    return link_path.replace("/frivillig/", "/organisasjon/")


@pytest.mark.parametrize(("link", "status", "heading"), [
    (lambda: path(minutes_ago=31), 410, "Lenken har gått ut"),
    (lambda: path(minutes_ago=31, make=signin.contact_link), 410, "Lenken har gått ut"),
    (lambda: path(key="another-key-" + "x" * 32), 404, "Lenken virker ikke"),
    (lambda: other_audience(path()), 404, "Lenken virker ikke"),
    (lambda: "/logg-inn/frivillig/ikke-en-kode", 404, "Lenken virker ikke"),
    (lambda: path()[:-3], 404, "Lenken virker ikke"),
], ids=["volunteer's too old", "contact's too old", "forged", "for the other kind", "no code", "cut short"])
@pytest.mark.parametrize("pressed", [False, True], ids=["opened", "its button pressed"])
def test_a_link_that_cannot_work_says_so_at_once_without_a_button(web, link, status, heading, pressed):
    if pressed:  # the page was opened in time and its button pressed later, with the page's CSRF token
        token = CSRF.search(web.get("/logg-inn").get_data(as_text=True))[1]
        response = web.post(link(), data={"csrf_token": token})
    else:
        response = web.get(link())
    page = response.get_data(as_text=True)
    assert response.status_code == status and f"<h1>{heading}</h1>" in page
    assert "Trykk på knappen for å logge inn" not in page and "<form method=\"post\">" not in page
    assert 'href="/logg-inn"' in page  # the way to a new link


@pytest.mark.parametrize("make", [signin.offer_link, signin.contact_link])
def test_a_genuine_link_in_time_shows_the_button(web, make):
    response = web.get(path(minutes_ago=29, make=make))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Trykk på knappen for å logge inn." in page
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"
