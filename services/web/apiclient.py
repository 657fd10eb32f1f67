"""The web's only way to the data: the four services' HTTP APIs, called with the signed-in person's credential.

A failure the person can act on (422, 404, 409, ...) becomes ApiError with the contract's error body;
a service that cannot be reached, or answers 5xx, becomes ApiUnavailable, shown as a plain "try again" page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests
from flask import current_app, request

from shared.config import Config
from shared.tracing import TracedSession
from shared.ratelimit import client_address

TIMEOUT_SECONDS = 5.0


@dataclass
class ApiError(Exception):
    """A 4xx answer: its status and the contract's error code, message and field paths."""

    status: int
    code: str
    message: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)


class ApiUnavailable(Exception):
    """A service did not answer, or answered with a server error."""


@dataclass(frozen=True)
class Download:
    """A file as a service served it."""

    body: bytes
    content_type: str


class ApiClient:
    """One HTTP session per app (carrying the trace); service names are the contract's (offers, needs, matcher, notify)."""

    def __init__(self, config: Config):
        self.config = config
        self.bases = {"offers": config.offers_url, "needs": config.needs_url, "matcher": config.matcher_url,
                      "notify": config.notify_url}
        self.http = TracedSession()  # each call carries the request's trace on

    def call(self, method: str, service: str, path: str, token: str | None = None,
             json: Any = None, params: dict[str, Any] | None = None) -> Any:
        """The JSON body of a 2xx answer (None when empty); ApiError for 4xx, ApiUnavailable otherwise."""
        return _json(self._send(method, service, path, token, json, params))

    def _send(self, method: str, service: str, path: str, token: str | None, json: Any,
              params: dict[str, Any] | None) -> requests.Response:
        """A 2xx answer; ApiError for 4xx, ApiUnavailable for no answer or 5xx."""
        # the person's address, so the services' per-address limits count each person (they believe it from
        # the peers in their TRUSTED_PROXIES); behind an ingress the web reads it the same way
        headers = {"X-Forwarded-For": client_address(self.config)} if request else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self.http.request(method, self.bases[service].rstrip("/") + path, json=json,
                                         params=params, headers=headers, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as error:
            raise ApiUnavailable(f"{service} not reachable: {error}") from None
        if response.status_code >= 500:
            raise ApiUnavailable(f"{service} answered {response.status_code} to {method} {path}")
        if response.status_code >= 400:
            error = (_json(response) or {}).get("error") or {}
            raise ApiError(response.status_code, error.get("code", "error"), error.get("message", ""),
                           error.get("fields") or {})
        return response

    def get(self, service: str, path: str, token: str | None = None, **params: Any) -> Any:
        return self.call("GET", service, path, token, params={k: v for k, v in params.items() if v is not None})

    def post(self, service: str, path: str, token: str | None = None, json: Any = None) -> Any:
        return self.call("POST", service, path, token, json=json)

    def put(self, service: str, path: str, token: str | None = None, json: Any = None) -> Any:
        return self.call("PUT", service, path, token, json=json)

    def patch(self, service: str, path: str, token: str | None = None, json: Any = None) -> Any:
        return self.call("PATCH", service, path, token, json=json)

    def delete(self, service: str, path: str, token: str | None = None) -> Any:
        return self.call("DELETE", service, path, token)

    def download(self, service: str, path: str, token: str | None = None, **params: Any) -> Download:
        """A file a service serves (iCalendar, CSV): its bytes and content type, errors as for call()."""
        response = self._send("GET", service, path, token, None, {k: v for k, v in params.items() if v is not None})
        return Download(response.content, response.headers.get("Content-Type", "application/octet-stream"))

    def exchange(self, service: str, credential: str) -> dict[str, Any]:
        """A session token for a permanent credential just handed to the web (a new offer's manage_token, a new
        organisation's api_key), so that only the session is kept: {"token", "offer_id" or "organisation_id",
        "expires_at"}."""
        return self.call("POST", service, "/sessions", credential)


def _json(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise ApiUnavailable(f"{response.url} answered {response.status_code} without JSON") from None


def api() -> ApiClient:
    """The app's client."""
    return current_app.extensions["api"]
