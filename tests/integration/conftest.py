"""The offers and needs services on a real MongoDB-protocol server, driven through Flask's test client."""
from __future__ import annotations

import re
from copy import deepcopy
from datetime import date, timedelta
from typing import Any, Iterator
from urllib.parse import urlsplit
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pymongo import MongoClient
from pymongo.database import Database

from shared import confirmation, signin
from shared.config import Config
from services.needs.app import DB_NAME as NEEDS_DB, create_app as create_needs_app
from services.offers.app import DB_NAME as OFFERS_DB, create_app as create_offers_app

ADMIN_TOKEN = "staff-token"
SERVICE_TOKEN = "service-token"
LINK_SIGNING_KEY = "integration-link-signing-key-" + "k" * 32
WEB_SESSION_KEY = "integration-web-session-key-" + "w" * 32
VALID_ORG_NUMBER = "974760673"


def bearer(token: str | None) -> dict[str, str]:
    """The Authorization header for a token (none for None)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


STAFF = bearer(ADMIN_TOKEN)
SERVICE = bearer(SERVICE_TOKEN)


def unique(prefix: str = "x") -> str:
    """A short value no other test uses."""
    return f"{prefix}-{uuid4().hex[:12]}"


def unique_email(prefix: str = "volunteer") -> str:
    return f"{unique(prefix)}@example.no"


def offer_body(**changes: Any) -> dict[str, Any]:
    """A valid POST /offers body for a new volunteer; top-level fields may be replaced."""
    body = {
        "volunteer": {"name": "Kari Nordmann", "email": unique_email(), "phone": "+4791234567",
                      "birth_year": 1990, "languages": ["nb", "en"]},
        "skills": ["driving", "cooking"],
        "districts": ["konnerud", "fjell"],
        "availability": [{"weekday": 2, "start_time": "17:00", "end_time": "20:00"}],
        "police_certificate": True,
        "max_active_matches": 2,
        "contact_channels": ["email", "sms"],
    }
    body.update(changes)
    return body


def organisation_body(**changes: Any) -> dict[str, Any]:
    """A valid POST /organisations body; top-level fields may be replaced."""
    body = {
        "name": "Konnerud Sanitetsforening",
        "org_number": VALID_ORG_NUMBER,
        "kind": "association",
        "contact": {"name": "Ola Hansen", "email": unique_email("contact"), "phone": "+4798765432"},
    }
    body.update(changes)
    return body


def need_body(**changes: Any) -> dict[str, Any]:
    """A valid POST /needs body with a weekly schedule from today; top-level fields may be replaced."""
    today = date.today()
    body = {
        "title": "Besøksvenn på Fjell bo- og omsorgssenter",
        "description": "Prate, gå tur, lese avis med en beboer.",
        "skills": ["visiting_friend"],
        "district": "fjell",
        "schedule": {"weekday": 2, "start_time": "17:30", "end_time": "19:00",
                     "from_date": today.isoformat(), "until_date": (today + timedelta(days=180)).isoformat()},
        "volunteers_needed": 2,
        "requirements": {"police_certificate": True, "min_age": 18, "languages": ["nb"]},
    }
    body.update(changes)
    return body


REMOVE = object()
_PATH_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def replaced(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of body with the field at a contract path ('availability[0].end_time') set, or REMOVE'd."""
    copy = deepcopy(body)
    steps = [int(index) if index else name for name, index in _PATH_STEP.findall(path)]
    parent = copy
    for step in steps[:-1]:
        parent = parent[step]
    if value is REMOVE:
        del parent[steps[-1]]
    else:
        parent[steps[-1]] = value
    return copy


def assert_contract_error(response, status: int) -> dict[str, Any]:
    """The response has this status and the contract's error body; returns the inner error object."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) <= {"code", "message", "fields"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if "fields" in error:
        assert isinstance(error["fields"], dict) and error["fields"]
        for path, reasons in error["fields"].items():
            assert isinstance(path, str) and path
            assert isinstance(reasons, list) and reasons and all(isinstance(r, str) for r in reasons)
    return error


def confirmation_path(client: FlaskClient, path: str) -> str:
    """The path of the confirmation link of the resource at `path` ("/offers/<id>" or "/organisations/<id>"),
    made as notify makes it for the mail: from the stored request, signed with the service's own config."""
    kind, subject_id = path.strip("/").split("/")
    deps = client.application.extensions["deps"]
    if kind == "offers":
        doc, make = deps.repo.offers.get(subject_id), confirmation.offer_link
    else:
        doc, make = deps.repo.organisations.get(subject_id), confirmation.contact_link
    assert doc is not None and "confirmation" in doc, f"no confirmation request stored for {path}"
    return urlsplit(make(deps.config, subject_id, doc["confirmation"])).path


