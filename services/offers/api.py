"""HTTP endpoints of the offers service: load the request, call a use case, dump the response."""
from __future__ import annotations

from functools import partial

from shared import confirmation
from shared.auth import (INTROSPECTION_FORM, INTROSPECTION_REFUSALS, caller_first, introspection, optional_caller,
                         require_known, require_service, require_staff)
from shared.http import BEARER, ServiceBlueprint, deps, error_responses
from shared.logs import name_ids
from shared.ratelimit import limited_write
from shared.signin_routes import Wording, add_sign_in_routes
from services.offers import handlers
from shared.schemas import TokenIntrospectionIn, TokenIntrospectionOut
from services.offers.schemas import (OfferCreated, OfferIn, OfferOut, OfferPage, OfferPatch, OfferSession,
                                     OffersQuery)

blp = ServiceBlueprint("offers", __name__, description="Volunteers' offers of their time")

NO_TOKEN = "No token, or one nobody holds (unauthorized)"
NOT_THEIRS = "No such offer, or another volunteer's (not_found)"


@blp.route("/offers", methods=["POST"])
@limited_write
@blp.arguments(OfferIn)
@blp.response(201, OfferCreated)
def publish_offer(data):
    offer, token = handlers.publish_offer(data, deps().repo, deps().now)
    name_ids(offer_id=offer["_id"])
    return {**offer, "manage_token": token}


@blp.route("/offers")
@blp.arguments(OffersQuery, location="query")
@blp.response(200, OfferPage)
@blp.doc(security=BEARER, responses=error_responses({401: NO_TOKEN, 403: "A volunteer's or a service's token"}))
def list_offers(query):
    require_staff(deps().config, partial(handlers.knows_token, repo=deps().repo))
    return handlers.list_offers(query, deps().repo)


@blp.route("/offers/<offer_id>")
@blp.response(200, OfferOut)
@blp.doc(security=BEARER, responses=error_responses({401: NO_TOKEN, 404: NOT_THEIRS}))
def get_offer(offer_id):
    return handlers.readable_offer(offer_id, optional_caller(deps().config), deps().repo)


@blp.route("/offers/<offer_id>", methods=["PATCH"])
@caller_first(require_known, handlers.knows_token)
@blp.arguments(OfferPatch(partial=True))
@blp.response(200, OfferOut)
@blp.doc(security=BEARER, responses=error_responses({
    401: NO_TOKEN, 403: "The staff or service token: only the volunteer changes an offer", 404: NOT_THEIRS,
    409: "The offer is withdrawn (conflict)",
    422: "Some fields are not valid (validation_failed), also when the offer the change makes could not reach the "
         "volunteer by the channels it chooses"}))
def update_offer(changes, offer_id):
    return handlers.update_offer(offer_id, changes, optional_caller(deps().config), deps().repo, deps().now)


@blp.route("/offers/<offer_id>", methods=["DELETE"])
@blp.response(200, OfferOut)
@blp.doc(security=BEARER, responses=error_responses({401: NO_TOKEN, 403: "The service token", 404: NOT_THEIRS}))
def withdraw_offer(offer_id):
    return handlers.withdraw_offer(offer_id, optional_caller(deps().config), deps().repo, deps().now)


@blp.route("/offers/<offer_id>/confirmation", methods=["POST"])
@blp.response(200, OfferOut)
@blp.doc(security=BEARER, responses=error_responses({
    401: NO_TOKEN, 403: "The staff or service token", 404: NOT_THEIRS,
    409: "No address of the offer waits to be confirmed, or a link was sent minutes ago (conflict)"}))
def renew_confirmation(offer_id):
    """A new confirmation link to the address waiting to be confirmed, when the first got lost (the volunteer)."""
    return handlers.renew_confirmation(offer_id, optional_caller(deps().config), deps().repo, deps().now)


@blp.route("/confirm/<code>")
@blp.doc(responses=confirmation.PAGE_RESPONSES)
def confirmation_page(code):
    """The page a confirmation link opens: it changes nothing; its button POSTs to the same address."""
    return confirmation.respond("offer", handlers.confirmation_state, code, deps().repo, deps().config, deps().now)


@blp.route("/confirm/<code>", methods=["POST"])
@limited_write
@blp.doc(responses=confirmation.PAGE_RESPONSES)
def confirm_address(code):
    """The confirmation page's button: the volunteer's address is confirmed and the offer opens."""
    return confirmation.respond("offer", handlers.confirm_address, code, deps().repo, deps().config, deps().now)


@blp.route("/tokens/introspect", methods=["POST"])
@caller_first(require_service, handlers.knows_token)
@blp.arguments(TokenIntrospectionIn)
@blp.response(200, TokenIntrospectionOut)
@blp.doc(security=BEARER, responses=error_responses(INTROSPECTION_REFUSALS), requestBody=INTROSPECTION_FORM)
def introspect_token(data):
    """Whose token this is (RFC 7662), for the other services only: always 200, {"active": false} for no one's."""
    return introspection(deps().config, data["token"], partial(handlers.token_holder, repo=deps().repo))


add_sign_in_routes(blp, handlers, OfferSession,
                   Wording(sent_to="each open offer of this confirmed address", credential="the offer's manage_token",
                           not_exchanged="the staff or service token, or a withdrawn offer's manage_token"))
