"""The APIs' gunicorn access log, as the stack runs it, names paths but never the codes of links sent to people."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import requests

from deploy import standins
from deploy.stack import ROOT, Stack
from tests.conftest import wait_until

CODE = "AQEBAQEBAQEBAQEBAQEBAQEN-HsfpiccUkwLtg5s0pKR"


@pytest.fixture
def offers_api(tmp_path, mongo_uri) -> tuple[str, Path]:
    port = standins.free_port()
    env = {**os.environ, "MONGODB_URI": mongo_uri, "TESTING": "1", "LINK_SIGNING_KEY": "k" * 32,
           "PYTHONPATH": str(ROOT), "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    stack = Stack(env, {"offers": port}, tmp_path)
    tmp_path.mkdir(exist_ok=True)
    stack.start_api("offers")
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(url + "/healthz"), timeout=30)
        yield url, tmp_path / "offers-api.log"
    finally:
        stack.stop()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


def test_link_codes_and_tokens_never_reach_the_access_log(offers_api):
    url, log = offers_api
    requests.get(f"{url}/confirm/{CODE}", headers={"Referer": f"http://mail.example/r/{CODE}"})
    requests.post(f"{url}/confirm/{CODE}", data={})
    requests.get(f"{url}/offers?code={CODE}", headers={"Authorization": f"Bearer {CODE}"})
    wait_until(lambda: log.read_text().count("/confirm/") >= 2 and "/offers?" in log.read_text(), timeout=10)
    text = log.read_text()
    assert CODE not in text
    assert 'GET /confirm/[redacted] HTTP/1.1' in text and 'POST /confirm/[redacted] HTTP/1.1' in text
