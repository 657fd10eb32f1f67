"""Who is signed in: an encrypted session cookie (cookie.py) holding the person's credential, with an idle timeout
and an absolute end.

Volunteers and organisation contacts get a session token from the owning service by redeeming the
one-time link mailed to them, or, right after signing up, for the credential the sign-up returned (which is
not kept); staff give their token on a form. `staff_sign_in` is the seam where an
OpenID Connect provider (ID-porten, the municipality's Entra ID) would plug in instead: it only has to
end by calling `sign_in(STAFF, credential, ...)` with a credential the services accept as staff.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlsplit
from typing import Any, Callable

from flask import current_app, flash, redirect, request, session, url_for

from services.web.texts import tr

VOLUNTEER, ORGANISATION, STAFF = "volunteer", "organisation", "staff"
KINDS = (VOLUNTEER, ORGANISATION, STAFF)
LIFETIME_SECONDS = 12 * 3600  # a session ends this long after signing in, however busy; as the services' tokens do


def clock() -> int:
    """Now, in whole seconds since the epoch: the clock sessions are timed by."""
    return int(time.time())


@dataclass(frozen=True)
class Person:
    """The signed-in person: what kind, their credential, and the offer or organisation they act for."""

    kind: str
    token: str
    subject_id: str | None


def sign_in(kind: str, token: str, subject_id: str | None = None) -> None:
    """Start a fresh session (a new cookie, nothing kept from before but the language)."""
    lang = session.get("lang")
    session.clear()
    now = clock()
    session.update(kind=kind, token=token, subject=subject_id, signed_in_at=now, seen=now)
    if lang:
        session["lang"] = lang
    session.permanent = True


def sign_out() -> None:
    """End the session, keeping the language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def person() -> Person | None:
    """The signed-in person, or None."""
    if session.get("kind") not in KINDS or not session.get("token"):
        return None
    return Person(session["kind"], session["token"], session.get("subject"))


def idle_seconds() -> float:
    return current_app.config["IDLE_MINUTES"] * 60


def keep_alive() -> None:
    """Before each request: a session begun LIFETIME_SECONDS ago or idle for longer than the timeout is ended, else
    its idle clock restarts."""
    if "kind" not in session:
        return
    now = clock()
    if now - int(session.get("signed_in_at", 0)) >= LIFETIME_SECONDS:
        sign_out()
        flash(tr("Du ble logget ut fordi det er 12 timer siden du logget inn. Logg inn igjen.",
                 "You were signed out because you signed in 12 hours ago. Please sign in again."))
        return
    if now - int(session.get("seen", 0)) > idle_seconds():
        sign_out()
        flash(tr("Du ble logget ut fordi du ikke hadde gjort noe på en stund. Logg inn igjen.",
                 "You were signed out after a while without activity. Please sign in again."))
        return
    if now - int(session.get("seen", 0)) >= 60:  # rewrite the cookie at most once a minute
        session["seen"] = now


def requires(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view for one kind of person: anyone else is sent to sign in, and back to this page afterwards (a form's
    button pressed after the session ended goes back to the start page of the person's kind: its address only
    takes a POST, and the form's answer is lost with the session anyway)."""
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            who = person()
            if who is None or who.kind != kind:
                target = "signin.staff" if kind == STAFF else "signin.start"
                back = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for(target, next=back))
            return view(who, *args, **kwargs)
        return guarded
    return decorate


def safe_next(target: str | None, default: str) -> str:
    """A path on this site to go on to after signing in; anything else is replaced by the default. Browsers
    drop tabs and line breaks from addresses and read a backslash as a slash, so "/\t/evil.example" would lead
    away as surely as "//evil.example": a target with any of them, or with a scheme or host, is refused."""
    if not target or any(ord(c) < 0x21 or ord(c) == 0x7f or c == "\\" for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
