"""The web's sessions against the real offers and needs APIs: signing in by the mailed link and out again, a session
token and never a permanent credential in the cookie after signing up, the encrypted cookie, the idle timeout and
the 12-hour limit, CSRF, where it sends people after signing in, the headers every page carries, and the web
starting with its session key alone."""
from __future__ import annotations

import base64
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from flask.sessions import SecureCookieSessionInterface
from pymongo import MongoClient

from deploy import standins
from deploy.stack import ROOT, WEB, Stack

from shared import signin
from shared.auth import hash_token
from shared.config import Config
from services.needs.app import DB_NAME as NEEDS_DB
from services.offers.app import DB_NAME as OFFERS_DB
from services.web import session as people
from services.web.app import create_app
from tests.conftest import wait_until
from tests.integration.conftest import ADMIN_TOKEN, LINK_SIGNING_KEY, WEB_SESSION_KEY, unique_email
from tests.integration.live_apis import answers
from tests.integration.test_web_organisation import registration
from tests.integration.test_web_volunteer import signup
from tests.integration.web_fixtures import (cookie_session, csrf, registered_organisation, submit, text_of, web_apis,
                                            web_client)

STAFF_PAGE = "/ansatt/organisasjoner"  # a staff page the offers and needs APIs alone can serve


@pytest.fixture(scope="module")
def apis(tmp_path_factory, mongo_uri):
    with web_apis(tmp_path_factory.mktemp("web-sessions"), mongo_uri) as urls:
        yield urls


@pytest.fixture
def web(apis):
    return web_client(apis)


def _stored(apis, organisation_id: str) -> tuple[dict, int]:
    """The organisation as the needs service keeps it, and how many sessions it has."""
    with MongoClient(apis["mongo_uri"]) as client:
        db = client[NEEDS_DB]
        return db.organisations.find_one({"_id": organisation_id}), db.sessions.count_documents(
            {"subject_id": organisation_id})


def _mailed_link_path(apis, organisation_id: str) -> str:
    """The path of the sign-in link notify would mail for the organisation's stored request."""
    stored, _ = _stored(apis, organisation_id)
    config = Config(link_signing_keys=(LINK_SIGNING_KEY,), testing=True)
    return urlsplit(signin.contact_link(config, organisation_id, stored["sign_in"])).path


def test_an_organisation_signs_in_by_the_mailed_link_once_and_signing_out_revokes_its_session(apis, web):
    email = unique_email("kontakt")
    organisation = registered_organisation(apis, contact={"name": "Ola", "email": email})
    asked = submit(web, "/logg-inn", {"email": email})
    assert asked.status_code == 302 and asked.headers["Location"].endswith("/logg-inn/sendt")
    link = _mailed_link_path(apis, organisation["id"])

    opened = web.get(link)
    assert opened.status_code == 200 and _stored(apis, organisation["id"])[1] == 0  # opening changes nothing
    signed_in = submit(web, link, {})
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/vare-behov")
    assert web.get("/vare-behov").status_code == 200 and _stored(apis, organisation["id"])[1] == 1

    again = web_client(apis).get(link)  # the link works once: opened again, it says so without a button
    assert again.status_code == 410 and "Lenken er allerede brukt" in text_of(again)

    out = web.post("/logg-ut", data={"csrf_token": csrf(text_of(web.get("/vare-behov")))})
    assert out.status_code == 302
    assert _stored(apis, organisation["id"])[1] == 0
    assert web.get("/vare-behov").headers["Location"].startswith("/logg-inn")


def _signed_up(apis, web, kind: str) -> tuple[dict, str]:
    """Sign up on the web as a volunteer or register an organisation: the stored offer or organisation and the
    database it is in."""
    if kind == "volunteer":
        fields = signup()
        assert submit(web, "/bli-frivillig", fields).status_code == 302
        database, collection, query = OFFERS_DB, "offers", {"volunteer.email": fields["email"]}
    else:
        fields = registration()
        assert submit(web, "/organisasjon/registrer", fields).status_code == 302
        database, collection, query = NEEDS_DB, "organisations", {"contact.email": fields["contact_email"]}
    with MongoClient(apis["mongo_uri"]) as client:
        return client[database][collection].find_one(query), database


@pytest.mark.parametrize("kind, home, credential", [("volunteer", "/min-side", "manage_token_hash"),
                                                    ("organisation", "/vare-behov", "api_key_hash")])
