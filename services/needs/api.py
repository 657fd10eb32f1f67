"""HTTP endpoints of the needs service: load the request, call a use case, dump the response."""
from __future__ import annotations

from functools import partial

from shared import confirmation
from shared.auth import caller_first, introspection, optional_caller, require_known, require_service, require_staff
from shared.http import ServiceBlueprint, deps
from shared.ratelimit import limited_write
from shared.schemas import (PageQuery, SessionCheckIn, SessionCheckOut, SessionIn, SignInAccepted, SignInIn,
                            TokenIntrospectionIn, TokenIntrospectionOut)
from services.needs import handlers
from services.needs.schemas import (NeedIn, NeedOut, NeedPage, NeedPatch, NeedsQuery, OrganisationCreated,
                                    OrganisationIn, OrganisationOut, OrganisationPage, OrganisationSession,
                                    OrganisationsQuery)

blp = ServiceBlueprint("needs", __name__, description="Organisations and the needs they post")


@blp.route("/organisations", methods=["POST"])
@limited_write
@blp.arguments(OrganisationIn)
@blp.response(201, OrganisationCreated)
def register_organisation(data):
    organisation, api_key = handlers.register_organisation(data, deps().repo, deps().now)
    return {**organisation, "api_key": api_key}


@blp.route("/organisations")
@caller_first(require_staff, handlers.knows_token)
@blp.arguments(OrganisationsQuery, location="query")
@blp.response(200, OrganisationPage)
def list_organisations(query):
    """Staff only, contact details included: e.g. ?contact_confirmed=true&verified=false for those to verify."""
    return handlers.list_organisations(query, deps().repo)


@blp.route("/organisations/me")
@blp.response(200, OrganisationOut)
def my_organisation():
    return handlers.organisation_of(optional_caller(deps().config), deps().repo)


@blp.route("/organisations/me/needs")
@caller_first(require_known, handlers.knows_token)
@blp.arguments(PageQuery, location="query")
@blp.response(200, NeedPage)
def my_needs(query):
    """The caller's organisation's needs, whatever their status, newest first (its api_key or session)."""
    return handlers.needs_of_my_organisation(query, optional_caller(deps().config), deps().repo)


@blp.route("/organisations/<org_id>")
@blp.response(200, OrganisationOut)
def get_organisation(org_id):
    return handlers.readable_organisation(org_id, optional_caller(deps().config), deps().repo)


@blp.route("/organisations/<org_id>/verify", methods=["POST"])
@blp.response(200, OrganisationOut)
def verify_organisation(org_id):
    require_staff(deps().config, partial(handlers.knows_token, repo=deps().repo))
    return handlers.verify_organisation(org_id, deps().repo, deps().now)


@blp.route("/organisations/<org_id>/confirmation", methods=["POST"])
@blp.response(200, OrganisationOut)
def renew_contact_confirmation(org_id):
    """A new confirmation link to the contact, when the first expired or got lost (the organisation or staff)."""
    return handlers.renew_contact_confirmation(org_id, optional_caller(deps().config), deps().repo, deps().now)


@blp.route("/confirm/<code>")
@blp.doc(responses=confirmation.PAGE_RESPONSES)
def confirmation_page(code):
    """The page a contact's confirmation link opens: it changes nothing; its button POSTs to the same address."""
    return confirmation.respond("contact", handlers.confirmation_state, code, deps().repo, deps().config, deps().now)


@blp.route("/confirm/<code>", methods=["POST"])
@limited_write
@blp.doc(responses=confirmation.PAGE_RESPONSES)
def confirm_contact(code):
    """The confirmation page's button: the contact's address is confirmed; staff may then verify."""
    return confirmation.respond("contact", handlers.confirm_contact, code, deps().repo, deps().config, deps().now)


@blp.route("/needs", methods=["POST"])
@caller_first(require_known, handlers.knows_token)
@blp.arguments(NeedIn)
@blp.response(201, NeedOut)
def post_need(data):
    return handlers.post_need(data, optional_caller(deps().config), deps().repo, deps().now)


@blp.route("/needs")
@blp.arguments(NeedsQuery, location="query")
@blp.response(200, NeedPage)
def list_needs(query):
    return handlers.list_open_needs(query, deps().repo)


@blp.route("/needs/<need_id>")
@blp.response(200, NeedOut)
def get_need(need_id):
    return handlers.get_need(need_id, optional_caller(deps().config), deps().repo)


@blp.route("/needs/<need_id>", methods=["PATCH"])
@caller_first(require_known, handlers.knows_token)
@blp.arguments(NeedPatch(partial=True))
@blp.response(200, NeedOut)
def update_need(changes, need_id):
    return handlers.update_need(need_id, changes, optional_caller(deps().config), deps().repo, deps().now)


@blp.route("/needs/<need_id>/close", methods=["POST"])
@blp.response(200, NeedOut)
def close_need(need_id):
    return handlers.close_need(need_id, optional_caller(deps().config), deps().repo, deps().now)


@blp.route("/tokens/introspect", methods=["POST"])
@caller_first(require_service, handlers.knows_token)
@blp.arguments(TokenIntrospectionIn)
@blp.response(200, TokenIntrospectionOut)
def introspect_token(data):
    """Whose token this is (RFC 7662), for the other services only: always 200, {"active": false} for no one's."""
    return introspection(deps().config, data["token"], partial(handlers.token_holder, repo=deps().repo))


@blp.route("/sign-in", methods=["POST"])
@limited_write
@blp.arguments(SignInIn)
@blp.response(202, SignInAccepted)
def request_sign_in(data):
    """A sign-in link by e-mail for each organisation with this confirmed contact address; the same answer for any
    address."""
    return handlers.request_sign_in(data["email"], deps().repo, deps().now)


@blp.route("/sessions", methods=["POST"])
@limited_write
@blp.arguments(SessionIn, required=False)
@blp.response(201, OrganisationSession)
@blp.alt_response(401, description="No code and no bearer token, or a token nobody holds (unauthorized)")
@blp.alt_response(403, description="No code, and the bearer token is a session token, or the staff or service "
                                   "token (forbidden)")
@blp.alt_response(404, description="A forged or mangled link (invalid_link)")
@blp.alt_response(410, description="The link expired (link_expired), or was used or replaced (link_used)")
def open_session(data):
    """Open a session that stands for the organisation's api_key for 12 hours.

    With `{"code"}`: a sign-in link is redeemed, once. With no body (or `{}`) and the organisation's api_key as the
    bearer token: a new session each time, so that a client need not keep the api_key. A session token
    is not exchanged for another.
    """
    return handlers.open_session(data.get("code"), optional_caller(deps().config), deps().repo, deps().config,
                                 deps().now)


@blp.route("/sessions/check", methods=["POST"])
@limited_write
@blp.arguments(SessionCheckIn)
@blp.response(200, SessionCheckOut)
@blp.alt_response(404, description="A forged or mangled link (invalid_link)")
@blp.alt_response(410, description="The link expired (link_expired), or was used or replaced (link_used)")
def check_sign_in(data):
    """Whether a sign-in link would open a session now, without using it.

    The page a link opens asks this, so it shows the sign-in button only for a link that works. Asking changes
    nothing: the link still works once, by POST /sessions.
    """
    return handlers.check_sign_in(data["code"], deps().repo, deps().config, deps().now)


@blp.route("/sessions/current", methods=["DELETE"])
@blp.response(204)
def close_session():
    """Sign out: the session token in the Authorization header stops working."""
    handlers.close_session(optional_caller(deps().config), deps().repo)
