"""Configuration, read once from the environment into a frozen object."""
from __future__ import annotations

import ipaddress
import math
import os
from dataclasses import dataclass, field, fields, replace
from typing import Mapping

from limits import parse_many


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
    smtp_username: str | None = None  # SMTP login (notify); unset = no login
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = False  # upgrade the SMTP connection with STARTTLS, verifying the server's certificate
    sms_gateway_url: str | None = None
    admin_token: str = field(default="", repr=False)
    service_token: str = field(default="", repr=False)
    link_signing_keys: tuple[str, ...] = field(default=(), repr=False)
    web_session_keys: tuple[str, ...] = field(default=(), repr=False)  # the web's cookie; the first seals, all open
    public_base_url: str = "http://127.0.0.1:8003"
    offers_url: str = "http://127.0.0.1:8001"
    needs_url: str = "http://127.0.0.1:8002"
    offers_public_url: str | None = None  # base of the offers service's links sent to people; unset = OFFERS_URL
    needs_public_url: str | None = None  # base of the needs service's links sent to people; unset = NEEDS_URL
    matcher_url: str = "http://127.0.0.1:8003"
    notify_url: str = "http://127.0.0.1:8004"  # where the web reads the notification log
    web_url: str = "http://127.0.0.1:8000"  # where the web pages are; sign-in links point there
    web_session_idle_minutes: float = 30.0  # a web session with no request for this long is signed out
    proposal_ttl_hours: float = 48.0
    max_open_proposals_per_volunteer: int = 3
    matcher_reconcile_seconds: float = 60.0
    notify_max_attempts: int = 6
    notify_retry_base_seconds: float = 30.0
    kafka_idempotent_producer: bool = False
    kafka_replication_factor: int = 1  # replicas of each topic a service creates because it is missing
    kafka_fetch_max_wait_ms: int = 100  # how long the broker may hold a consumer's fetch while nothing is new
    outbox_poll_ms: float = 50.0  # how often a worker's relay looks for events to publish once it has none
    metrics_port: int | None = None  # where a worker serves /healthz and /metrics; unset = not served
    metrics_host: str = "127.0.0.1"  # the address that port listens on (0.0.0.0 in a container, for scraping)
    rate_limit_writes: str | None = None
    rate_limit_token_failures: str | None = None
    trusted_proxies: tuple[str, ...] = ()  # peers whose X-Forwarded-For names the client; unset = trust none
    testing: bool = False

    def with_overrides(self, **changes: object) -> "Config":
        """A copy with some settings changed (used by tests and the local stack)."""
        return replace(self, **changes)

    def rate_limit(self, name: str) -> str | None:
        """A rate limit such as "20/minute", or None when it is off ("off", or unset under TESTING)."""
        value = getattr(self, f"rate_limit_{name}")
        if value is None:
            return None if self.testing else DEFAULT_RATE_LIMITS[name]
        return None if value.strip().lower() in ("", "off") else value


DEFAULT_RATE_LIMITS = {"writes": "20/minute", "token_failures": "10/minute"}
# The secrets each kind of process needs; a process is given, and keeps, only its own.
SERVICE_SECRETS = ("admin_token", "service_token", "link_signing_keys")  # offers, needs, matcher, notify
WEB_SECRETS = ("web_session_keys",)  # the web pages: only the key of their own cookie
SECRETS = (*SERVICE_SECRETS, *WEB_SECRETS)
KEY_LISTS = ("link_signing_keys", "web_session_keys")  # comma-separated, the first in use, the rest still read
MIN_SECRET_BYTES = 32
BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
ENV_NAMES = {"link_signing_keys": "LINK_SIGNING_KEY", "web_session_keys": "WEB_SESSION_KEY"}


def env_name(field_name: str) -> str:
    """The environment variable a setting is read from."""
    return ENV_NAMES.get(field_name, field_name.upper())


