"""Start-up refuses settings that would run the system unsafely or wrongly, naming the variable at fault."""
from __future__ import annotations

import pytest

from shared.config import ConfigError, load_config

ADMIN, SERVICE, LINK, LINK2 = ("a" * 32, "s" * 32, "k" * 32, "j" * 40)
SAFE = {"ADMIN_TOKEN": ADMIN, "SERVICE_TOKEN": SERVICE, "LINK_SIGNING_KEY": LINK}


def refused(environ: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(environ)
    return str(caught.value)


def test_safe_secrets_start():
    config = load_config(SAFE)
    assert (config.admin_token, config.service_token, config.link_signing_keys) == (ADMIN, SERVICE, (LINK,))


def test_link_keys_are_a_comma_separated_list_the_first_signing():
    assert load_config({**SAFE, "LINK_SIGNING_KEY": f"{LINK2}, {LINK}"}).link_signing_keys == (LINK2, LINK)


@pytest.mark.parametrize("name", ["ADMIN_TOKEN", "SERVICE_TOKEN", "LINK_SIGNING_KEY"])
def test_a_missing_secret_is_refused_outside_tests(name):
    assert name in refused({k: v for k, v in SAFE.items() if k != name})


@pytest.mark.parametrize("name", ["ADMIN_TOKEN", "SERVICE_TOKEN", "LINK_SIGNING_KEY"])
def test_a_secret_shorter_than_32_bytes_is_refused_outside_tests(name):
    assert name in refused({**SAFE, name: "x" * 31})


def test_a_short_key_among_several_is_refused():
    assert "LINK_SIGNING_KEY[1]" in refused({**SAFE, "LINK_SIGNING_KEY": f"{LINK},short"})


@pytest.mark.parametrize(("first", "second"), [("ADMIN_TOKEN", "SERVICE_TOKEN"), ("ADMIN_TOKEN", "LINK_SIGNING_KEY"),
                                               ("SERVICE_TOKEN", "LINK_SIGNING_KEY")])
def test_two_secrets_that_are_the_same_are_refused(first, second):
    message = refused({**SAFE, first: "same-secret-" + "x" * 32, second: "same-secret-" + "x" * 32})
    assert first in message and second in message and "differ" in message


def test_a_retired_link_key_equal_to_the_service_token_is_refused():
    assert "differ" in refused({**SAFE, "LINK_SIGNING_KEY": f"{LINK},{SERVICE}"})


@pytest.mark.parametrize("keys", [None, "", ",", f"{LINK},", f",{LINK}", " , "])
def test_an_empty_link_key_is_refused_even_in_tests(keys):
    environ = {"TESTING": "1"} if keys is None else {"TESTING": "1", "LINK_SIGNING_KEY": keys}
    assert "LINK_SIGNING_KEY" in refused(environ)


def test_tests_may_use_short_staff_and_service_tokens():
    config = load_config({"TESTING": "true", "ADMIN_TOKEN": "staff", "SERVICE_TOKEN": "svc", "LINK_SIGNING_KEY": "k"})
    assert config.testing and config.admin_token == "staff"


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("TRUE", True), ("1", True), ("yes", True), ("on", True),
                                            ("false", False), ("0", False), ("No", False), (" off ", False)])
def test_booleans_are_read_in_their_usual_spellings(raw, value):
    assert load_config({**SAFE, "KAFKA_IDEMPOTENT_PRODUCER": raw}).kafka_idempotent_producer is value


@pytest.mark.parametrize("raw", ["ture", "y", "2", "enabled", "-"])
def test_an_unknown_boolean_is_refused_naming_the_variable(raw):
    assert "KAFKA_IDEMPOTENT_PRODUCER" in refused({**SAFE, "KAFKA_IDEMPOTENT_PRODUCER": raw})


@pytest.mark.parametrize(("name", "raw"), [
    ("PROPOSAL_TTL_HOURS", "-5"), ("PROPOSAL_TTL_HOURS", "0"), ("PROPOSAL_TTL_HOURS", "nan"),
    ("PROPOSAL_TTL_HOURS", "inf"), ("PROPOSAL_TTL_HOURS", "soon"),
    ("MAX_OPEN_PROPOSALS_PER_VOLUNTEER", "0"), ("MAX_OPEN_PROPOSALS_PER_VOLUNTEER", "-1"),
    ("MAX_OPEN_PROPOSALS_PER_VOLUNTEER", "2.5"),
    ("NOTIFY_MAX_ATTEMPTS", "0"), ("NOTIFY_RETRY_BASE_SECONDS", "0"), ("NOTIFY_RETRY_BASE_SECONDS", "-1"),
    ("SMTP_PORT", "0"), ("SMTP_PORT", "70000"),
    ("RATE_LIMIT_WRITES", "lots"), ("RATE_LIMIT_TOKEN_FAILURES", "10 per fortnight"),
])
def test_a_number_out_of_range_is_refused_naming_the_variable(name, raw):
    assert name in refused({**SAFE, name: raw})


def test_numbers_in_range_are_read():
    config = load_config({**SAFE, "PROPOSAL_TTL_HOURS": "0.5", "MAX_OPEN_PROPOSALS_PER_VOLUNTEER": "1"})
    assert (config.proposal_ttl_hours, config.max_open_proposals_per_volunteer) == (0.5, 1)


@pytest.mark.parametrize(("environ", "writes"), [
    ({}, "20/minute"), ({"RATE_LIMIT_WRITES": "5/second"}, "5/second"), ({"RATE_LIMIT_WRITES": "off"}, None),
    ({"TESTING": "1", "LINK_SIGNING_KEY": "k"}, None),
    ({"TESTING": "1", "LINK_SIGNING_KEY": "k", "RATE_LIMIT_WRITES": "3/minute"}, "3/minute"),
])
def test_rate_limits_have_a_default_outside_tests_and_are_off_in_tests_unless_set(environ, writes):
    assert load_config({**SAFE, **environ}).rate_limit("writes") == writes


def test_secrets_are_not_in_the_configs_repr():
    text = repr(load_config(SAFE))
    assert ADMIN not in text and SERVICE not in text and LINK not in text
