"""Configuration, read once from the environment into a frozen object."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from typing import Mapping


class ConfigError(SystemExit):
    """A required setting is missing or malformed; stops start-up with a message naming it."""


@dataclass(frozen=True)
class Config:
    """Every setting a service reads; names follow the public contract."""

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    mongodb_uri: str = "mongodb://127.0.0.1:27017"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_from: str = "frivillig@localhost"
    sms_gateway_url: str | None = None
    admin_token: str = ""
    service_token: str = ""
    public_base_url: str = "http://127.0.0.1:8003"
    offers_url: str = "http://127.0.0.1:8001"
    needs_url: str = "http://127.0.0.1:8002"
    matcher_url: str = "http://127.0.0.1:8003"
    proposal_ttl_hours: float = 48.0
    max_open_proposals_per_volunteer: int = 3
    notify_max_attempts: int = 6
    notify_retry_base_seconds: float = 30.0
    kafka_idempotent_producer: bool = False
    testing: bool = False

    def with_overrides(self, **changes: object) -> "Config":
        """A copy with some settings changed (used by tests and the local stack)."""
        return replace(self, **changes)


REQUIRED_OUTSIDE_TESTS = ("admin_token", "service_token")


def _convert(name: str, raw: str, kind: type) -> object:
    try:
        if kind is bool:
            return raw.strip().lower() in ("1", "true", "yes", "on")
        return kind(raw)
    except ValueError:
        raise ConfigError(f"configuration: {name.upper()}={raw!r} is not a valid {kind.__name__}") from None


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Build the Config from environment variables; stop with a clear message if one is missing."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for f in fields(Config):
        raw = environ.get(f.name.upper())
        if raw is None or raw == "":
            continue
        kind = {"int": int, "float": float, "bool": bool}.get(str(f.type).replace(" | None", ""), str)
        values[f.name] = _convert(f.name, raw, kind)
    config = Config(**values)
    if not config.testing:
        missing = [name.upper() for name in REQUIRED_OUTSIDE_TESTS if not getattr(config, name)]
        if missing:
            raise ConfigError(f"configuration: required environment variable(s) not set: {', '.join(missing)}")
    return config
