"""The page a sign-in link opens, against the real offers and needs APIs, for links signed as notify signs them:
the owning service is asked whether the link would work, so one that will not (forged, for the other kind of
person, too old, used or replaced) says so at once with no button, and one that would shows the button; asking
changes nothing, and the button works once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit
from uuid import uuid4

import pytest
import requests
from pymongo import MongoClient

from shared import confirmation, signin
from shared.clock import to_iso
from shared.config import Config
from services.needs.app import DB_NAME as NEEDS_DB
from services.offers.app import DB_NAME as OFFERS_DB
from tests.integration.conftest import LINK_SIGNING_KEY, offer_body
from tests.integration.web_fixtures import csrf, registered_organisation, text_of, web_apis, web_client

BUTTON = "Trykk på knappen for å logge inn."
LINKS = {"volunteer": signin.offer_link, "contact": signin.contact_link}


@pytest.fixture(scope="module")
def apis(tmp_path_factory, mongo_uri):
    with web_apis(tmp_path_factory.mktemp("web-signin-links"), mongo_uri) as urls:
        yield urls


@pytest.fixture
def web(apis):
    return web_client(apis)


def path_of(kind: str, subject_id: str, request: dict, key: str = LINK_SIGNING_KEY) -> str:
    """The path of the sign-in link notify would mail for a stored request."""
    config = Config(link_signing_keys=(key,), web_url="https://web.example")
    return urlsplit(LINKS[kind](config, subject_id, request)).path


def made_up(kind: str = "volunteer", minutes_ago: float = 0, key: str = LINK_SIGNING_KEY) -> str:
    """A link signed with the services' key (unless told otherwise) for a request nobody stored."""
    request = {"nonce": "0011223344556677",
               "requested_at": to_iso(datetime.now(timezone.utc) - timedelta(minutes=minutes_ago))}
    return path_of(kind, str(uuid4()), request, key)


def stored_link(apis, kind: str) -> tuple[str, str, str]:
    """A real sign-in request, asked for through the API: the link's path, the database and the subject's id."""
    if kind == "volunteer":
        offer = requests.post(apis["offers"] + "/offers", json=offer_body(), timeout=5).json()
        with MongoClient(apis["mongo_uri"]) as client:
            request = client[OFFERS_DB].offers.find_one({"_id": offer["id"]})["confirmation"]
        confirm = confirmation.offer_link(Config(link_signing_keys=(LINK_SIGNING_KEY,)), offer["id"], request)
        assert requests.post(apis["offers"] + urlsplit(confirm).path, timeout=5).status_code == 200  # now open
        service, database, collection = "offers", OFFERS_DB, "offers"
        subject_id, email = offer["id"], offer["volunteer"]["email"]
    else:
        organisation = registered_organisation(apis)
        service, database, collection = "needs", NEEDS_DB, "organisations"
        subject_id, email = organisation["id"], organisation["contact"]["email"]
    assert requests.post(apis[service] + "/sign-in", json={"email": email}, timeout=5).status_code == 202
    with MongoClient(apis["mongo_uri"]) as client:
        request = client[database][collection].find_one({"_id": subject_id})["sign_in"]
    return path_of(kind, subject_id, request), database, subject_id


def press(web, link: str):
    """Press the link page's button, with a CSRF token the site gave (the page may have none to give)."""
    token = csrf(text_of(web.get("/logg-inn")))
    return web.post(link, data={"csrf_token": token})


@pytest.mark.parametrize(("link", "status", "heading"), [
    (lambda: made_up(minutes_ago=31), 410, "Lenken har gått ut"),
    (lambda: made_up("contact", minutes_ago=31), 410, "Lenken har gått ut"),
    (lambda: made_up(key="another-key-" + "x" * 32), 404, "Lenken virker ikke"),
    (lambda: made_up().replace("/frivillig/", "/organisasjon/"), 404, "Lenken virker ikke"),
    (lambda: "/logg-inn/frivillig/ikke-en-kode", 404, "Lenken virker ikke"),
    (lambda: "/logg-inn/andre/ikke-en-kode", 404, "Lenken virker ikke"),
    (lambda: made_up()[:-3], 404, "Lenken virker ikke"),
    (lambda: made_up(), 410, "Lenken er allerede brukt"),
    (lambda: made_up("contact"), 410, "Lenken er allerede brukt"),
], ids=["volunteer's too old", "contact's too old", "forged", "for the other kind", "no code", "no such page",
        "cut short", "volunteer's request gone", "contact's request gone"])
@pytest.mark.parametrize("pressed", [False, True], ids=["opened", "its button pressed"])
def test_a_link_that_cannot_work_says_so_at_once_without_a_button(web, link, status, heading, pressed):
    response = press(web, link()) if pressed else web.get(link())
    page = text_of(response)
    assert response.status_code == status and f"<h1>{heading}</h1>" in page
    assert BUTTON not in page and "<form method=\"post\">" not in page
    assert 'href="/logg-inn"' in page  # the way to a new link


@pytest.mark.parametrize("kind", ["volunteer", "contact"])
def test_a_working_link_shows_the_button_changes_nothing_when_opened_and_signs_in_once(apis, web, kind):
    link, database, subject_id = stored_link(apis, kind)
    for _ in range(2):
        opened = web.get(link)
        assert opened.status_code == 200 and BUTTON in text_of(opened)
        assert opened.headers["Cache-Control"] == "no-store" and opened.headers["Referrer-Policy"] == "no-referrer"
    with MongoClient(apis["mongo_uri"]) as client:
        assert client[database].sessions.count_documents({"subject_id": subject_id}) == 0
    signed_in = web.post(link, data={"csrf_token": csrf(text_of(opened))})
    assert signed_in.status_code == 302
    with MongoClient(apis["mongo_uri"]) as client:
        assert client[database].sessions.count_documents({"subject_id": subject_id}) == 1
    used = web_client(apis).get(link)
    assert used.status_code == 410 and "<h1>Lenken er allerede brukt</h1>" in text_of(used)
    assert BUTTON not in text_of(used)



def test_the_web_is_given_no_link_key_and_tells_links_apart_by_asking(apis, web):
    assert web.application.extensions["web_config"].link_signing_keys == ()
    assert web.get(made_up(minutes_ago=31)).status_code == 410 and web.get(made_up()[:-3]).status_code == 404
