"""What the matcher's HTTP views share: who the caller is (asked once per request), checking that before the
body or query is read, and the headers of pages that carry a person's link or contact."""
from __future__ import annotations

from functools import wraps

from flask import g, make_response

from shared.auth import optional_caller
from shared.directory import TokenInfo
from shared.http import deps
from services.matcher import access

PRIVATE_PAGE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def who() -> TokenInfo:
    """Who the caller is, resolved once per request (its token's issuer is asked at most once)."""
    if "who" not in g:
        g.who = access.identify(optional_caller(deps().config), deps().clients)
    return g.who


def caller_first(view):
    """Placed above @blp.arguments: the caller is checked before the body or query is read (401 before 422)."""
    @wraps(view)
    def checked(*args, **kwargs):
        who()
        return view(*args, **kwargs)
    return checked


def private(view):
    """A page that shows a person's link, name or contact: never cached, never sent on as a referrer."""
    @wraps(view)
    def page(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers.update(PRIVATE_PAGE)
        return response
    return page
