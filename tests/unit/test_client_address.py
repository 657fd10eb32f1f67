"""Rate limits count per client: the socket peer, or the client a trusted proxy (the web) forwarded."""
from __future__ import annotations

import pytest
from flask import Flask

from shared.config import Config, ConfigError, load_config
from shared.ratelimit import client_address

WEB = "10.0.0.5"
SAFE = {"ADMIN_TOKEN": "a" * 32, "SERVICE_TOKEN": "s" * 32, "LINK_SIGNING_KEY": "k" * 32}


def address(config: Config, peer: str, *forwarded: str) -> str:
    headers = [("X-Forwarded-For", value) for value in forwarded]
    with Flask(__name__).test_request_context(environ_base={"REMOTE_ADDR": peer}, headers=headers):
        return client_address(config)


def test_without_trusted_proxies_the_peer_counts_and_its_header_is_ignored():
    assert address(Config(), WEB, "198.51.100.7") == WEB


def test_a_trusted_proxy_names_the_client_as_the_last_forwarded_address():
    config = Config(trusted_proxies=(WEB,))
    assert address(config, WEB, "198.51.100.7") == "198.51.100.7"
    assert address(config, WEB, "203.0.113.1, 198.51.100.7") == "198.51.100.7"
    assert address(config, WEB, "203.0.113.1", "2001:db8::7") == "2001:db8::7"


def test_an_untrusted_peer_cannot_name_its_own_address():
    assert address(Config(trusted_proxies=(WEB,)), "192.0.2.44", "198.51.100.7") == "192.0.2.44"


@pytest.mark.parametrize("forwarded", [(), ("",), ("not-an-address",), ("198.51.100.7, ",)])
def test_a_trusted_proxy_without_a_readable_client_counts_as_itself(forwarded):
    assert address(Config(trusted_proxies=(WEB,)), WEB, *forwarded) == WEB


def test_trusted_proxies_are_read_as_a_comma_separated_list():
    assert load_config({**SAFE, "TRUSTED_PROXIES": f"{WEB}, ::1"}).trusted_proxies == (WEB, "::1")
    assert load_config(SAFE).trusted_proxies == ()


@pytest.mark.parametrize("raw", ["web", f"{WEB},", "10.0.0.0/33", "10.0.0.0/8/8"])
def test_a_trusted_proxy_that_is_not_an_address_is_refused_naming_the_variable(raw):
    with pytest.raises(ConfigError) as refused:
        load_config({**SAFE, "TRUSTED_PROXIES": raw})
    assert "TRUSTED_PROXIES" in str(refused.value)


def test_a_trusted_network_trusts_every_peer_in_it_as_pods_come_and_go():
    config = load_config({**SAFE, "TRUSTED_PROXIES": "10.42.0.0/16, fd00::/8"})
    assert address(config, "10.42.7.19", "198.51.100.7") == "198.51.100.7"
    assert address(config, "fd00::5", "198.51.100.7") == "198.51.100.7"
    assert address(config, "10.43.0.1", "198.51.100.7") == "10.43.0.1"


def test_a_peer_reported_as_an_ipv4_mapped_ipv6_address_is_the_ipv4_address():
    config = Config(trusted_proxies=(WEB,))
    assert address(config, f"::ffff:{WEB}", "198.51.100.7") == "198.51.100.7"
    assert address(config, WEB, "::ffff:198.51.100.7") == "198.51.100.7"
