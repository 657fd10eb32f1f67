"""The directory puts only ids into other services' URLs, and asks who holds a token with the service token."""
from __future__ import annotations

from typing import Any

import pytest
import requests

from shared.config import Config
from shared.directory import INACTIVE, Directory, DirectoryUnavailable, TokenInfo, path_id

ID = "0b8e2a4c-5f1d-4c3a-9e7b-2d6f8a1c3e5b"
CONFIG = Config(offers_url="http://offers", needs_url="http://needs", matcher_url="http://matcher",
                service_token="service-token")


class Answer:
    def __init__(self, status: int, body: Any = None):
        self.status_code, self.body = status, body

    def json(self) -> Any:
        return self.body


class Session:
    """Records the calls; answers from a table of (method, url) -> Answer, 404 otherwise."""

    def __init__(self, answers: dict[tuple[str, str], Answer] | None = None, fail: bool = False):
        self.answers, self.fail, self.calls = answers or {}, fail, []

    def _call(self, method: str, url: str, **kwargs: Any) -> Answer:
        self.calls.append((method, url, kwargs))
        if self.fail:
            raise requests.ConnectionError("refused")
        return self.answers.get((method, url), Answer(404))

    def get(self, url: str, **kwargs: Any) -> Answer:
        return self._call("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Answer:
        return self._call("POST", url, **kwargs)


@pytest.mark.parametrize("bad", ["../healthz", "../organisations/" + ID, ID + "/../../healthz", ID + "?x=1",
                                 ID + "#x", "%2e%2e", "", ID.upper() + "x", ID[:-1] + "g"])
@pytest.mark.parametrize("method", ["offer", "need", "organisation", "match"])
def test_a_value_that_is_not_an_id_is_never_sent(bad, method):
    session = Session()
    assert getattr(Directory(CONFIG, session), method)(bad) is None
    assert session.calls == []


def test_an_id_goes_into_the_path_quoted_with_the_service_token():
    session = Session({("GET", f"http://needs/needs/{ID}"): Answer(200, {"id": ID})})
    assert Directory(CONFIG, session).need(ID) == {"id": ID}
    method, url, kwargs = session.calls[0]
    assert kwargs["headers"] == {"Authorization": "Bearer service-token"}
    assert path_id(ID) == ID


def test_introspection_asks_offers_then_needs_and_reads_only_active_answers():
    session = Session({
        ("POST", "http://offers/tokens/introspect"): Answer(200, {"active": False}),
        ("POST", "http://needs/tokens/introspect"): Answer(200, {"active": True, "kind": "organisation",
                                                                 "organisation_id": ID}),
    })
    assert Directory(CONFIG, session).introspect("key") == TokenInfo(True, "organisation", None, ID)
    assert [c[2]["json"] for c in session.calls] == [{"token": "key"}, {"token": "key"}]
    assert all(c[2]["headers"] == {"Authorization": "Bearer service-token"} for c in session.calls)


def test_a_token_neither_issuer_knows_is_inactive():
    session = Session({("POST", f"http://{s}/tokens/introspect"): Answer(200, {"active": False})
                       for s in ("offers", "needs")})
    assert Directory(CONFIG, session).introspect("nobody") is INACTIVE


@pytest.mark.parametrize("answer", [Answer(500), Answer(401), Answer(403), Answer(404)])
def test_an_issuer_that_cannot_answer_makes_the_directory_unavailable(answer):
    session = Session({("POST", "http://offers/tokens/introspect"): answer})
    with pytest.raises(DirectoryUnavailable):
        Directory(CONFIG, session).introspect("token")


def test_an_unreachable_service_makes_the_directory_unavailable():
    with pytest.raises(DirectoryUnavailable):
        Directory(CONFIG, Session(fail=True)).offer(ID)


class NotJson(Answer):
    def json(self) -> Any:
        raise ValueError("Expecting value: line 1 column 1")


@pytest.mark.parametrize("answer", [NotJson(200), Answer(200, ["active"]), Answer(200, "yes")])
def test_an_answer_that_is_not_a_json_object_is_an_unavailable_directory_not_a_crash(answer: Answer) -> None:
    url = "http://offers/tokens/introspect"
    directory = Directory(CONFIG, Session({("POST", url): answer, ("GET", f"http://offers/offers/{ID}"): answer}))
    with pytest.raises(DirectoryUnavailable):
        directory.introspect("some-token")
    with pytest.raises(DirectoryUnavailable):
        directory.offer(ID)
