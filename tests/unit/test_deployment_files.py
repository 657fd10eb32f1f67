"""The compose file cannot be started here; it must at least parse and wire every service the same way."""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from deploy.stack import APIS, DEFAULT_PORTS, SERVICES, WEB, service_urls
from shared.config import Config, env_name

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_VARIABLES = ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI", "SMTP_HOST", "SMTP_PORT", "SMTP_FROM",
                      "SMS_GATEWAY_URL", "ADMIN_TOKEN", "SERVICE_TOKEN", "LINK_SIGNING_KEY", "PUBLIC_BASE_URL",
                      "OFFERS_URL", "NEEDS_URL", "MATCHER_URL", "WEB_URL")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_kafka_mongodb_and_a_mail_catcher(compose):
    assert {"kafka", "mongodb", "mailpit"} <= set(compose["services"])
    assert "--replSet" in compose["services"]["mongodb"]["command"]
    assert "controller" in compose["services"]["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("part", ["api", "worker"])
def test_every_service_part_gets_every_contract_variable(compose, service, part):
    definition = compose["services"][f"{service}-{part}"]
    assert definition["build"]["dockerfile"] == "deploy/Dockerfile"
    assert set(CONTRACT_VARIABLES) <= set(definition["environment"])


@pytest.mark.parametrize("service", SERVICES)
def test_api_serves_the_app_factory_on_the_contract_port(compose, service):
    command = compose["services"][f"{service}-api"]["command"]
    assert command[0] == "gunicorn"
    assert f"services.{service}.app:create_app()" in command
    assert f"0.0.0.0:{DEFAULT_PORTS[service]}" in command


@pytest.mark.parametrize("service", SERVICES)
def test_api_access_log_redacts_link_codes(compose, service):
    command = compose["services"][f"{service}-api"]["command"]
    assert command[command.index("--logger-class") + 1] == "shared.accesslog.RedactingLogger"


def test_the_web_serves_its_app_factory_on_port_8000_and_knows_where_every_api_is(compose):
    web = compose["services"][WEB]
    assert web["command"][0] == "gunicorn"
    assert "services.web.app:create_app()" in web["command"]
    assert f"0.0.0.0:{DEFAULT_PORTS[WEB]}" in web["command"] and DEFAULT_PORTS[WEB] == 8000
    assert web["command"][web["command"].index("--logger-class") + 1] == "shared.accesslog.RedactingLogger"
    wanted = {"OFFERS_URL", "NEEDS_URL", "MATCHER_URL", "NOTIFY_URL", "WEB_URL", "WEB_SESSION_KEY"}
    assert wanted <= set(web["environment"])
    assert set(web["depends_on"]) == {f"{service}-api" for service in SERVICES}


def test_only_the_web_gets_the_web_session_key_and_the_web_gets_none_of_the_services_secrets(compose):
    assert not {"ADMIN_TOKEN", "SERVICE_TOKEN", "LINK_SIGNING_KEY", "SMTP_PASSWORD"} & set(
        compose["services"][WEB]["environment"])
    for service in SERVICES:
        for part in ("api", "worker"):
            assert "WEB_SESSION_KEY" not in compose["services"][f"{service}-{part}"]["environment"]


def test_the_stack_tells_every_process_where_each_api_and_the_web_are():
    urls = service_urls(DEFAULT_PORTS)
    assert set(urls) == {f"{name.upper()}_URL" for name in APIS}
    assert urls["WEB_URL"] == "http://127.0.0.1:8000" and urls["NOTIFY_URL"] == "http://127.0.0.1:8004"


def test_contract_variables_are_all_read_by_the_config():
    names = {env_name(f.name) for f in fields(Config)}
    assert set(CONTRACT_VARIABLES) <= names


@pytest.mark.parametrize("name", [f"{service}-{part}" for service in SERVICES for part in ("api", "worker")] + [WEB])
def test_every_api_worker_and_the_web_names_the_address_its_health_check_asks(compose, name):
    environment = compose["services"][name]["environment"]
    if name.endswith("-worker"):
        assert environment["METRICS_PORT"] == "9100" and environment["METRICS_HOST"] == "0.0.0.0"
        assert environment["HEALTHCHECK_URL"] == "http://127.0.0.1:9100/healthz"
    else:
        port = DEFAULT_PORTS.get(name.removesuffix("-api"), 8000)
        assert environment["HEALTHCHECK_URL"] == f"http://127.0.0.1:{port}/readyz"


def test_the_web_starts_once_every_api_is_healthy(compose):
    depends = compose["services"][WEB]["depends_on"]
    assert {f"{service}-api" for service in SERVICES} == set(depends)
    assert all(condition == {"condition": "service_healthy"} for condition in depends.values())


def test_kafka_writes_its_log_where_the_volume_is_mounted(compose):
    kafka = compose["services"]["kafka"]
    [volume] = kafka["volumes"]
    assert volume.split(":", 1)[1] == kafka["environment"]["KAFKA_LOG_DIRS"]


def test_the_image_has_a_pinned_base_and_a_health_check():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    base = next(line for line in dockerfile.splitlines() if line.startswith("FROM "))
    assert base.split(":", 1)[1][0].isdigit() and base.count(".") >= 2, base  # python:3.11.x-..., not a moving tag
    assert 'HEALTHCHECK' in dockerfile and "deploy.healthcheck" in dockerfile