def confirm_through_link(client: FlaskClient, path: str) -> None:
    """Press the button of the confirmation link of the resource at `path`."""
    response = client.post(confirmation_path(client, path))
    assert response.status_code == 200, response.get_data(as_text=True)


def sign_in_code(client: FlaskClient, kind: str, subject_id: str) -> str:
    """The code of the waiting sign-in link of an offer or organisation (kind "offers" or "organisations"),
    made as notify makes it for the mail: from the stored request, signed with the service's own config."""
    deps = client.application.extensions["deps"]
    doc = deps.repo.db[kind].find_one({"_id": subject_id})
    assert doc is not None and doc.get("sign_in"), f"no sign-in request stored for {kind}/{subject_id}"
    make = signin.offer_link if kind == "offers" else signin.contact_link
    return make(deps.config, subject_id, doc["sign_in"]).rsplit("/", 1)[1]


def signed_in(client: FlaskClient, kind: str, subject_id: str, email: str) -> dict[str, Any]:
    """Ask the service for a sign-in link to the address and redeem it: the session."""
    assert client.post("/sign-in", json={"email": email}).status_code == 202
    response = client.post("/sessions", json={"code": sign_in_code(client, kind, subject_id)})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def create_offer(client: FlaskClient, confirmed: bool = True, **changes: Any) -> dict[str, Any]:
    """POST /offers, its address confirmed through the link unless told otherwise; the offer with its manage_token."""
    response = client.post("/offers", json=offer_body(**changes))
    assert response.status_code == 201, response.get_data(as_text=True)
    offer = response.get_json()
    if confirmed:
        confirm_through_link(client, f"/offers/{offer['id']}")
        offer["status"] = "open"
    return offer


def register_organisation(client: FlaskClient, verified: bool = True, confirmed: bool = True,
                          **changes: Any) -> dict[str, Any]:
    """POST /organisations, its contact confirmed through the link and verified by staff unless told otherwise;
    the organisation with its api_key."""
    response = client.post("/organisations", json=organisation_body(**changes))
    assert response.status_code == 201, response.get_data(as_text=True)
    organisation = response.get_json()
    if confirmed:
        confirm_through_link(client, f"/organisations/{organisation['id']}")
        organisation["contact_confirmed"] = True
    if verified:
        check = client.post(f"/organisations/{organisation['id']}/verify", headers=STAFF)
        assert check.status_code == 200, check.get_data(as_text=True)
        organisation["verified"] = True
    return organisation


def post_need(client: FlaskClient, api_key: str, **changes: Any) -> dict[str, Any]:
    """POST /needs with the organisation's api_key; the created need."""
    response = client.post("/needs", json=need_body(**changes), headers=bearer(api_key))
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


@pytest.fixture(scope="session")
def service_config(mongo_uri: str) -> Config:
    return Config(mongodb_uri=mongo_uri, admin_token=ADMIN_TOKEN, service_token=SERVICE_TOKEN,
                  link_signing_keys=(LINK_SIGNING_KEY,), testing=True)


@pytest.fixture(scope="session")
def offers_app(service_config: Config) -> Flask:
    return create_offers_app(service_config)


@pytest.fixture(scope="session")
def needs_app(service_config: Config) -> Flask:
    return create_needs_app(service_config)


@pytest.fixture
def offers_client(offers_app: Flask) -> FlaskClient:
    return offers_app.test_client()


@pytest.fixture
def needs_client(needs_app: Flask) -> FlaskClient:
    return needs_app.test_client()


@pytest.fixture(scope="session")
def mongo(mongo_uri: str) -> Iterator[MongoClient]:
    client: MongoClient = MongoClient(mongo_uri, serverSelectionTimeoutMS=3000, tz_aware=True)
    yield client
    client.close()


@pytest.fixture
def offers_db(mongo: MongoClient) -> Database:
    return mongo[OFFERS_DB]


@pytest.fixture
def needs_db(mongo: MongoClient) -> Database:
    return mongo[NEEDS_DB]


@pytest.fixture
def empty_needs_db(mongo: MongoClient) -> Database:
    """The needs database with nothing in it, for tests that count what a listing returns."""
    mongo.drop_database(NEEDS_DB)
    return mongo[NEEDS_DB]


@pytest.fixture
def empty_offers_db(mongo: MongoClient) -> Database:
    """The offers database with nothing in it, for tests that count what a listing returns."""
    mongo.drop_database(OFFERS_DB)
    return mongo[OFFERS_DB]


@pytest.fixture
def organisation(needs_client: FlaskClient) -> dict[str, Any]:
    """A verified organisation with its api_key."""
    return register_organisation(needs_client)
