"""The web's session cookie, encrypted: what it holds (the person's credential among it) can be neither read nor
changed without the key.

The session is serialised as Flask serialises it (tagged JSON, so flashed messages keep their form), with the
time it was written, and sealed with AES-256-GCM under a key derived (HKDF-SHA256) from each WEB_SESSION_KEY key:
the first seals, every one opens, so a new key is put first and the old one dropped once the cookies it sealed
have ended. The cookie's value is base64url(nonce, ciphertext and tag). One that opens under no key, or was
written longer ago than the session lifetime, is read as an empty session, as Flask reads a cookie whose
signature fails.
"""
from __future__ import annotations

import base64
import binascii
import os
import time
from typing import Any, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, SignatureExpired

NONCE_BYTES = 12
TAG_BYTES = 16
LABEL = b"frivillig web session cookie"  # what the keys are derived for, and the data each seal is bound to


def cookie_key(secret: str) -> AESGCM:
    """The AES-256-GCM key one session key gives."""
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LABEL).derive(secret.encode()))


class CookieCipher:
    """Seals a session into a cookie's value and opens one again: dumps() and loads(value, max_age), the two
    calls Flask's cookie sessions make of their serializer."""

    def __init__(self, secrets: Sequence[str], serializer: Any):
        if not secrets:
            raise ValueError("a session cookie needs at least one key")
        self.keys = [cookie_key(secret) for secret in secrets]
        self.serializer = serializer

    def dumps(self, session: dict[str, Any]) -> str:
        """The cookie's value for a session, sealed under the first key."""
        nonce = os.urandom(NONCE_BYTES)
        plain = self.serializer.dumps({"written_at": int(time.time()), "session": session}).encode()
        sealed = nonce + self.keys[0].encrypt(nonce, plain, LABEL)
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")

    def loads(self, value: str, max_age: int | None = None) -> dict[str, Any]:
        """The session a cookie's value holds; BadSignature when no key opens it, SignatureExpired (a kind of
        BadSignature) when it was written more than max_age seconds ago."""
        try:
            sealed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError):
            raise BadSignature("the session cookie is not base64url") from None
        if len(sealed) < NONCE_BYTES + TAG_BYTES:
            raise BadSignature("the session cookie is too short")
        nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
        for key in self.keys:
            try:
                plain = key.decrypt(nonce, body, LABEL)
                break
            except InvalidTag:
                continue
        else:
            raise BadSignature("the session cookie opens under no key")
        content = self.serializer.loads(plain.decode())
        if max_age is not None and time.time() - content["written_at"] > max_age:
            raise SignatureExpired("the session cookie is too old")
        return content["session"]


class EncryptedCookieSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie sessions, sealed by CookieCipher instead of signed in the clear."""

    def __init__(self, secrets: Sequence[str]):
        self.cipher = CookieCipher(secrets, self.serializer)

    def get_signing_serializer(self, app: Flask) -> CookieCipher:  # type: ignore[override]
        return self.cipher
