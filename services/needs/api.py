"""HTTP endpoints of the needs service: load the request, call a use case, dump the response."""
from __future__ import annotations

from functools import partial

from shared import confirmation
from shared.auth import (INTROSPECTION_FORM, INTROSPECTION_REFUSALS, caller_first, introspection, optional_caller,
                         require_known, require_service, require_staff)
from shared.http import BEARER, BEARER_OR_NONE, ServiceBlueprint, deps, error_responses
from shared.logs import name_ids
from shared.ratelimit import limited_write
from shared.signin_routes import Wording, add_sign_in_routes
from shared.schemas import PageQuery, TokenIntrospectionIn, TokenIntrospectionOut
from services.needs import handlers
from services.needs.schemas import (NeedIn, NeedOut, NeedPage, NeedPatch, NeedsQuery, OrganisationCreated,
                                    OrganisationIn, OrganisationOut, OrganisationPage, OrganisationPatch,
                                    OrganisationSession, OrganisationsQuery)

blp = ServiceBlueprint("needs", __name__, description="Organisations and the needs they post")

NO_TOKEN = "No token, or one nobody holds (unauthorized)"
OWNER_OR_STAFF = {401: NO_TOKEN, 403: "Another organisation's token, or the service token (forbidden)"}


@blp.route("/organisations", methods=["POST"])
@limited_write
@blp.arguments(OrganisationIn)
@blp.response(201, OrganisationCreated)
def register_organisation(data):
    organisation, api_key = handlers.register_organisation(data, deps().repo, deps().now)
    name_ids(org_id=organisation["_id"])
    return {**organisation, "api_key": api_key}


@blp.route("/organisations")
@caller_first(require_staff, handlers.knows_token)
@blp.arguments(OrganisationsQuery, location="query")
@blp.response(200, OrganisationPage)
@blp.doc(security=BEARER, responses=error_responses({401: NO_TOKEN,
                                                     403: "An organisation's or a service's token (forbidden)"}))
def list_organisations(query):
    """Staff only, contact details included: e.g. ?contact_confirmed=true&verified=false for those to verify."""
    return handlers.list_organisations(query, deps().repo)


@blp.route("/organisations/me")
@blp.response(200, OrganisationOut)
@blp.doc(security=BEARER, responses=error_responses({401: "No token, or not an organisation's (unauthorized)"}))
def my_organisation():
    return handlers.organisation_of(optional_caller(deps().config), deps().repo)


@blp.route("/organisations/me/needs")
@caller_first(require_known, handlers.knows_token)
@blp.arguments(PageQuery, location="query")
@blp.response(200, NeedPage)
@blp.doc(security=BEARER, responses=error_responses({401: NO_TOKEN, 403: "The staff or service token (forbidden)"}))
def my_needs(query):
    """The caller's organisation's needs, whatever their status, newest first (its api_key or session)."""
    return handlers.needs_of_my_organisation(query, optional_caller(deps().config), deps().repo)


@blp.route("/organisations/<id:org_id>")
@blp.response(200, OrganisationOut)
@blp.doc(security=BEARER_OR_NONE, description="Public; its contact only to the organisation itself, staff and "
                                              "services.")
def get_organisation(org_id):
    return handlers.readable_organisation(org_id, optional_caller(deps().config), deps().repo)


@blp.route("/organisations/<id:org_id>", methods=["PATCH"])
@caller_first(require_known, handlers.knows_token)
@blp.arguments(OrganisationPatch)
@blp.response(200, OrganisationOut)
@blp.doc(security=BEARER, responses=error_responses(OWNER_OR_STAFF))
def update_organisation(changes, org_id):
    """The organisation itself or staff change its settings; for now only certificate_max_age_months."""
    return handlers.update_organisation(org_id, changes, optional_caller(deps().config), deps().repo, deps().now)


@blp.route("/organisations/<id:org_id>/verify", methods=["POST"])
@blp.response(200, OrganisationOut)
@blp.doc(security=BEARER, responses=error_responses({
    401: NO_TOKEN, 403: "An organisation's or a service's token (forbidden)",
    409: "The contact has not confirmed the e-mail address yet (conflict)"}))
def verify_organisation(org_id):
    require_staff(deps().config, partial(handlers.knows_token, repo=deps().repo))
    return handlers.verify_organisation(org_id, deps().repo, deps().now)


@blp.route("/organisations/<id:org_id>/confirmation", methods=["POST"])
@blp.response(200, OrganisationOut)
@blp.doc(security=BEARER, responses=error_responses({
    **OWNER_OR_STAFF, 409: "The contact has confirmed already, or a link was sent minutes ago (conflict)"}))
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
@blp.doc(security=BEARER, responses=error_responses({
    401: "No token, or not an organisation's (unauthorized)",
    403: "The staff or service token: needs are posted with an organisation's api_key (forbidden)",
    422: "Some fields are not valid (validation_failed), also a certificate_basis without police_certificate"}))
def post_need(data):
    need = handlers.post_need(data, optional_caller(deps().config), deps().repo, deps().now)
    name_ids(need_id=need["_id"])
    return need


@blp.route("/needs")
@blp.arguments(NeedsQuery, location="query")
@blp.response(200, NeedPage)
def list_needs(query):
    return handlers.list_open_needs(query, deps().repo)


@blp.route("/needs/<need_id>")
@blp.response(200, NeedOut)
@blp.doc(security=BEARER_OR_NONE, description="An open need is public; one not open only to its organisation, "
                                              "staff and services.",
         responses=error_responses({401: "A need not open, asked without a token or with one nobody holds "
                                         "(unauthorized)",
                                    403: "A need not open, asked with another organisation's token (forbidden)"}))
def get_need(need_id):
    return handlers.get_need(need_id, optional_caller(deps().config), deps().repo)


@blp.route("/needs/<need_id>", methods=["PATCH"])
@caller_first(require_known, handlers.knows_token)
@blp.arguments(NeedPatch(partial=True))
@blp.response(200, NeedOut)
@blp.doc(security=BEARER, responses=error_responses({
    **OWNER_OR_STAFF, 409: "The need is closed (conflict)",
    422: "Some fields are not valid (validation_failed), also a certificate_basis the need would hold without "
         "police_certificate"}))
def update_need(changes, need_id):
    return handlers.update_need(need_id, changes, optional_caller(deps().config), deps().repo, deps().now)


@blp.route("/needs/<need_id>/close", methods=["POST"])
@blp.response(200, NeedOut)
@blp.doc(security=BEARER, responses=error_responses(OWNER_OR_STAFF))
def close_need(need_id):
    return handlers.close_need(need_id, optional_caller(deps().config), deps().repo, deps().now)


@blp.route("/tokens/introspect", methods=["POST"])
@caller_first(require_service, handlers.knows_token)
@blp.arguments(TokenIntrospectionIn)
@blp.response(200, TokenIntrospectionOut)
@blp.doc(security=BEARER, responses=error_responses(INTROSPECTION_REFUSALS), requestBody=INTROSPECTION_FORM)
def introspect_token(data):
    """Whose token this is (RFC 7662), for the other services only: always 200, {"active": false} for no one's."""
    return introspection(deps().config, data["token"], partial(handlers.token_holder, repo=deps().repo))


add_sign_in_routes(blp, handlers, OrganisationSession,
                   Wording(sent_to="each organisation with this confirmed contact address",
                           credential="the organisation's api_key", not_exchanged="or the staff or service token"))
