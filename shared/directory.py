"""HTTP calls to the services that own people's data: who holds a token, and contact details. Each call carries
the current trace context (shared.tracing)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from uuid import UUID

import requests

from shared.config import Config
from shared.tracing import TracedSession

VOLUNTEER, ORGANISATION, STAFF, SERVICE = "volunteer", "organisation", "staff", "service"


class DirectoryUnavailable(Exception):
    """The owning service did not answer; try again later."""


@dataclass(frozen=True)
class TokenInfo:
    """What the issuer says of a bearer token (RFC 7662's answer, reduced to what we use)."""

    active: bool
    kind: str | None = None
    offer_id: str | None = None
    organisation_id: str | None = None


INACTIVE = TokenInfo(False)


def is_uuid(value: object) -> bool:
    """True for an id in the canonical UUID form every service uses."""
    try:
        return isinstance(value, str) and str(UUID(value)) == value.lower()
    except ValueError:
        return False


def path_id(value: str) -> str:
    """An id made safe to put in a URL path: it must be a UUID, and is quoted all the same."""
    if not is_uuid(value):
        raise ValueError(f"not an id: {value!r}")
    return quote(value, safe="")


def _json_object(response: requests.Response, url: str) -> dict[str, Any]:
    """The JSON object a 200 carries; DirectoryUnavailable for anything else (the other side is not itself)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise DirectoryUnavailable(f"{url}: the answer is not a JSON object")
    return body


class Directory:
    """Asks the offers and needs services, always with the service token."""

    def __init__(self, config: Config, session: requests.Session | None = None, timeout: float = 5.0):
        self.config = config
        self.session = session or TracedSession()
        self.timeout = timeout

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config.service_token}"}

    def _get(self, base: str, kind: str, resource_id: str) -> dict[str, Any] | None:
        if not is_uuid(resource_id):
            return None
        url = f"{base}/{kind}/{path_id(resource_id)}"
        try:
            response = self.session.get(url, headers=self._headers(), timeout=self.timeout)
        except requests.RequestException as exc:
            raise DirectoryUnavailable(f"{url}: {exc}") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise DirectoryUnavailable(f"{url}: HTTP {response.status_code}")
        return _json_object(response, url)

    def _introspect_at(self, base: str, token: str) -> TokenInfo:
        url = f"{base}/tokens/introspect"
        try:
            response = self.session.post(url, json={"token": token}, headers=self._headers(), timeout=self.timeout)
        except requests.RequestException as exc:
            raise DirectoryUnavailable(f"{url}: {exc}") from exc
        if response.status_code != 200:
            raise DirectoryUnavailable(f"{url}: HTTP {response.status_code}")
        body = _json_object(response, url)
        if body.get("active") is not True:
            return INACTIVE
        return TokenInfo(True, body.get("kind"), body.get("offer_id"), body.get("organisation_id"))

    def introspect(self, token: str) -> TokenInfo:
        """Who holds this bearer token, asked of the services that issue them (offers, then needs)."""
        for base in (self.config.offers_url, self.config.needs_url):
            info = self._introspect_at(base, token)
            if info.active:
                return info
        return INACTIVE

    def offer(self, offer_id: str) -> dict[str, Any] | None:
        """An offer with the volunteer's contact details (None when erased or unknown)."""
        return self._get(self.config.offers_url, "offers", offer_id)

    def need(self, need_id: str) -> dict[str, Any] | None:
        """A need with its title and schedule."""
        return self._get(self.config.needs_url, "needs", need_id)

    def organisation(self, organisation_id: str) -> dict[str, Any] | None:
        """An organisation with its contact person."""
        return self._get(self.config.needs_url, "organisations", organisation_id)

    def match(self, match_id: str) -> dict[str, Any] | None:
        """A match: its need, offer, organisation, status and answer time."""
        return self._get(self.config.matcher_url, "matches", match_id)
