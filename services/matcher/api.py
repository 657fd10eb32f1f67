"""HTTP endpoints of the matcher: matches, answers to proposals, the answer page, and staff statistics."""
from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import g, make_response, render_template, request

from shared import links
from shared.auth import optional_caller, require_staff
from shared.directory import STAFF, DirectoryUnavailable, TokenInfo
from shared.errors import Conflict, NotFound
from shared.http import ServiceBlueprint, deps
from shared.ratelimit import limited_write
from shared.reference import district_name
from shared.wording import format_at, format_when, local_time, organisation_name
from services.matcher import access, contact, handlers, stats
from services.matcher.lifecycle import ORGANISATION, VOLUNTEER, public_view, waiting_for
from services.matcher.schemas import AnswerForm, MatchContact, MatchesQuery, MatchList, MatchOut

blp = ServiceBlueprint("matches", __name__, description="Matches between offers and needs")


def _view(match: dict) -> dict:
    """What the contract shows of a match (never its answer links: notify signs those itself)."""
    return public_view(match)


def _who() -> TokenInfo:
    """Who the caller is, resolved once per request (its token's issuer is asked at most once)."""
    if "who" not in g:
        g.who = access.identify(optional_caller(deps().config), deps().clients)
    return g.who


def _caller_first(view):
    """Placed above @blp.arguments: the caller is checked before the query is read (401 before 422)."""
    @wraps(view)
    def checked(*args, **kwargs):
        _who()
        return view(*args, **kwargs)
    return checked


@blp.route("/matches")
@_caller_first
@blp.arguments(MatchesQuery, location="query")
@blp.response(200, MatchList)
def list_matches(query):
    d = deps()
    who = _who()
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
    who = _who()
    match = handlers.get_match(access.match_id_of(match_id), d.repo)
    access.authorize(who, access.READ, match)
    return _view(match)


@blp.route("/matches/<match_id>/contact")
@blp.response(200, MatchContact)
def get_contact(match_id):
    """The other side's contact details: the volunteer's to the organisation once the volunteer has accepted, the
    organisation's to the volunteer once the match is confirmed, both to staff."""
    d = deps()
    who = _who()
    match = handlers.get_match(access.match_id_of(match_id), d.repo)
    return contact.contact_of(match, access.authorize(who, access.CONTACT, match), d.clients)


def _ttl(config) -> timedelta:
    return timedelta(hours=config.proposal_ttl_hours)


def _answer(match_id: str, accepted: bool) -> dict:
    d = deps()
    who = _who()
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


ANSWERED = {("volunteer", "proposed"): "accepted", ("volunteer", "declined"): "declined",
            ("organisation", "confirmed"): "confirmed", ("organisation", "declined"): "declined"}
PROBLEM_STATUS = {"invalid": 404, "unknown": 404, "expired": 410, "decided": 409, "refused": 409, "unanswerable": 422}


def _problem(problem: str, **details: str):
    """A plain page saying why this link cannot be answered (its texts are in problem.html)."""
    return render_template("problem.html", problem=problem, **details), PROBLEM_STATUS[problem]


def _facts(match: dict, role: str) -> dict | None:
    """What the page says about the assignment, fetched from its owners; None while they cannot be reached.
    The volunteer's name and contact are shown to the organisation only once the volunteer has accepted."""
    clients = deps().clients
    try:
        need = clients.need(match["need_id"]) or {}
        organisation = clients.organisation(match["organisation_id"]) or {}
        volunteer = {}
        if role == ORGANISATION and VOLUNTEER in match["accepted_by"]:
            volunteer = (clients.offer(match["offer_id"]) or {}).get("volunteer") or {}
    except DirectoryUnavailable:
        return None
    schedule = need.get("schedule")
    deadline = local_time(match["expires_at"])
    return {"title": need.get("title", ""), "organisation": organisation_name(organisation),
            "district": district_name(need["district"]) if need.get("district") else "",
            "when_nb": format_when(schedule, "nb") if schedule else "",
            "when_en": format_when(schedule, "en") if schedule else "",
            "deadline_nb": format_at(deadline, "nb"), "deadline_en": format_at(deadline, "en"),
            "volunteer_name": volunteer.get("name"), "volunteer_email": volunteer.get("email"),
            "volunteer_phone": volunteer.get("phone")}


def _page(match: dict, role: str, outcome: str | None = None):
    """The answer page of one side: what, where, when, for whom and by when, and the buttons if it is asked."""
    asked = outcome is None and waiting_for(match) == role
    return render_template("respond.html", role=role, asked=asked, facts=_facts(match, role), outcome=outcome,
                           action=request.path)


def _open_match(code: str) -> tuple[dict | None, str | None, object | None]:
    """The match and side a link proves, or the problem page to show instead."""
    try:
        match_id, role = links.read_answer_code(deps().config, code)
    except NotFound:
        return None, None, _problem("invalid")
    match = deps().repo.matches.get(match_id)
    if match is None:
        return None, None, _problem("unknown")
    state = access.link_state(match, deps().clock())
    if state == access.EXPIRED:
        return None, None, _problem("expired")
    if state != access.OPEN:
        return None, None, _problem("decided", status=match["status"])
    return match, role, None


PAGE_RESPONSES = {str(status): {"description": text, "content": {"text/html": {"schema": {"type": "string"}}}}
                  for status, text in ((200, "The answer page"), (404, "An invalid or forged link, or no such match"),
                                       (409, "The match is decided already, or the need is full"),
                                       (410, "The answer time is over"), (422, "No valid answer was pressed"))}


ANSWER_FORM = {"content": {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "required": ["answer"],
    "properties": {"answer": {"type": "string", "enum": ["accept", "decline"]}}}}}}


PRIVATE_PAGE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _private(view):
    """An answer page shows the volunteer's contact to the organisation: never cached, never sent on as a referrer."""
    @wraps(view)
    def private(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers.update(PRIVATE_PAGE)
        return response
    return private


@blp.route("/r/", defaults={"code": ""})
@blp.route("/r/<path:code>")
@_private
@blp.doc(responses=PAGE_RESPONSES)
def answer_page(code):
    """The page a notification link opens: opening it changes nothing; the buttons POST."""
    match, role, problem = _open_match(code)
    return problem or _page(match, role)


@blp.route("/r/", methods=["POST"], defaults={"code": ""})
@blp.route("/r/<path:code>", methods=["POST"])
@_private
@limited_write
@blp.doc(responses=PAGE_RESPONSES, requestBody=ANSWER_FORM)
def answer_from_page(code):
    """A press of one of the page's buttons: the answer, then the page saying what happens next."""
    match, role, problem = _open_match(code)
    if problem:
        return problem
    if AnswerForm().validate(request.form) or len(request.form.getlist("answer")) != 1:
        return _problem("unanswerable")  # none, an unknown one, or both at once
    try:
        match = handlers.respond(match["_id"], role, request.form["answer"] == "accept", deps().repo, deps().clock(),
                                 _ttl(deps().config))
    except Conflict as refused:
        return _problem("refused", reason=refused.message)
    return _page(match, role, ANSWERED.get((role, match["status"])))


@blp.route("/stats")
@blp.response(200)
def get_stats():
    require_staff(deps().config, lambda token: deps().clients.introspect(token).active)
    return stats.by_district(deps().repo)
