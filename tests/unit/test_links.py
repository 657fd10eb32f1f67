"""Signed link codes: short and URL-safe, bound to their purpose, verifiable under every listed key."""
from __future__ import annotations

import re

import pytest

from shared import links
from shared.config import Config
from shared.errors import InvalidLink, NotFound

KEY, OLD, OTHER = "k" * 32, "o" * 32, "x" * 32
CONFIG = Config(link_signing_keys=(KEY,))
PAYLOAD = bytes(range(17))


def test_a_code_carries_its_payload_back():
    assert links.verify(CONFIG, "respond", links.sign(CONFIG, "respond", PAYLOAD)) == PAYLOAD


def test_a_code_is_url_safe_and_short_enough_for_an_sms():
    code = links.sign(CONFIG, "respond", PAYLOAD)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", code) and len(code) <= 48


def test_a_code_is_valid_only_for_its_purpose():
    code = links.sign(CONFIG, "respond", PAYLOAD)
    with pytest.raises(InvalidLink):
        links.verify(CONFIG, "confirm-offer", code)


def test_a_code_made_with_another_key_is_refused():
    code = links.sign(Config(link_signing_keys=(OTHER,)), "respond", PAYLOAD)
    with pytest.raises(InvalidLink):
        links.verify(CONFIG, "respond", code)


def test_the_first_key_signs_and_every_listed_key_verifies():
    rotating = Config(link_signing_keys=(KEY, OLD))
    old_code = links.sign(Config(link_signing_keys=(OLD,)), "respond", PAYLOAD)
    assert links.verify(rotating, "respond", old_code) == PAYLOAD
    assert links.sign(rotating, "respond", PAYLOAD) == links.sign(CONFIG, "respond", PAYLOAD)


def test_a_retired_key_no_longer_verifies():
    old_code = links.sign(Config(link_signing_keys=(OLD,)), "respond", PAYLOAD)
    with pytest.raises(InvalidLink):
        links.verify(CONFIG, "respond", old_code)


def _changed_at(code: str, index: int) -> str:
    return code[:index] + ("B" if code[index] == "A" else "A") + code[index + 1:]


@pytest.mark.parametrize("index", [0, 5, 21, 30, -3])
def test_any_changed_character_makes_the_code_invalid(index):
    code = links.sign(CONFIG, "respond", PAYLOAD)
    with pytest.raises(InvalidLink):
        links.verify(CONFIG, "respond", _changed_at(code, index))


@pytest.mark.parametrize("code", ["", "A", "AAAA", "!!!!", "a b", "x" * 2000, "AQ==", "ÆØÅ", "%2e%2e"])
def test_malformed_codes_are_invalid_links_not_errors(code):
    with pytest.raises(InvalidLink) as caught:
        links.verify(CONFIG, "respond", code)
    assert isinstance(caught.value, NotFound) and caught.value.message == "This link is not valid."


def test_nothing_is_signed_or_verified_without_a_key():
    with pytest.raises(RuntimeError):
        links.sign(Config(), "respond", PAYLOAD)
    with pytest.raises(RuntimeError):
        links.verify(Config(link_signing_keys=("",)), "respond", links.sign(CONFIG, "respond", PAYLOAD))
