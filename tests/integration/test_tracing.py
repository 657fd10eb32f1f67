"""One trace from a request through the outbox, the broker and a consumer to the calls it makes: W3C traceparent
over HTTP and as the CloudEvents distributed-tracing extension, in every log line, and exported to OpenTelemetry
only when asked."""
from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any, Iterator
from uuid import uuid4

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from deploy import standins
from shared import logs, tracing
from shared.config import Config
from shared.consume import ConsumeLoop
from shared.directory import Directory
from shared.events import OFFERS_TOPIC, new_event, parse_event
from shared.kafka import Publisher, Subscription, ensure_topics
from shared.mongo import OutboxRelay
from deploy.stack import ROOT
from tests.conftest import wait_until
from tests.integration.conftest import offer_body

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"


class Recorder:
    """A local HTTP service answering every GET with a JSON object, keeping each request's headers."""

    def __init__(self) -> None:
        self.headers: list[dict[str, str]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                recorder.headers.append({key.lower(): value for key, value in self.headers.items()})
                body = json.dumps({"id": self.path.rsplit("/", 1)[-1]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    running = Recorder()
    yield running
    running.close()


@pytest.fixture
def event_log() -> Iterator[io.StringIO]:
    """The consume loop's event lines as the JSON handler writes them."""
    stream, logger = io.StringIO(), logs.EVENTS
    handler, level = logs.json_handler(stream), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def outbox_of(offers_db, offer_id: str) -> list[Any]:
    return [parse_event(entry["value"]) for entry in offers_db.offers.find_one({"_id": offer_id})["outbox"]]


@pytest.mark.parametrize("value", [
    TRACEPARENT, f"01-{TRACE_ID}-{CALLER_SPAN}-01-what-a-later-version-adds"])
def test_a_valid_traceparent_is_read(value):
    context = tracing.parse(value, "congo=t61rcWkgMzE")
    assert (context.trace_id, context.span_id, context.state) == (TRACE_ID, CALLER_SPAN, "congo=t61rcWkgMzE")


@pytest.mark.parametrize("value", [
    None, "", "garbage", f"00-{'0' * 32}-{CALLER_SPAN}-01", f"00-{TRACE_ID}-{'0' * 16}-01",
    f"ff-{TRACE_ID}-{CALLER_SPAN}-01", f"00-{TRACE_ID}-{CALLER_SPAN}-01-extra",
    f"00-{TRACE_ID.upper()}-{CALLER_SPAN}-01", 12345])
def test_a_traceparent_that_breaks_the_w3c_rules_is_ignored(value):
    assert tracing.parse(value) is None


def test_an_event_carries_the_trace_it_was_made_in_as_the_cloudevents_extension():
    with tracing.Span("work", parent=tracing.parse(TRACEPARENT, "congo=t61rcWkgMzE")) as context:
        event = new_event("/test", "offer.published", "o1", {})
    document = json.loads(event.to_json())
    assert document["traceparent"] == context.traceparent and document["tracestate"] == "congo=t61rcWkgMzE"
    assert context.trace_id == TRACE_ID and context.span_id != CALLER_SPAN
    assert parse_event(event.to_json()).trace == context


def test_an_event_made_outside_any_work_starts_a_trace_and_a_broken_one_is_read_as_none():
    document = json.loads(new_event("/test", "offer.published", "o1", {}).to_json())
    assert tracing.parse(document["traceparent"]) is not None
    document["traceparent"] = "not-a-traceparent"
    assert parse_event(json.dumps(document)).trace is None


def test_the_traceparent_a_request_sends_is_carried_by_the_events_it_saves(offers_client, offers_db):
    response = offers_client.post("/offers", json=offer_body(),
                                  headers={"traceparent": TRACEPARENT, "tracestate": "congo=t61rcWkgMzE"})
    assert response.status_code == 201
    events = outbox_of(offers_db, response.get_json()["id"])
    assert events and {(e.trace.trace_id, e.trace.state) for e in events} == {(TRACE_ID, "congo=t61rcWkgMzE")}
    assert all(e.trace.span_id != CALLER_SPAN for e in events)  # the service's own span, a child of the caller's


@pytest.mark.parametrize("headers", [{}, {"traceparent": "00-nonsense-01"}])
def test_a_request_without_a_valid_traceparent_starts_a_trace_of_its_own(offers_client, offers_db, headers):
    first = offers_client.post("/offers", json=offer_body(), headers=headers).get_json()["id"]
    second = offers_client.post("/offers", json=offer_body(), headers=headers).get_json()["id"]
    traces = {e.trace.trace_id for offer_id in (first, second) for e in outbox_of(offers_db, offer_id)}
    assert len(traces) == 2 and TRACE_ID not in traces


def test_one_trace_runs_from_a_request_through_the_outbox_and_broker_to_a_consumer_and_the_call_it_makes(
        tmp_path, mongo_uri, offers_client, offers_db, recorder, event_log):
    response = offers_client.post("/offers", json=offer_body(), headers={"traceparent": TRACEPARENT})
    offer_id = response.get_json()["id"]
    with standins.kafka(tmp_path) as broker:
        config = Config(kafka_bootstrap_servers=broker, mongodb_uri=mongo_uri, offers_url=recorder.url, testing=True)
        ensure_topics(config)
        publisher, seen = Publisher(config), []
        directory = Directory(config)

        def handle(event) -> None:
            if event.subject == offer_id:
                seen.append(tracing.current())
                directory.offer(offer_id)

        types = {event.type for event in outbox_of(offers_db, offer_id)}
        loop = ConsumeLoop(config, Subscription(f"trace-{uuid4()}", {t: handle for t in types}), publisher)
        thread = threading.Thread(target=loop.run, daemon=True)
        thread.start()
        try:
            OutboxRelay([offers_db.offers], publisher).publish_pending()
            wait_until(lambda: len(seen) == len(types), timeout=30, message="the offer's events to be handled")
        finally:
            loop.stop()
            thread.join(timeout=15)
            publisher.close()
    assert {context.trace_id for context in seen} == {TRACE_ID}
    called = [tracing.parse(headers["traceparent"]) for headers in recorder.headers]
    assert len(called) == len(types) and {context.trace_id for context in called} == {TRACE_ID}
    ours = [line for line in lines(event_log) if line.get("offer_id") == offer_id]
    assert {(line["outcome"], line["trace_id"]) for line in ours} == {("handled", TRACE_ID)}
    assert {line["event_type"] for line in ours} == types and all(line["topic"] == OFFERS_TOPIC for line in ours)


def test_spans_go_to_opentelemetry_once_export_is_on_each_a_child_of_the_one_before(offers_client, recorder):
    exporter = InMemorySpanExporter()
    tracing.export_to("offers", "api", SimpleSpanProcessor(exporter))
    config = Config(offers_url=recorder.url, testing=True)
    offer_id = str(uuid4())
    loop = ConsumeLoop(config, Subscription("otel", {"offer.published": lambda e: Directory(config).offer(offer_id)}),
                       Publisher(config))
    try:
        offers_client.get("/districts", headers={"traceparent": TRACEPARENT})
        with tracing.Span("making an event", parent=tracing.parse(TRACEPARENT)):
            value = new_event("/test", "offer.published", offer_id, {"id": offer_id}).to_json()
        assert loop.attempt(SimpleNamespace(topic=OFFERS_TOPIC, partition=0, offset=0, key=b"", value=value)) is None
    finally:
        tracing.stop_exporting()
    spans = {span.kind: span for span in exporter.get_finished_spans()}
    server, consumer, client = spans[SpanKind.SERVER], spans[SpanKind.CONSUMER], spans[SpanKind.CLIENT]
    assert server.name == "GET /districts" and server.attributes["http.response.status_code"] == 200
    assert format(server.context.trace_id, "032x") == TRACE_ID and format(server.parent.span_id, "016x") == CALLER_SPAN
    made = spans[SpanKind.INTERNAL]
    assert consumer.parent.span_id == made.context.span_id and consumer.attributes["cloudevents.event_id"]
    assert client.parent.span_id == consumer.context.span_id and client.resource.attributes["service.name"] == "offers"
    sent = tracing.parse(recorder.headers[0]["traceparent"])
    assert (sent.trace_id, sent.span_id) == (TRACE_ID, format(client.context.span_id, "016x"))
    assert not tracing.exporting()


PROBE = """
import json, sys
from flask import Flask
from shared import tracing, worker
from shared.events import new_event
worker.configure_logging("offers")
app = Flask("probe")
tracing.init_app(app, "probe")
app.add_url_rule("/", "index", lambda: "ok")
app.test_client().get("/", headers={"traceparent": "%s"})
with tracing.Span("work"):
    new_event("/test", "offer.published", "o1", {}).to_json()
loaded = sorted({name.split(".")[0] for name in sys.modules if name.startswith("opentelemetry")})
print(json.dumps([tracing.exporting(), loaded]))
""" % TRACEPARENT


@pytest.mark.parametrize("endpoint, expected", [(None, [False, []]), ("http://127.0.0.1:9", [True, ["opentelemetry"]])])
def test_opentelemetry_is_neither_imported_nor_started_unless_an_endpoint_is_set(endpoint, expected):
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    if endpoint:
        env.update(OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, OTEL_BSP_EXPORT_TIMEOUT="500", OTEL_EXPORTER_OTLP_TIMEOUT="1")
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == expected
