"""The sign-in endpoints that offers and needs both serve, declared once.

Each service hands over its use cases (a module with request_sign_in, open_session, check_sign_in and
close_session), the schema of its session answer, and the words its documentation uses: what its
subjects are and which credential a session stands for.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from marshmallow import Schema

from shared.auth import optional_caller
from shared.http import BEARER, BEARER_OR_NONE, ServiceBlueprint, deps, error_responses
from shared.ratelimit import limited_write
from shared.schemas import SessionCheckIn, SessionCheckOut, SessionIn, SignInAccepted, SignInIn

LINK_PROBLEMS = {404: "A forged or mangled link (invalid_link)",
                 410: "The link expired (link_expired), or was used or replaced (link_used)"}
SIGN_OUT_REFUSALS = {401: "No token, or no live session's (unauthorized)",
                     403: "A token that is not a session token (forbidden)"}


@dataclass(frozen=True)
class Wording:
    """How one service's documentation names what is signed in to and the credential a session stands for."""

    sent_to: str  # whom a link is mailed to, e.g. "each open offer of this confirmed address"
    credential: str  # e.g. "the offer's manage_token"
    not_exchanged: str  # the bearer tokens refused for an exchange, besides a session token


def add_sign_in_routes(blp: ServiceBlueprint, use_cases: ModuleType, session: type[Schema], words: Wording) -> None:
    """POST /sign-in, POST /sessions, POST /sessions/check and DELETE /sessions/current on the blueprint."""

    @blp.route("/sign-in", methods=["POST"])
    @limited_write
    @blp.arguments(SignInIn)
    @blp.response(202, SignInAccepted)
    @blp.doc(summary=f"A sign-in link by e-mail to {words.sent_to}; the same answer for any address")
    def request_sign_in(data):
        return use_cases.request_sign_in(data["email"], deps().repo, deps().now)

    @blp.route("/sessions", methods=["POST"])
    @limited_write
    @blp.arguments(SessionIn, required=False)
    @blp.response(201, session)
    @blp.doc(security=BEARER_OR_NONE, responses=error_responses({
        401: "No code and no bearer token, or a token nobody holds (unauthorized)",
        403: f"No code, and the bearer token is a session token, {words.not_exchanged} (forbidden)",
        **LINK_PROBLEMS}))
    @blp.doc(summary=f"Open a session that stands for {words.credential} for 12 hours",
             description=f"With `{{\"code\"}}`: a sign-in link is redeemed, once. With no body (or `{{}}`) and "
                         f"{words.credential} as the bearer token: a new session each time, so that a client need "
                         "not keep the permanent credential. A session token is not exchanged for another.")
    def open_session(data):
        return use_cases.open_session(data.get("code"), optional_caller(deps().config), deps().repo, deps().config,
                                      deps().now)

    @blp.route("/sessions/check", methods=["POST"])
    @limited_write
    @blp.arguments(SessionCheckIn)
    @blp.response(200, SessionCheckOut)
    @blp.doc(responses=error_responses(LINK_PROBLEMS))
    @blp.doc(summary="Whether a sign-in link would open a session now, without using it",
             description="The page a link opens asks this, so it shows the sign-in button only for a link that "
                         "works. Asking changes nothing: the link still works once, by POST /sessions.")
    def check_sign_in(data):
        return use_cases.check_sign_in(data["code"], deps().repo, deps().config, deps().now)

    @blp.route("/sessions/current", methods=["DELETE"])
    @blp.response(204)
    @blp.doc(security=BEARER, responses=error_responses(SIGN_OUT_REFUSALS),
             summary="Sign out: the session token in the Authorization header stops working")
    def close_session():
        use_cases.close_session(optional_caller(deps().config), deps().repo)