def _convert(name: str, raw: str, kind: str) -> object:
    if kind == "bool":
        if raw.strip().lower() not in BOOLEANS:
            raise ConfigError(f"configuration: {env_name(name)}={raw!r} is not a boolean "
                              "(true/false, 1/0, yes/no, on/off)")
        return BOOLEANS[raw.strip().lower()]
    if kind.startswith("tuple"):
        return tuple(part.strip() for part in raw.split(","))
    try:
        value = {"int": int, "float": float}.get(kind, str)(raw)
    except ValueError:
        raise ConfigError(f"configuration: {env_name(name)}={raw!r} is not a valid {kind}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"configuration: {env_name(name)}={raw!r} is not a finite number")
    return value


def _check_ranges(config: Config) -> list[str]:
    problems = []
    if not config.proposal_ttl_hours > 0:
        problems.append("PROPOSAL_TTL_HOURS must be more than 0")
    if not config.matcher_reconcile_seconds > 0:
        problems.append("MATCHER_RECONCILE_SECONDS must be greater than 0")
    if config.max_open_proposals_per_volunteer < 1:
        problems.append("MAX_OPEN_PROPOSALS_PER_VOLUNTEER must be at least 1")
    if config.notify_max_attempts < 1:
        problems.append("NOTIFY_MAX_ATTEMPTS must be at least 1")
    if not config.notify_retry_base_seconds > 0:
        problems.append("NOTIFY_RETRY_BASE_SECONDS must be more than 0")
    if not config.web_session_idle_minutes > 0:
        problems.append("WEB_SESSION_IDLE_MINUTES must be more than 0")
    if config.kafka_replication_factor < 1:
        problems.append("KAFKA_REPLICATION_FACTOR must be at least 1")
    if not 0 <= config.kafka_fetch_max_wait_ms <= 10000:
        problems.append("KAFKA_FETCH_MAX_WAIT_MS must be between 0 and 10000")
    if not config.outbox_poll_ms > 0:
        problems.append("OUTBOX_POLL_MS must be more than 0")
    if not 0 < config.smtp_port < 65536:
        problems.append("SMTP_PORT must be a port number (1-65535)")
    for name in DEFAULT_RATE_LIMITS:
        problems.extend(_check_limit(name, getattr(config, f"rate_limit_{name}")))
    problems.extend(_check_addresses(config.trusted_proxies))
    return problems


def _check_addresses(proxies: tuple[str, ...]) -> list[str]:
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            return [f"TRUSTED_PROXIES={','.join(proxies)!r} must be comma-separated IP addresses or networks "
                    f"(such as 10.0.0.0/8), none empty"]
    return []


def _check_limit(name: str, value: str | None) -> list[str]:
    if value is None or value.strip().lower() in ("", "off"):
        return []
    try:
        parse_many(value)
    except ValueError:
        return [f"RATE_LIMIT_{name.upper()}={value!r} is not a rate limit such as '20/minute' (or 'off')"]
    return []


def _labelled(config: Config, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """The secrets by the variable they come from, each key of a list on its own ("LINK_SIGNING_KEY[1]")."""
    labelled = []
    for name in names:
        value = getattr(config, name)
        if name in KEY_LISTS:
            labelled += [(f"{env_name(name)}[{i}]", key) for i, key in enumerate(value)]
        else:
            labelled.append((env_name(name), value))
    return labelled


def _check_secrets(config: Config, needs: tuple[str, ...]) -> list[str]:
    """What is wrong with the secrets a process needs (missing, empty keys, short), and any two secrets it was
    given that are the same, needed or not."""
    problems = [f"{env_name(name)} must be set, one or more comma-separated keys, none empty"
                for name in needs if name in KEY_LISTS and not (getattr(config, name) and all(getattr(config, name)))]
    if config.testing:
        return problems
    for label, value in _labelled(config, needs):
        if not value:
            problems.append(f"{label} must be set")
        elif len(value.encode()) < MIN_SECRET_BYTES:
            problems.append(f"{label} must be at least {MIN_SECRET_BYTES} bytes long")
    given = [(label, value) for label, value in _labelled(config, SECRETS) if value]
    for i, (label, value) in enumerate(given):
        for other_label, other in given[i + 1:]:
            if value == other:
                problems.append(f"{label} and {other_label} must differ")
    return problems


def check(config: Config, needs: tuple[str, ...] = SERVICE_SECRETS) -> None:
    """Stop start-up, naming each variable at fault, when a setting is out of range or a needed secret is weak."""
    problems = _check_ranges(config) + _check_secrets(config, needs)
    if problems:
        raise ConfigError("configuration: " + "; ".join(problems))


def load_config(environ: Mapping[str, str] | None = None, needs: tuple[str, ...] = SERVICE_SECRETS) -> Config:
    """Build the Config from environment variables; stop with a clear message if one is missing or wrong. `needs`
    names the secrets this process requires (SERVICE_SECRETS for the four services, WEB_SECRETS for the web);
    any other secret in the environment is checked to differ from the rest, then left out of the Config."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for f in fields(Config):
        raw = environ.get(env_name(f.name))
        if raw is None or raw == "":
            continue
        values[f.name] = _convert(f.name, raw, str(f.type).replace(" | None", ""))
    config = Config(**values)
    check(config, needs)
    return replace(config, **{f.name: f.default for f in fields(Config) if f.name in SECRETS and f.name not in needs})
