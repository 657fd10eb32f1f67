"""Session fixtures: a real Kafka-protocol broker, a real MongoDB-protocol server and a capturing SMTP server."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any, Callable

import pytest
from aiosmtpd.controller import Controller

from deploy import standins


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory) -> str:
    with standins.kafka(tmp_path_factory.mktemp("kafka")) as address:
        yield address


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory) -> str:
    with standins.mongodb(tmp_path_factory.mktemp("mongodb")) as uri:
        yield uri


@dataclass
class CapturedMail:
    """Mail received by the capturing SMTP server."""

    envelope_to: list[str]
    message: EmailMessage

    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()


@dataclass
class MailCatcher:
    """The e-mail that reached the SMTP server, in order."""

    port: int
    messages: list[CapturedMail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mail = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(CapturedMail(list(envelope.rcpt_tos), mail))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[CapturedMail]:
        with self.lock:
            return [m for m in self.messages if address in m.envelope_to]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


def start_mail_catcher(port: int | None = None) -> tuple[MailCatcher, Controller]:
    """A real SMTP server on loopback that keeps what it receives."""
    catcher = MailCatcher(port or standins.free_port())
    controller = Controller(catcher, hostname="127.0.0.1", port=catcher.port)
    controller.start()
    return catcher, controller


@pytest.fixture(scope="session")
def smtp_server() -> MailCatcher:
    catcher, controller = start_mail_catcher()
    yield catcher
    controller.stop()


def wait_until(condition: Callable[[], object], timeout: float = 30.0, interval: float = 0.2,
               message: str | Callable[[], str] = "") -> object:
    """Poll until the condition returns something truthy; fail the test after the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            said = message() if callable(message) else message
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {said or condition}")
        time.sleep(interval)


class _Forms(HTMLParser):
    """The forms of a page: (method, action) of each, and the buttons and inputs inside."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (values.get("method") or "get").lower(), "action": values.get("action") or "",
                               "buttons": [], "inputs": []})
        elif tag in ("button", "input") and self.forms:
            self.forms[-1][f"{tag}s"].append(values)


def forms_of(html: str) -> list[dict[str, Any]]:
    """Every form on a page, as a browser would read it."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms
