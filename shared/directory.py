"""HTTP calls to the services that own people's data: verifying tokens and fetching contact details."""
from __future__ import annotations

from typing import Any

import requests

from shared.config import Config


class DirectoryUnavailable(Exception):
    """The owning service did not answer; try again later."""


class Directory:
    """Asks the offers and needs services, with the caller's token or the service token."""

    def __init__(self, config: Config, session: requests.Session | None = None, timeout: float = 5.0):
        self.config = config
        self.session = session or requests.Session()
        self.timeout = timeout

    def _get(self, url: str, token: str) -> dict[str, Any] | None:
        try:
            response = self.session.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=self.timeout)
        except requests.RequestException as exc:
            raise DirectoryUnavailable(f"{url}: {exc}") from exc
        if response.status_code in (401, 403, 404):
            return None
        if response.status_code != 200:
            raise DirectoryUnavailable(f"{url}: HTTP {response.status_code}")
        return response.json()

    def holds_offer(self, offer_id: str, token: str) -> bool:
        """True when the token is the manage_token of this offer."""
        return self._get(f"{self.config.offers_url}/offers/{offer_id}", token) is not None

    def organisation_id_of(self, token: str) -> str | None:
        """The id of the organisation whose api_key this is, or None."""
        found = self._get(f"{self.config.needs_url}/organisations/me", token)
        return found["id"] if found else None

    def offer(self, offer_id: str) -> dict[str, Any] | None:
        """An offer with the volunteer's contact details (None when erased or unknown)."""
        return self._get(f"{self.config.offers_url}/offers/{offer_id}", self.config.service_token)

    def need(self, need_id: str) -> dict[str, Any] | None:
        """A need with its title and schedule."""
        return self._get(f"{self.config.needs_url}/needs/{need_id}", self.config.service_token)

    def organisation(self, organisation_id: str) -> dict[str, Any] | None:
        """An organisation with its contact person."""
        return self._get(f"{self.config.needs_url}/organisations/{organisation_id}", self.config.service_token)

    def match(self, match_id: str) -> dict[str, Any] | None:
        """A match with the answer-page links of both sides."""
        return self._get(f"{self.config.matcher_url}/matches/{match_id}", self.config.service_token)
