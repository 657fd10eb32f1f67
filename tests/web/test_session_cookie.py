"""The web's session cookie is sealed with AES-GCM: what it holds cannot be read or changed without the key, the
first key seals and every key opens, and a cookie that does not open is no session at all."""
from __future__ import annotations

import base64
import time

import pytest
from flask.json.tag import TaggedJSONSerializer
from itsdangerous import BadSignature, SignatureExpired

from services.web.cookie import CookieCipher

KEY, OLD = "the-current-web-session-key-" + "c" * 32, "the-retired-web-session-key-" + "r" * 32
SESSION = {"kind": "volunteer", "token": "h6X0lZ3o0m2Kq9yTt1cV8bN4rS7uW5eA2dF6gJ0kL3p", "subject": "offer-1",
           "_flashes": [("message", "Endringene er lagret.")]}


def cipher(*keys: str) -> CookieCipher:
    return CookieCipher(keys or (KEY,), TaggedJSONSerializer())


def unpadded(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def test_a_sealed_session_opens_as_it_was_with_its_flashes():
    assert cipher().loads(cipher().dumps(SESSION)) == SESSION


def test_the_cookie_shows_nothing_of_what_it_holds_and_differs_each_time_it_is_written():
    first, second = cipher().dumps(SESSION), cipher().dumps(SESSION)
    assert first != second
    for value in (first, second):
        for secret in (SESSION["token"], SESSION["subject"], "volunteer", "token"):
            assert secret not in value and secret.encode() not in unpadded(value)


@pytest.mark.parametrize("change", [
    lambda value: value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1],
    lambda value: ("A" if value[0] != "A" else "B") + value[1:],
    lambda value: value[:20],
    lambda value: "",
    lambda value: "ikke base64 æøå",
], ids=["the tag changed", "the nonce changed", "cut short", "empty", "not base64"])
def test_a_changed_cookie_does_not_open(change):
    with pytest.raises(BadSignature):
        cipher().loads(change(cipher().dumps(SESSION)))


def test_the_first_key_seals_and_every_key_opens_so_a_retired_key_can_be_dropped_later():
    sealed_before = cipher(OLD).dumps(SESSION)
    rotating = cipher(KEY, OLD)
    assert rotating.loads(sealed_before) == SESSION
    sealed_now = rotating.dumps(SESSION)
    assert cipher(KEY).loads(sealed_now) == SESSION
    with pytest.raises(BadSignature):
        cipher(OLD).loads(sealed_now)
    with pytest.raises(BadSignature):
        cipher(KEY).loads(sealed_before)


def test_a_cookie_written_longer_ago_than_max_age_does_not_open(monkeypatch):
    sealed = cipher().dumps(SESSION)
    assert cipher().loads(sealed, max_age=60) == SESSION
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(SignatureExpired):
        cipher().loads(sealed, max_age=60)


def test_no_key_is_no_cipher():
    with pytest.raises(ValueError):
        CookieCipher((), TaggedJSONSerializer())
