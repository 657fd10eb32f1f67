"""A ten-line stand-in for the services' APIs in the web's page tests: answers by (method, service, path), every
call kept; an answer that is an ApiError is raised, any other path is the services' 404."""
from __future__ import annotations

import time
from typing import Any

from flask.testing import FlaskClient

from shared.config import Config
from services.web.apiclient import ApiError, Download
from services.web.app import create_app


class FakeApi:
    def __init__(self) -> None:
        self.answers: dict[tuple[str, str, str], Any] = {}
        self.calls: list[tuple[str, str, str, Any]] = []

    def call(self, method: str, service: str, path: str, token: str | None = None, json: Any = None,
             params: dict[str, Any] | None = None) -> Any:
        self.calls.append((method, service, path, json if method != "GET" else params))
        answer = self.answers.get((method, service, path), ApiError(404, "not_found"))
        if isinstance(answer, Exception):
            raise answer
        return answer

    def get(self, service: str, path: str, token: str | None = None, **params: Any) -> Any:
        return self.call("GET", service, path, token, params={k: v for k, v in params.items() if v is not None})

    def post(self, service: str, path: str, token: str | None = None, json: Any = None) -> Any:
        return self.call("POST", service, path, token, json=json)

    def put(self, service: str, path: str, token: str | None = None, json: Any = None) -> Any:
        return self.call("PUT", service, path, token, json=json)

    def patch(self, service: str, path: str, token: str | None = None, json: Any = None) -> Any:
        return self.call("PATCH", service, path, token, json=json)

    def download(self, service: str, path: str, token: str | None = None, **params: Any) -> Download:
        return self.call("GET", service, path, token, params={k: v for k, v in params.items() if v is not None})

    def sent(self, method: str, path: str) -> list[Any]:
        """The bodies (or query parameters) of the calls made with this method to this path."""
        return [body for m, _, p, body in self.calls if m == method and p == path]


def signed_in(fake: FakeApi, kind: str, subject: str | None = None) -> FlaskClient:
    """A client of the web app over the fake, signed in as one kind of person, with CSRF off (the integration
    tests send the real tokens)."""
    app = create_app(Config(web_session_keys=("k" * 40,), testing=True))
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["api"] = fake
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(kind=kind, token=f"{kind}-token", subject=subject, signed_in_at=int(time.time()),
                       seen=int(time.time()))
    return client


def text(response) -> str:
    return response.get_data(as_text=True)
