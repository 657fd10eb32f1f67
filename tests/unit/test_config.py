"""Start-up refuses settings that would run the system unsafely or wrongly, naming the variable at fault."""
from __future__ import annotations

import pytest

from shared.config import SERVICE_SECRETS, WEB_SECRETS, ConfigError, load_config

ADMIN, SERVICE, LINK, LINK2, WEB, WEB2 = ("a" * 32, "s" * 32, "k" * 32, "j" * 40, "w" * 32, "v" * 48)
SAFE = {"ADMIN_TOKEN": ADMIN, "SERVICE_TOKEN": SERVICE, "LINK_SIGNING_KEY": LINK}
WEB_SAFE = {"WEB_SESSION_KEY": WEB, "OFFERS_URL": "http://offers:8001", "NEEDS_URL": "http://needs:8002",
            "MATCHER_URL": "http://matcher:8003", "NOTIFY_URL": "http://notify:8004"}


def refused(environ: dict[str, str], needs: tuple[str, ...] = SERVICE_SECRETS) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(environ, needs=needs)
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
    ("KAFKA_REPLICATION_FACTOR", "0"), ("KAFKA_FETCH_MAX_WAIT_MS", "-1"), ("KAFKA_FETCH_MAX_WAIT_MS", "60000"),
    ("OUTBOX_POLL_MS", "0"),
    ("RATE_LIMIT_WRITES", "lots"), ("RATE_LIMIT_TOKEN_FAILURES", "10 per fortnight"),
])
def test_a_number_out_of_range_is_refused_naming_the_variable(name, raw):
    assert name in refused({**SAFE, name: raw})


def test_numbers_in_range_are_read():
    config = load_config({**SAFE, "PROPOSAL_TTL_HOURS": "0.5", "MAX_OPEN_PROPOSALS_PER_VOLUNTEER": "1",
                          "KAFKA_REPLICATION_FACTOR": "3", "KAFKA_FETCH_MAX_WAIT_MS": "0", "OUTBOX_POLL_MS": "2.5"})
    assert (config.proposal_ttl_hours, config.max_open_proposals_per_volunteer) == (0.5, 1)
    assert (config.kafka_replication_factor, config.kafka_fetch_max_wait_ms, config.outbox_poll_ms) == (3, 0, 2.5)


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


# --- which secrets each process needs ----------------------------------------------------------------

def test_the_web_starts_with_only_its_session_key_and_the_urls():
    config = load_config(WEB_SAFE, needs=WEB_SECRETS)
    assert config.web_session_keys == (WEB,) and config.offers_url == "http://offers:8001"
    assert (config.admin_token, config.service_token, config.link_signing_keys) == ("", "", ())


def test_web_session_keys_are_a_comma_separated_list_the_first_in_use():
    assert load_config({**WEB_SAFE, "WEB_SESSION_KEY": f"{WEB2}, {WEB}"}, needs=WEB_SECRETS).web_session_keys == (
        WEB2, WEB)


@pytest.mark.parametrize("environ, named", [
    ({}, "WEB_SESSION_KEY must be set"), ({"WEB_SESSION_KEY": "x" * 31}, "WEB_SESSION_KEY[0] must be at least 32"),
    ({"WEB_SESSION_KEY": f"{WEB},short"}, "WEB_SESSION_KEY[1] must be at least 32"),
    ({"WEB_SESSION_KEY": f"{WEB},"}, "WEB_SESSION_KEY must be set"),
])
def test_the_web_refuses_to_start_without_a_good_session_key(environ, named):
    urls = {k: v for k, v in WEB_SAFE.items() if k != "WEB_SESSION_KEY"}
    assert named in refused({**urls, **environ}, needs=WEB_SECRETS)


@pytest.mark.parametrize("keys", [None, "", ","])
def test_an_empty_web_session_key_is_refused_even_in_tests(keys):
    environ = {"TESTING": "1"} if keys is None else {"TESTING": "1", "WEB_SESSION_KEY": keys}
    assert "WEB_SESSION_KEY" in refused(environ, needs=WEB_SECRETS)


def test_the_services_do_not_need_the_web_session_key_and_the_web_does_not_need_theirs():
    assert load_config(SAFE).web_session_keys == ()
    assert "ADMIN_TOKEN" not in str(pytest.raises(ConfigError, load_config, {}, needs=WEB_SECRETS).value)
    assert "WEB_SESSION_KEY" not in refused({})


@pytest.mark.parametrize("other", ["ADMIN_TOKEN", "SERVICE_TOKEN", "LINK_SIGNING_KEY"])
@pytest.mark.parametrize("needs", [SERVICE_SECRETS, WEB_SECRETS], ids=["a service", "the web"])
def test_the_web_session_key_must_differ_from_the_other_secrets_where_both_are_given(other, needs):
    message = refused({**SAFE, "WEB_SESSION_KEY": f"{WEB},{SAFE[other]}"}, needs=needs)
    assert "WEB_SESSION_KEY[1]" in message and other in message and "differ" in message


def test_a_process_keeps_only_the_secrets_it_needs_from_a_shared_environment():
    shared = {**SAFE, **WEB_SAFE}
    web, service = load_config(shared, needs=WEB_SECRETS), load_config(shared)
    assert (web.web_session_keys, web.admin_token, web.service_token, web.link_signing_keys) == ((WEB,), "", "", ())
    assert (service.web_session_keys, service.link_signing_keys) == ((), (LINK,))


def test_the_web_session_key_is_not_in_the_configs_repr():
    assert WEB not in repr(load_config(WEB_SAFE, needs=WEB_SECRETS))