def test_after_signing_up_the_cookie_holds_a_session_token_and_never_the_permanent_credential(apis, web, kind, home,
                                                                                             credential):
    subject, database = _signed_up(apis, web, kind)
    kept = cookie_session(web)
    assert (kept["kind"], kept["subject"]) == (kind, subject["_id"])
    assert hash_token(kept["token"]) != subject[credential]
    assert not any(hash_token(value) == subject[credential] for value in kept.values() if isinstance(value, str))
    with MongoClient(apis["mongo_uri"]) as client:
        sessions = list(client[database].sessions.find({"subject_id": subject["_id"]}))
    assert [session["_id"] for session in sessions] == [hash_token(kept["token"])]  # the exchange's session
    assert web.get(home).status_code == 200


def test_the_sign_in_page_answers_the_same_for_an_unknown_address(web):
    known_or_not = submit(web, "/logg-inn", {"email": unique_email("ukjent")})
    assert known_or_not.status_code == 302 and known_or_not.headers["Location"].endswith("/logg-inn/sendt")


def _staff(web, next_path: str = "") -> object:
    return submit(web, f"/logg-inn/ansatt{next_path}", {"token": ADMIN_TOKEN})


def _at(monkeypatch, instant: int) -> None:
    """Set the web sessions' clock."""
    monkeypatch.setattr(people, "clock", lambda: instant)


def test_a_session_idle_for_longer_than_the_timeout_is_ended(web, monkeypatch):
    start = people.clock()
    _at(monkeypatch, start)  # signed in at that very second, however the clock ticks meanwhile
    assert _staff(web).status_code == 302
    assert web.get(STAFF_PAGE).status_code == 200
    _at(monkeypatch, start + 31 * 60)
    idle = web.get(STAFF_PAGE)
    assert idle.status_code == 302 and idle.headers["Location"].startswith("/logg-inn/ansatt")
    assert "ikke hadde gjort noe på en stund" in text_of(web.get(idle.headers["Location"]))


def test_a_session_ends_twelve_hours_after_signing_in_however_busy_it_was(web, monkeypatch):
    start = people.clock()
    _at(monkeypatch, start)  # signed in at that very second, however the clock ticks meanwhile
    assert _staff(web).status_code == 302
    for minutes in range(25, 12 * 60, 25):  # a request every 25 minutes, never idle for the 30
        _at(monkeypatch, start + minutes * 60)
        assert web.get("/logg-inn/sendt").status_code == 200
    _at(monkeypatch, start + (12 * 60 - 1) * 60)
    assert web.get(STAFF_PAGE).status_code == 200
    _at(monkeypatch, start + 12 * 3600)
    ended = web.get(STAFF_PAGE)
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/logg-inn/ansatt")
    page = text_of(web.get(ended.headers["Location"]))
    assert "12 timer siden du logget inn" in page and "ikke hadde gjort noe" not in page
    assert "kind" not in cookie_session(web)


def test_a_page_asked_for_signed_out_is_where_signing_in_leads_back_to_but_a_button_pressed_is_not(web):
    assert web.get(STAFF_PAGE).headers["Location"] == f"/logg-inn/ansatt?next={STAFF_PAGE}"
    pressed = web.post("/min-side/bekreftelse", data={"csrf_token": csrf(text_of(web.get("/logg-inn")))})
    assert pressed.status_code == 302 and pressed.headers["Location"] == "/logg-inn"


def test_a_form_sent_without_its_csrf_token_is_refused_and_does_nothing(web):
    refused = web.post("/logg-inn/ansatt", data={"token": ADMIN_TOKEN})
    assert refused.status_code == 400 and "Skjemaet er utløpt" in text_of(refused)
    assert web.get(STAFF_PAGE).status_code == 302  # not signed in


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "/%09/evil.example",
                                    "/%0d/evil.example", "javascript:alert(1)", "http:/evil.example"])
def test_after_signing_in_the_web_goes_only_to_its_own_pages(web, target):
    signed_in = _staff(web, f"?next={target}")
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/ansatt"


def test_every_page_forbids_framing_and_inline_script_and_pages_with_personal_data_are_not_stored(web):
    public = web.get("/")
    policy = public.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert public.headers["X-Frame-Options"] == "DENY" and public.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in public.headers.get("Cache-Control", "")
    _staff(web)
    assert web.get(STAFF_PAGE).headers["Cache-Control"] == "no-store"


def test_the_session_cookie_is_http_only_same_site_and_secure_when_the_web_is_served_over_https(apis):
    plain = _staff(web_client(apis)).headers["Set-Cookie"]
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    secure_app = create_app(Config(offers_url=apis["offers"], needs_url=apis["needs"],
                                   web_url="https://frivillig.example", web_session_keys=(WEB_SESSION_KEY,),
                                   testing=True))
    secure = _staff(secure_app.test_client()).headers["Set-Cookie"]
    assert "Secure" in secure and "HttpOnly" in secure


