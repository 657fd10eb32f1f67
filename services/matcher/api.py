"""HTTP endpoints of the matcher: matches, answers to proposals, the answer page, and staff statistics."""
from __future__ import annotations

from datetime import timedelta

from flask import render_template

from shared.auth import optional_caller, require_staff
from shared.directory import SERVICE, STAFF, TokenInfo
from shared.clock import from_iso
from shared.http import ServiceBlueprint, deps
from shared.ratelimit import limited_write
from shared.timeslots import OSLO
from services.matcher import access, handlers, stats
from services.matcher.lifecycle import ROLES, public_view
from services.matcher.schemas import AnswerForm, MatchesQuery, MatchList, MatchOut

blp = ServiceBlueprint("matches", __name__, description="Matches between offers and needs")


def _view(match: dict, who: TokenInfo | None = None) -> dict:
    """What the contract shows of a match; the answer links of both sides go only to services (notify)."""
    view = public_view(match)
    if who is not None and who.kind == SERVICE:
        view["links"] = {role: access.respond_url(deps().config, match["_id"], role) for role in ROLES}
    return view


@blp.route("/matches")
@blp.arguments(MatchesQuery, location="query")
@blp.response(200, MatchList)
def list_matches(query):
    d = deps()
    who = access.identify(optional_caller(d.config), d.clients)
    if "need_id" in query:
        need = d.repo.need(query["need_id"]) or (d.clients.need(query["need_id"]) if who.kind != STAFF else None)
        access.authorize(who, access.LIST, {"organisation_id": need and need["organisation_id"]})
        items = d.repo.matches_for_need(query["need_id"])
    else:
        access.authorize(who, access.LIST, {"offer_id": query["offer_id"]})
        items = d.repo.matches_for_offer(query["offer_id"])
    return {"items": [_view(m) for m in items]}


@blp.route("/matches/<match_id>")
@blp.response(200, MatchOut)
def get_match(match_id):
    d = deps()
    who = access.identify(optional_caller(d.config), d.clients)
    match = handlers.get_match(access.match_id_of(match_id), d.repo)
    access.authorize(who, access.READ, match)
    return _view(match, who)


def _ttl(config) -> timedelta:
    return timedelta(hours=config.proposal_ttl_hours)


def _answer(match_id: str, accepted: bool) -> dict:
    d = deps()
    who = access.identify(optional_caller(d.config), d.clients)
    match = handlers.get_match(access.match_id_of(match_id), d.repo)
    role = access.authorize(who, access.ANSWER, match)
    return _view(handlers.respond(match_id, role, accepted, d.repo, d.clock(), _ttl(d.config)))


@blp.route("/matches/<match_id>/accept", methods=["POST"])
@blp.response(200, MatchOut)
def accept(match_id):
    return _answer(match_id, True)


@blp.route("/matches/<match_id>/decline", methods=["POST"])
@blp.response(200, MatchOut)
def decline(match_id):
    return _answer(match_id, False)


def _page(match: dict, message: tuple[str, str] | None = None):
    nb, en = message or (None, None)
    return render_template("respond.html", match=match,
                           expires_at=from_iso(match["expires_at"]).astimezone(OSLO).strftime("%d.%m.%Y %H.%M"),
                           message=nb, message_en=en)


@blp.route("/r/<code>")
def answer_page(code):
    """The page a notification link opens: opening it changes nothing; the buttons POST."""
    match_id, _ = access.read_code(deps().config, code)
    return _page(handlers.get_match(match_id, deps().repo))


ANSWERED = {
    "confirmed": ("Takk! Oppdraget er bekreftet.", "Thank you! The assignment is confirmed."),
    "proposed": ("Takk for svaret! Vi gir beskjed når begge har takket ja.", "Thanks! We will let you know once both sides have accepted."),
    "declined": ("Takk for svaret. Vi spør noen andre.", "Thanks for letting us know. We will ask someone else."),
}


@blp.route("/r/<code>", methods=["POST"])
@limited_write
@blp.arguments(AnswerForm, location="form")
def answer_from_page(form, code):
    match_id, role = access.read_code(deps().config, code)
    match = handlers.respond(match_id, role, form["answer"] == "accept", deps().repo, deps().clock(),
                             _ttl(deps().config))
    return _page(match, ANSWERED.get(match["status"]))


@blp.route("/stats")
@blp.response(200)
def get_stats():
    require_staff(deps().config, lambda token: deps().clients.introspect(token).active)
    return stats.by_district(deps().repo)
