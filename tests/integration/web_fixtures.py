"""What the web's integration tests share: the APIs under gunicorn, the web app in front of them, its forms sent
with their CSRF token, and an organisation registered, confirmed and verified through the needs API."""
from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import requests
from flask.testing import FlaskClient
from pymongo import MongoClient

from shared import confirmation
from shared.config import Config
from services.needs.app import DB_NAME as NEEDS_DB
from services.web.app import create_app
from tests.integration.conftest import (ADMIN_TOKEN, LINK_SIGNING_KEY, SERVICE_TOKEN, STAFF, WEB_SESSION_KEY,
                                        organisation_body)
from tests.integration.live_apis import running_apis

TOKENS = {"LINK_SIGNING_KEY": LINK_SIGNING_KEY, "ADMIN_TOKEN": ADMIN_TOKEN, "SERVICE_TOKEN": SERVICE_TOKEN}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


@contextmanager
def web_apis(logs: Path, mongo_uri: str, then: tuple[str, ...] = ()) -> Iterator[dict[str, str]]:
    """offers and needs, then the services in `then`, which find them by their URLs: every URL and the
    database's."""
    with running_apis(["offers", "needs"], logs, mongo_uri, **TOKENS) as first:
        if not then:
            yield {**first, "mongo_uri": mongo_uri}
            return
        with running_apis(list(then), logs, mongo_uri, OFFERS_URL=first["offers"], NEEDS_URL=first["needs"],
                          **TOKENS) as second:
            yield {**first, **second, "mongo_uri": mongo_uri}


def web_client(apis: dict[str, str]) -> FlaskClient:
    """A test client of the web app, calling the running APIs."""
    urls = {f"{service}_url": apis[service] for service in ("offers", "needs", "matcher", "notify") if service in apis}
    return create_app(Config(**urls, web_session_keys=(WEB_SESSION_KEY,), testing=True)).test_client()


def cookie_session(web: FlaskClient) -> dict[str, Any]:
    """What the web's session cookie holds, read by the app's own session interface ({} for no cookie)."""
    app = web.application
    cookie = web.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return dict(app.session_interface.get_signing_serializer(app).loads(cookie.value)) if cookie else {}


def text_of(response) -> str:
    return response.get_data(as_text=True)


def csrf(html: str) -> str:
    """The CSRF token of the page's form."""
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found[1] or found[2]


def submit(web: FlaskClient, path: str, fields: dict, follow: bool = False):
    """Open the page, and send its form with these fields and the page's own CSRF token."""
    page = web.get(path)
    assert page.status_code == 200, text_of(page)
    return web.post(path, data={"csrf_token": csrf(text_of(page)), **fields}, follow_redirects=follow)


def pages(web: FlaskClient, path: str, most: int = 50) -> list[str]:
    """The listing at path and every page after it, following its "Neste side" links."""
    seen = [text_of(web.get(path))]
    while (found := NEXT.search(seen[-1])) and len(seen) < most:
        response = web.get(found[1].replace("&amp;", "&"))
        assert response.status_code == 200
        seen.append(text_of(response))
    return seen


def confirm_contact(apis: dict[str, str], organisation_id: str) -> None:
    """Press the button of the confirmation page the link mailed to the organisation's contact opens."""
    with MongoClient(apis["mongo_uri"]) as client:
        stored = client[NEEDS_DB].organisations.find_one({"_id": organisation_id})
    link = confirmation.contact_link(Config(needs_url=apis["needs"], link_signing_keys=(LINK_SIGNING_KEY,)),
                                     organisation_id, stored["confirmation"])
    response = requests.post(apis["needs"] + urlsplit(link).path, timeout=5)
    assert response.status_code == 200, response.text


def verify(apis: dict[str, str], organisation_id: str) -> None:
    """Staff verify the organisation through the needs API."""
    response = requests.post(f"{apis['needs']}/organisations/{organisation_id}/verify", headers=STAFF, timeout=5)
    assert response.status_code == 200, response.text


def registered_organisation(apis: dict[str, str], confirmed: bool = True, verified: bool = True,
                            **changes: Any) -> dict[str, Any]:
    """An organisation registered through the needs API, its contact confirmed and staff's verification given
    unless told otherwise; the organisation with its api_key."""
    created = requests.post(apis["needs"] + "/organisations", json=organisation_body(**changes), timeout=5)
    assert created.status_code == 201, created.text
    organisation = created.json()
    if confirmed:
        confirm_contact(apis, organisation["id"])
    if verified:
        verify(apis, organisation["id"])
    return organisation