def _cookie_value(web) -> str:
    return web.get_cookie(web.application.config["SESSION_COOKIE_NAME"]).value


def _set_cookie_value(web, value: str) -> None:
    web.set_cookie(web.application.config["SESSION_COOKIE_NAME"], value)


def test_the_cookie_holds_the_staff_token_sealed_so_it_cannot_be_read_from_the_cookie(web):
    header = _staff(web).headers["Set-Cookie"]
    value = _cookie_value(web)
    assert ADMIN_TOKEN not in header and ADMIN_TOKEN.encode() not in base64.urlsafe_b64decode(value + "==")
    assert cookie_session(web)["token"] == ADMIN_TOKEN and cookie_session(web)["kind"] == "staff"


@pytest.mark.parametrize("where", [-5, 3, 20])
def test_a_cookie_changed_anywhere_is_no_session_and_the_person_is_signed_out(web, where):
    assert _staff(web).status_code == 302 and web.get(STAFF_PAGE).status_code == 200
    value = _cookie_value(web)
    _set_cookie_value(web, value[:where] + ("A" if value[where] != "A" else "B") + value[where + 1:])
    changed = web.get(STAFF_PAGE)
    assert changed.status_code == 302 and changed.headers["Location"].startswith("/logg-inn/ansatt")


def test_a_cookie_signed_in_the_clear_as_flask_signs_them_is_no_session(apis, web):
    app = web.application
    signed = SecureCookieSessionInterface().get_signing_serializer(app).dumps(
        {"kind": "staff", "token": ADMIN_TOKEN, "signed_in_at": people.clock(), "seen": people.clock()})
    _set_cookie_value(web, signed)
    assert web.get(STAFF_PAGE).status_code == 302


def test_after_the_session_key_is_rotated_a_cookie_sealed_under_the_old_key_still_opens_until_it_is_dropped(apis):
    urls = {"offers_url": apis["offers"], "needs_url": apis["needs"], "testing": True}
    old, new = "old-web-session-key-" + "o" * 32, "new-web-session-key-" + "n" * 32
    before = create_app(Config(**urls, web_session_keys=(old,))).test_client()
    assert _staff(before).status_code == 302
    sealed = _cookie_value(before)
    for keys, status in (((new, old), 200), ((new,), 302)):
        after = create_app(Config(**urls, web_session_keys=keys)).test_client()
        _set_cookie_value(after, sealed)
        assert after.get(STAFF_PAGE).status_code == status


def _web_process(tmp_path, apis, **secrets: str) -> tuple[Stack, str]:
    """The web under gunicorn as deployed, outside TESTING, given the APIs' URLs and these secrets only."""
    port = standins.free_port()
    env = {"PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}", "PYTHONPATH": str(ROOT),
           "OFFERS_URL": apis["offers"], "NEEDS_URL": apis["needs"], "WEB_URL": f"http://127.0.0.1:{port}",
           **secrets}
    stack = Stack(env, {WEB: port}, tmp_path / "logs")
    stack.logdir.mkdir(parents=True, exist_ok=True)
    stack.start_api(WEB)
    return stack, f"http://127.0.0.1:{port}"


def test_the_web_runs_with_only_its_session_key_and_the_urls_and_does_not_start_without_the_key(apis, tmp_path):
    stack, url = _web_process(tmp_path, apis, WEB_SESSION_KEY="a-web-session-key-of-32-bytes-or-more")
    try:
        wait_until(lambda: answers(url + "/healthz"), timeout=30)
        opened = requests.get(url + "/logg-inn/frivillig/ikke-en-kode", timeout=5)  # asks the offers service
        assert opened.status_code == 404 and "Lenken virker ikke" in opened.text
        asked = requests.get(url + "/logg-inn", timeout=5)
        assert asked.status_code == 200 and "frivillig" in asked.headers["Set-Cookie"]
    finally:
        stack.stop()
    refusing, url = _web_process(tmp_path, apis, ADMIN_TOKEN="a" * 32, SERVICE_TOKEN="s" * 32,
                                 LINK_SIGNING_KEY="k" * 32)
    try:  # each worker gunicorn boots stops at once, naming the variable; none ever answers
        wait_until(lambda: "WEB_SESSION_KEY must be set" in refusing.log_of(f"{WEB}-api").read_text(), timeout=30)
        assert not answers(url + "/healthz")
    finally:
        refusing.stop()
