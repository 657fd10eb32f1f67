"""Log lines: one JSON object each, with the service and the trace, ids rather than people, no secrets."""
from __future__ import annotations

import io
import json
import logging
from typing import Any, Iterator

import pytest
from flask import Flask

from shared import logs, tracing
from shared.events import new_event

MATCH_ID = "0b4f3c2e-8f5d-4c1a-9e7b-2d6a1f0c3b5e"
NEED_ID = "6a1f0c3b-2d6a-4c1a-9e7b-0b4f3c2e8f5d"
CODE = "AQEBAQEBAQEBAQEBAQEBAQEN-HsfpiccUkwLtg5s0pKR"


@pytest.fixture
def written() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger of its own whose records the JSON handler writes to a buffer."""
    stream, logger, handler = io.StringIO(), logging.getLogger("test.logs"), logs.json_handler()
    handler.setStream(stream)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_record_is_one_json_line_with_time_level_logger_message_service_and_its_fields(written):
    logger, stream = written
    logger.info("handled %s", "need.published", extra={"need_id": NEED_ID, "duration_ms": 1.5})
    [line] = lines(stream)
    assert line["message"] == "handled need.published" and line["level"] == "INFO"
    assert line["logger"] == logger.name and line["time"].endswith("+00:00")
    assert (line["need_id"], line["duration_ms"]) == (NEED_ID, 1.5) and {"service", "role"} <= set(line)


def test_a_line_written_during_a_span_names_its_trace_and_one_outside_names_none(written):
    logger, stream = written
    with tracing.Span("work") as context:
        logger.info("inside")
    logger.info("outside")
    inside, outside = lines(stream)
    assert (inside["trace_id"], inside["span_id"]) == (context.trace_id, context.span_id)
    assert "trace_id" not in outside


def test_e_mail_addresses_and_phone_numbers_are_masked_in_messages_fields_and_tracebacks(written):
    logger, stream = written
    try:
        raise ValueError("refused kari.nordmann@example.no and +47 912 34 567")
    except ValueError:
        logger.exception("sending to ola@example.no failed", extra={"error": "to +4791234567"})
    text = stream.getvalue()
    assert "example.no" not in text and "912" not in text and "91234567" not in text
    [line] = lines(stream)
    assert line["message"] == "sending to [email] failed" and line["error"] == "to [phone]"
    assert "[email]" in line["exc_info"] and "[phone]" in line["exc_info"]


@pytest.mark.parametrize("path, expected", [
    (f"/confirm/{CODE}", "/confirm/[redacted]"),
    (f"/r/{CODE}/politiattest", "/r/[redacted]/politiattest"),
    (f"/calendar/{CODE}.ics", "/calendar/[redacted].ics"),
    (f"/logg-inn/frivillig/{CODE}", "/logg-inn/frivillig/[redacted]"),
    (f"/anything/{CODE}", "/anything/[redacted]"),
    (f"/offers?code={CODE}&status=open", "/offers?code=[redacted]&status=open"),
    (f"/matches/{MATCH_ID}/accept", f"/matches/{MATCH_ID}/accept"),
])
def test_link_codes_and_tokens_are_redacted_and_ids_kept(path, expected):
    assert logs.redact(path) == expected


def test_an_events_line_names_its_ids_from_the_subject_and_the_data_but_nothing_else():
    event = new_event("/services/matcher", "match.proposed", MATCH_ID,
                      {"id": MATCH_ID, "need_id": NEED_ID, "offer_id": "not-an-id", "note": "Kari"})
    fields = logs.event_fields(event)
    assert fields == {"event_id": event.id, "event_type": "match.proposed", "subject": MATCH_ID,
                      "match_id": MATCH_ID, "need_id": NEED_ID}


@pytest.mark.parametrize("module, service", [
    ("services.offers.app:create_app()", "offers"), ("services.matcher.worker", "matcher"), ("gunicorn", "frivillig")])
def test_the_service_is_read_from_the_module_that_runs(module, service):
    assert logs.service_of(module) == service


@pytest.fixture
def app_lines() -> Iterator[tuple[Any, io.StringIO]]:
    """A small Flask app with the request line, its lines written as JSON at INFO."""
    app = Flask("logs-test")
    tracing.init_app(app, "matcher")
    logs.init_app(app, "matcher")
    app.add_url_rule("/matches/<match_id>", "match", lambda match_id: "ok")
    app.add_url_rule("/r/<path:code>", "answer", lambda code: "ok")
    app.add_url_rule("/healthz", "healthz", lambda: "ok")
    stream = io.StringIO()
    handler = logs.json_handler(stream)
    logs.REQUESTS.addHandler(handler)
    logs.REQUESTS.setLevel(logging.INFO)
    yield app.test_client(), stream
    logs.REQUESTS.removeHandler(handler)
    logs.REQUESTS.setLevel(logging.NOTSET)


def test_a_request_line_names_route_status_time_ids_and_trace(app_lines):
    client, stream = app_lines
    client.get(f"/matches/{MATCH_ID}?need_id={NEED_ID}&email=kari@example.no",
               headers={"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
    [line] = lines(stream)
    assert (line["service"], line["method"], line["route"], line["status"]) == ("matcher", "GET", "/matches/<match_id>",
                                                                               200)
    assert (line["match_id"], line["need_id"], line["path"]) == (MATCH_ID, NEED_ID, f"/matches/{MATCH_ID}")
    assert line["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736" and line["duration_ms"] >= 0
    assert "kari" not in stream.getvalue()


def test_a_request_line_never_holds_the_link_code_and_probes_are_left_out_while_they_pass(app_lines):
    client, stream = app_lines
    client.get(f"/r/{CODE}")
    client.get("/healthz")
    client.get("/no-such-path")
    assert [(line["route"], line["path"], line["status"]) for line in lines(stream)] == [
        ("/r/<path:code>", "/r/[redacted]", 200), ("unmatched", "/no-such-path", 404)]


def test_a_request_whose_query_is_not_utf8_is_logged_without_ids_and_answered_as_the_app_answers():
    from flask import Flask
    from shared.logs import init_app
    app = Flask(__name__)
    init_app(app, "needs")

    @app.route("/needs")
    def needs():
        return "", 400

    assert app.test_client().get("/needs?%80").status_code == 400
