"""The whole system as real processes, for the end-to-end and browser tests: a broker, a MongoDB-protocol
server and a capturing SMTP server, with the four services' gunicorn APIs and workers and the web pages."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from kafka import KafkaConsumer
from pymongo import MongoClient

from deploy import standins
from deploy.stack import APIS, SERVICES, Stack, service_urls
from tests.conftest import MailCatcher, start_mail_catcher

ADMIN = "e2e-admin-token-" + "a" * 32
SERVICE = "e2e-service-token-" + "s" * 32
LINK_KEYS = "e2e-link-signing-key-" + "k" * 32
WEB_SESSION_KEY = "e2e-web-session-key-" + "w" * 32


@dataclass
class System:
    """Handles on the running system for a test."""

    stack: Stack
    urls: dict[str, str]
    mail: MailCatcher
    kafka: str
    broker: standins.Server | None

    def url(self, service: str, path: str) -> str:
        return self.urls[service] + path

    def staff(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN}"}

    def matcher_record(self, collection: str, doc_id: str) -> dict | None:
        """A document of the matcher's own database: what the matcher has seen and decided so far."""
        client = MongoClient(self.stack.env["MONGODB_URI"], serverSelectionTimeoutMS=3000)
        try:
            return client.matcher[collection].find_one({"_id": doc_id})
        finally:
            client.close()

    def all_messages(self, topics: list[str]) -> list:
        """Every message on the topics from the start (a fresh consumer without a group)."""
        consumer = KafkaConsumer(bootstrap_servers=self.kafka, auto_offset_reset="earliest",
                                 enable_auto_commit=False, consumer_timeout_ms=3000)
        consumer.subscribe(topics)
        try:
            return list(consumer)
        finally:
            consumer.close()


@contextmanager
def running_system(workdir: Path, **env: str) -> Iterator[System]:
    """Everything started under workdir (env added to the defaults) and ready; stopped afterwards, with the
    workers' last log lines on stderr. A KAFKA_BOOTSTRAP_SERVERS in the environment is used instead of a
    broker of our own."""
    broker = None
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        kafka = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    else:
        broker = standins.Server("kafka", standins.free_port(), workdir).start()
        kafka = broker.address
    mail, smtp = start_mail_catcher()
    try:
        with standins.mongodb(workdir / "mongodb") as mongo_uri:
            ports = {name: standins.free_port() for name in APIS}
            defaults = {
                "KAFKA_BOOTSTRAP_SERVERS": kafka, "MONGODB_URI": mongo_uri, "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(mail.port), "ADMIN_TOKEN": ADMIN, "SERVICE_TOKEN": SERVICE,
                "LINK_SIGNING_KEY": LINK_KEYS, "WEB_SESSION_KEY": WEB_SESSION_KEY,
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{ports['matcher']}",
                "NOTIFY_RETRY_BASE_SECONDS": "0.5", "RATE_LIMIT_WRITES": "1000/minute",
                "RATE_LIMIT_TOKEN_FAILURES": "1000/minute", "TRUSTED_PROXIES": "127.0.0.1", "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
                **service_urls(ports)}
            worker_ports = {name: standins.free_port() for name in SERVICES}
            stack = Stack({**os.environ, **defaults, **env}, ports, workdir / "logs", metrics_ports=worker_ports)
            try:
                stack.start().wait_ready()
                yield System(stack, {n: f"http://127.0.0.1:{p}" for n, p in ports.items()}, mail, kafka, broker)
            finally:
                stack.stop()
                _show_logs(workdir / "logs")
    finally:
        smtp.stop()
        if broker:
            broker.stop()


def _show_logs(logdir: Path) -> None:
    for log in sorted(logdir.glob("*worker.log")):
        tail = log.read_text(errors="replace").splitlines()[-15:]
        print(f"--- {log.name}", *tail, sep="\n", file=sys.stderr)
