"""What the notify tests run against: a real MongoDB-protocol server, the real SMTP catcher, a local
HTTP SMS sink, a clock the test moves, and an in-memory directory of the people involved."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator
from uuid import uuid4

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from deploy import standins
from shared import links
from shared.config import Config
from shared.events import Event, new_event
from shared.timeslots import OSLO
from services.notify.app import DB_NAME
from services.notify.delivery import Notifier
from services.notify.repository import NotifyRepository
from services.notify.senders import SmsSender, SmtpSender
from tests.conftest import MailCatcher

STAFF_TOKEN = "notify-staff-token"
NEED_TITLE = "Besøksvenn på Fjell bo- og omsorgssenter"
WEEKLY = {"weekday": 2, "start_time": "17:30", "end_time": "19:00", "from_date": "2026-01-06",
          "until_date": "2026-06-30"}
MONDAY_NOON = datetime(2026, 3, 2, 12, 0, tzinfo=OSLO)


@dataclass
class SmsSink:
    """A local SMS gateway: records each POSTed JSON body; answers `status` (set it to fail)."""

    port: int
    received: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    def to(self, phone: str) -> list[dict[str, Any]]:
        with self.lock:
            return [sms for sms in self.received if sms["to"] == phone]


def _sink_handler(sink: SmsSink) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if sink.status < 400:
                with sink.lock:
                    sink.received.append({**body, "key": self.headers.get("Idempotency-Key")})
            self.send_response(sink.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    return Handler


@pytest.fixture
def sms_sink() -> Iterator[SmsSink]:
    sink = SmsSink(standins.free_port())
    server = ThreadingHTTPServer(("127.0.0.1", sink.port), _sink_handler(sink))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield sink
    server.shutdown()
    server.server_close()


@dataclass
class Clock:
    """The time the code under test sees; the test moves it."""

    now: datetime = MONDAY_NOON

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Directory:
    """An in-memory stand-in for shared.directory.Directory (same methods: match, need, organisation, offer).

    In the running system these come over HTTP from the matcher, needs and offers services, each a
    separate process with its own database; notify's own behaviour is what these tests are about.
    """

    matches: dict[str, dict[str, Any]] = field(default_factory=dict)
    needs: dict[str, dict[str, Any]] = field(default_factory=dict)
    organisations: dict[str, dict[str, Any]] = field(default_factory=dict)
    offers: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    def match(self, match_id: str) -> dict[str, Any] | None:
        return self.matches.get(match_id)

    def need(self, need_id: str) -> dict[str, Any] | None:
        return self.needs.get(need_id)

    def organisation(self, organisation_id: str) -> dict[str, Any] | None:
        return self.organisations.get(organisation_id)

    def offer(self, offer_id: str) -> dict[str, Any] | None:
        return self.offers.get(offer_id)


@dataclass(frozen=True)
class Pair:
    """One match between a volunteer's offer and an organisation's need, and how to reach both."""

    match_id: str
    offer_id: str
    volunteer_email: str
    volunteer_phone: str
    contact_email: str
    contact_phone: str
    need_id: str
    organisation_id: str


def unique_phone() -> str:
    return "+479" + str(uuid4().int)[:7]


def add_pair(directory: Directory, languages: tuple[str, ...] = ("nb",), channels: tuple[str, ...] = ("email",),
             schedule: dict[str, Any] | None = None, status: str = "proposed") -> Pair:
    """Put a match, its need, organisation and offer into the directory; every address is new."""
    tag = uuid4().hex[:10]
    pair = Pair(match_id=str(uuid4()), offer_id=f"offer-{tag}", volunteer_email=f"kari-{tag}@example.no",
                volunteer_phone=unique_phone(), contact_email=f"ola-{tag}@example.no", contact_phone=unique_phone(),
                need_id=f"need-{tag}", organisation_id=f"org-{tag}")
    organisation_id = pair.organisation_id
    directory.organisations[organisation_id] = {
        "id": organisation_id, "name": "Fjell bo- og omsorgssenter",
        "contact": {"name": "Ola Hansen", "email": pair.contact_email, "phone": pair.contact_phone}}
    directory.needs[pair.need_id] = {
        "id": pair.need_id, "organisation_id": organisation_id, "title": NEED_TITLE, "status": "open",
        "description": "Prate, gå tur, lese avis med en beboer.", "district": "fjell", "schedule": schedule or WEEKLY}
    directory.offers[pair.offer_id] = {
        "id": pair.offer_id, "status": "open", "contact_channels": list(channels),
        "volunteer": {"name": "Kari Nordmann", "email": pair.volunteer_email, "phone": pair.volunteer_phone,
                      "languages": list(languages)}}
    directory.matches[pair.match_id] = {
        "id": pair.match_id, "need_id": pair.need_id, "offer_id": pair.offer_id,
        "organisation_id": organisation_id, "status": status, "expires_at": "2026-03-04T11:00:00+00:00"}
    return pair


def answer_link(notifier: Notifier, pair: Pair, side: str) -> str:
    """The answer link notify signs for one side of the pair's match."""
    return links.answer_url(notifier.config, pair.match_id, side)


def match_event(type_: str, pair: Pair, **extra: Any) -> Event:
    """An event as the matcher publishes it: ids and status, no personal data."""
    data = {"id": pair.match_id, "need_id": pair.need_id, "offer_id": pair.offer_id,
            "organisation_id": pair.organisation_id, "status": type_.split(".")[1], "slots": 1,
            "expires_at": "2026-03-04T11:00:00+00:00", **extra}
    return new_event("/services/matcher", type_, pair.match_id, data)


@pytest.fixture
def notify_db(mongo: MongoClient) -> Database:
    """The notify service's database, empty, as the service's own app reads it."""
    mongo.drop_database(DB_NAME)
    return mongo[DB_NAME]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def directory() -> Directory:
    return Directory()


@pytest.fixture
def notify_config(mongo_uri: str, smtp_server: MailCatcher, sms_sink: SmsSink) -> Config:
    return Config(mongodb_uri=mongo_uri, smtp_port=smtp_server.port, sms_gateway_url=sms_sink.url,
                  admin_token=STAFF_TOKEN, service_token="notify-service-token", notify_retry_base_seconds=1.0,
                  link_signing_keys=("notify-test-link-key-of-32-bytes-or-more",), testing=True)


@pytest.fixture
def make_notifier(notify_db: Database, directory: Directory, clock: Clock,
                  notify_config: Config) -> Callable[..., Notifier]:
    """A notifier on the real database and servers; keyword arguments change its configuration."""
    repo = NotifyRepository(notify_db)
    repo.ensure_indexes()

    def make(**overrides: Any) -> Notifier:
        config = notify_config.with_overrides(**overrides)
        return Notifier(repo, directory, SmtpSender(config, timeout=5.0), SmsSender(config, timeout=5.0),
                        config, clock)

    return make


@pytest.fixture
def notifier(make_notifier: Callable[..., Notifier]) -> Notifier:
    return make_notifier()
