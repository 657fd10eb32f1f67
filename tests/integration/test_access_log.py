"""The APIs' gunicorn access log, as the stack runs it, names paths but never the codes of links sent to people."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.conftest import wait_until
from tests.integration.live_apis import running_apis

CODE = "AQEBAQEBAQEBAQEBAQEBAQEN-HsfpiccUkwLtg5s0pKR"


@pytest.fixture
def offers_api(tmp_path, mongo_uri) -> tuple[str, Path]:
    with running_apis(["offers"], tmp_path, mongo_uri, LINK_SIGNING_KEY="k" * 32) as urls:
        yield urls["offers"], tmp_path / "offers-api.log"


def test_link_codes_and_tokens_never_reach_the_access_log(offers_api):
    url, log = offers_api
    requests.get(f"{url}/confirm/{CODE}", headers={"Referer": f"http://mail.example/r/{CODE}"})
    requests.post(f"{url}/confirm/{CODE}", data={})
    requests.get(f"{url}/offers?code={CODE}", headers={"Authorization": f"Bearer {CODE}"})
    wait_until(lambda: log.read_text().count("/confirm/") >= 2 and "/offers?" in log.read_text(), timeout=10)
    text = log.read_text()
    assert CODE not in text
    assert 'GET /confirm/[redacted] HTTP/1.1' in text and 'POST /confirm/[redacted] HTTP/1.1' in text
