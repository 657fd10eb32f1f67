"""The APIs' log, as the stack runs them under gunicorn: one JSON line per request, naming routes and paths but
never the codes of links sent to people, nor tokens."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from tests.conftest import wait_until
from tests.integration.conftest import bearer, need_body, offer_body, organisation_body
from tests.integration.live_apis import running_apis

CODE = "AQEBAQEBAQEBAQEBAQEBAQEN-HsfpiccUkwLtg5s0pKR"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def json_lines(log: Path) -> list[dict]:
    """The log's lines that are JSON objects (gunicorn's and the app's alike)."""
    lines = []
    for line in log.read_text().splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


def requests_logged(log: Path) -> list[dict]:
    return [line for line in json_lines(log) if line.get("logger") == "frivillig.http"]


@pytest.fixture
def offers_api(tmp_path, mongo_uri) -> tuple[str, Path]:
    with running_apis(["offers"], tmp_path, mongo_uri, LINK_SIGNING_KEY="k" * 32) as urls:
        yield urls["offers"], tmp_path / "offers-api.log"


def test_link_codes_and_tokens_never_reach_the_log(offers_api):
    url, log = offers_api
    requests.get(f"{url}/confirm/{CODE}", headers={"Referer": f"http://mail.example/r/{CODE}"})
    requests.post(f"{url}/confirm/{CODE}", data={})
    requests.get(f"{url}/offers?code={CODE}", headers={"Authorization": f"Bearer {CODE}"})
    wait_until(lambda: len(requests_logged(log)) >= 3, timeout=10)
    text = log.read_text()
    assert CODE not in text
    paths = {(line["method"], line["path"]) for line in requests_logged(log)}
    assert {("GET", "/confirm/[redacted]"), ("POST", "/confirm/[redacted]"), ("GET", "/offers")} <= paths


def test_every_line_the_api_writes_is_json_with_its_service(offers_api):
    url, log = offers_api
    requests.get(f"{url}/districts")
    wait_until(lambda: requests_logged(log), timeout=10)
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    assert lines and all(json.loads(line)["service"] == "offers" for line in lines)


def test_a_request_line_has_route_status_time_ids_and_the_callers_trace(offers_api):
    url, log = offers_api
    offer_id = "0b4f3c2e-8f5d-4c1a-9e7b-2d6a1f0c3b5e"
    requests.get(f"{url}/offers/{offer_id}", headers={"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"})
    [line] = wait_until(lambda: [entry for entry in requests_logged(log) if entry.get("offer_id") == offer_id],
                        timeout=10)
    assert line["route"] == "/offers/<offer_id>" and line["status"] == 401 and line["role"] == "api"
    assert line["trace_id"] == TRACE_ID and line["duration_ms"] >= 0 and line["level"] == "INFO"


def test_the_line_of_a_post_names_what_it_created(offers_api):
    url, log = offers_api
    offer = requests.post(f"{url}/offers", json=offer_body(), timeout=10).json()
    [line] = wait_until(lambda: [entry for entry in requests_logged(log) if entry.get("route") == "/offers"
                                 and entry.get("method") == "POST"], timeout=10)
    assert (line["status"], line["offer_id"]) == (201, offer["id"])


def post_lines(log: Path) -> list[tuple]:
    """Each POST's route, status and the organisation and need it names."""
    return [(line["route"], line["status"], line.get("organisation_id"), line.get("need_id"))
            for line in requests_logged(log) if line["method"] == "POST"]


def test_the_lines_of_posts_to_the_needs_service_name_the_organisation_and_the_need(tmp_path, mongo_uri):
    log = tmp_path / "needs-api.log"
    with running_apis(["needs"], tmp_path, mongo_uri, LINK_SIGNING_KEY="k" * 32) as urls:
        organisation = requests.post(f"{urls['needs']}/organisations", json=organisation_body(), timeout=10).json()
        need = requests.post(f"{urls['needs']}/needs", json=need_body(), headers=bearer(organisation["api_key"]),
                             timeout=10).json()
        wait_until(lambda: len(post_lines(log)) == 2, timeout=10, message="both POST lines")
    assert ("/organisations", 201, organisation["id"], None) in post_lines(log)
    assert ("/needs", 201, None, need["id"]) in post_lines(log)
