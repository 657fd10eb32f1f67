"""schemathesis against each service's own /openapi.json, the service running under gunicorn on the real database
and broker: no answer is a 5xx, and every answer is as the document says (a documented status, body, content type
and headers, 405 with Allow). Each service is run once with no credential, and once with a valid token on every
route that takes one, where schemathesis also sends each request that succeeded again without it and with a wrong
one (ignored_auth). The examples are bounded so the whole module runs in about a minute."""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any, Iterator

import pytest
import requests
import schemathesis
from schemathesis.engine import Status, events

from tests.integration.conftest import (ADMIN_TOKEN, LINK_SIGNING_KEY, SERVICE_TOKEN, bearer, need_body, offer_body,
                                        organisation_body)
from tests.integration.live_apis import running_apis

TOKENS = {"LINK_SIGNING_KEY": LINK_SIGNING_KEY, "ADMIN_TOKEN": ADMIN_TOKEN, "SERVICE_TOKEN": SERVICE_TOKEN}
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
          "response_schema_conformance", "unsupported_method", "allow_header_conformance")
EXAMPLES = 5  # per operation and phase (examples, coverage, fuzzing)
SEED = 20261201  # the same cases each run: a failure here is reproducible


# The credential a route is for, where it is not staff's: (method, path) as documented.
HOLDER = {
    ("POST", "/tokens/introspect"): "service",
    ("PATCH", "/offers/{offer_id}"): "volunteer",
    ("POST", "/offers/{offer_id}/confirmation"): "volunteer",
    ("DELETE", "/sessions/current"): "session",
    ("GET", "/organisations/me"): "organisation",
    ("GET", "/organisations/me/needs"): "organisation",
    ("POST", "/needs"): "organisation",
    ("PATCH", "/needs/{need_id}"): "organisation",
    ("POST", "/needs/{need_id}/close"): "organisation",
    ("PATCH", "/organisations/{org_id}"): "organisation",
    ("POST", "/organisations/{org_id}/confirmation"): "organisation",
    ("GET", "/calendar-feed"): "volunteer",
    ("POST", "/calendar-feed/renew"): "volunteer",
    ("POST", "/matches/{match_id}/accept"): "volunteer",
    ("POST", "/matches/{match_id}/decline"): "volunteer",
}


@dataclass(frozen=True)
class Holders:
    """A volunteer's and an organisation's credentials and what they hold, besides staff's and the services'."""

    offers_url: str
    volunteer: str
    organisation: str
    ids: dict[str, str]

    def token(self, method: str, path: str) -> str:
        holder = HOLDER.get((method.upper(), path), "staff")
        if holder == "session":  # a new volunteer's each time: signing out ends it, and withdrawing its offer
            offer = requests.post(f"{self.offers_url}/offers", json=offer_body(), timeout=10).json()
            session = requests.post(f"{self.offers_url}/sessions", headers=bearer(offer["manage_token"]), timeout=10)
            return session.json()["token"]
        return {"staff": ADMIN_TOKEN, "service": SERVICE_TOKEN, "volunteer": self.volunteer,
                "organisation": self.organisation}[holder]


@pytest.fixture(scope="module")
def apis(tmp_path_factory, mongo_uri: str, kafka_bootstrap: str) -> Iterator[dict[str, str]]:
    logs = tmp_path_factory.mktemp("schemathesis-apis")
    env = {**TOKENS, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap}
    with running_apis(["offers", "needs"], logs, mongo_uri, **env) as first:
        with running_apis(["matcher", "notify"], logs, mongo_uri, OFFERS_URL=first["offers"],
                          NEEDS_URL=first["needs"], **env) as second:
            yield {**first, **second}


@pytest.fixture(scope="module")
def holders(apis: dict[str, str]) -> Holders:
    offer = requests.post(f"{apis['offers']}/offers", json=offer_body(), timeout=10).json()
    organisation = requests.post(f"{apis['needs']}/organisations", json=organisation_body(), timeout=10).json()
    need = requests.post(f"{apis['needs']}/needs", json=need_body(), headers=bearer(organisation["api_key"]),
                         timeout=10).json()
    return Holders(apis["offers"], offer["manage_token"], organisation["api_key"],
                   {"offer_id": offer["id"], "org_id": organisation["id"], "need_id": need["id"]})


def _schema(url: str, holders: Holders, authenticated: bool):
    """The service's document as schemathesis reads it; every other generated id replaced by one that exists, so
    the routes are exercised past their 404; with a token that fits each route that takes one if authenticated."""
    config = schemathesis.Config.from_dict({
        "seed": SEED, "phases": {"stateful": {"enabled": False}}, "generation": {"max-examples": EXAMPLES},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS},
                   "ignored_auth": {"enabled": authenticated}}})
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json", config=config)

    @schema.hook
    def map_path_parameters(context, path_parameters: dict[str, Any] | None) -> dict[str, Any] | None:
        if not path_parameters:
            return path_parameters
        return {name: holders.ids[name] if name in holders.ids and zlib.crc32(str(value).encode()) % 2 else value
                for name, value in path_parameters.items()}

    if authenticated:
        @schema.auth(refresh_interval=None)
        class RouteToken:
            def get(self, case, context) -> str:
                return holders.token(case.method, case.path)

            def set(self, case, token: str, context) -> None:
                if case.operation.definition.raw.get("security"):
                    case.headers = {**(case.headers or {}), **bearer(token)}

        return schema.include(func=lambda ctx: bool(ctx.operation.definition.raw.get("security")))
    return schema


def _problems(schema) -> tuple[list[str], int]:
    """What schemathesis found wrong, one line each, and how many requests it sent."""
    found, sent = [], 0
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            sent += len(event.recorder.interactions)
            for checks in event.recorder.checks.values():
                found.extend(f"{event.label}: {check.failure_info.failure.title}: "
                             f"{check.failure_info.failure.message} -- {check.failure_info.code_sample}"
                             for check in checks if check.status == Status.FAILURE and check.failure_info)
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            found.append(f"{getattr(event, 'label', '')}: {event.info}")
    return sorted(set(found)), sent


@pytest.mark.parametrize("service", ["offers", "needs", "matcher", "notify"])
@pytest.mark.parametrize("authenticated", [False, True], ids=["no-token", "token"])
def test_every_answer_is_as_the_service_documents_it(apis, holders, service, authenticated):
    problems, sent = _problems(_schema(apis[service], holders, authenticated))
    assert sent > 0
    assert not problems, "\n".join(problems)
