"""HTTP endpoints of the matcher: matches, answers to proposals, the answer page, and staff statistics."""
from __future__ import annotations

from datetime import date, timedelta

from flask import render_template, request
from marshmallow import ValidationError
from werkzeug.routing import PathConverter

from shared import links, occurrences
from shared.auth import require_staff
from shared.directory import STAFF, DirectoryUnavailable
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.http import BEARER, ServiceBlueprint, deps, error_responses
from shared.occurrences import MAX_RANGE_DAYS
from shared.ratelimit import limited_write
from shared.reference import district_name
from shared.timeslots import oslo_date
from shared.wording import format_at, format_date, format_day, format_when, local_time, organisation_name
from services.matcher import access, assignments, certificates, contact, handlers, stats
from services.matcher.callers import caller_first, private, who
from services.matcher.lifecycle import ORGANISATION, VOLUNTEER, public_view, waiting_for
from services.matcher.schemas import (AcceptIn, AnswerForm, EmptyIn, MatchContact, MatchesQuery, MatchList, MatchOut,
                                      OccurrenceIn, OccurrenceList, OccurrenceOut, OccurrencesQuery, PauseIn)
from services.matcher.summaries import SideViews

blp = ServiceBlueprint("matches", __name__, description="Matches between offers and needs")

NO_TOKEN = "No token, or one nobody holds (unauthorized)"
NOT_THEIRS = "No such match, or one the caller is neither side of (not_found)"
ONE_SIDE = "Staff or a service (only the two sides answer), or the side that does not do this (forbidden)"
REFUSALS = {401: NO_TOKEN, 404: NOT_THEIRS}


def _view(match: dict) -> dict:
    """What the contract shows of a match (never its answer links: notify signs those itself)."""
    return public_view(match)


@blp.route("/matches")
@caller_first
@blp.arguments(MatchesQuery, location="query")
@blp.response(200, MatchList)
@blp.doc(security=BEARER, responses=error_responses({
    401: NO_TOKEN, 403: "Neither staff nor the owner of the need or offer (forbidden)"}))
def list_matches(query):
    """One need's or one offer's matches; the volunteer's and the organisation's carry their need's summary, and
    the organisation's waiting for its confirmation the date of a certificate it saw before (summaries.SideViews)."""
    d = deps()
    caller = who()
    views = SideViews(d.repo, d.clients, d.clock())
    if "need_id" in query:
        need = d.repo.need(query["need_id"]) or (views.summaries.need(query["need_id"]) if caller.kind != STAFF
                                                 else None)
        side = access.authorize(caller, access.LIST, {"organisation_id": need and need["organisation_id"]})
        items = d.repo.matches_for_need(query["need_id"])
    else:
        side = access.authorize(caller, access.LIST, {"offer_id": query["offer_id"]})
        items = d.repo.matches_for_offer(query["offer_id"])
    return {"items": [views.of(m, side, items) for m in items]}


@blp.route("/matches/<match_id>")
@blp.response(200, MatchOut)
@blp.doc(security=BEARER, responses=error_responses(REFUSALS))
def get_match(match_id):
    """One match; to its volunteer and organisation with its need's summary (title, district, schedule), and to the
    organisation while it waits for its confirmation the date of a certificate it saw before (summaries.SideViews)."""
    d = deps()
    caller = who()
    match = handlers.get_match(access.match_id_of(match_id), d.repo)
    return SideViews(d.repo, d.clients, d.clock()).of(match, access.authorize(caller, access.READ, match))


@blp.route("/matches/<match_id>/contact")
@blp.response(200, MatchContact)
@blp.doc(security=BEARER, responses=error_responses({
    **REFUSALS, 403: "A service, or a side before the match shows it the other's contact (forbidden)"}))
def get_contact(match_id):
    """The other side's contact details: the volunteer's to the organisation once the volunteer has accepted, the
    organisation's to the volunteer once the match is confirmed, both to staff."""
    d = deps()
    caller = who()
    match = handlers.get_match(access.match_id_of(match_id), d.repo)
    return contact.contact_of(match, access.authorize(caller, access.CONTACT, match), d.clients)


def _ttl(config) -> timedelta:
    return timedelta(hours=config.proposal_ttl_hours)


def _side(match_id: str, action: str = access.ANSWER) -> tuple[dict, str]:
    """The match and the side the caller is of it (401, 403 or 404 for anyone caller is neither side)."""
    match = handlers.get_match(access.match_id_of(match_id), deps().repo)
    return match, access.authorize(who(), action, match)


def _certificate(match: dict, role: str, seen_on) -> dict | None:
    """The certificate an organisation's confirmation records (see services.matcher.certificates): asked of the
    needs service (the role's title, the organisation's limit) only when the need requires one."""
    d = deps()
    if role == VOLUNTEER or waiting_for(match) != ORGANISATION:
        if seen_on is not None and role == VOLUNTEER:
            raise certificates.CertificateRefused("Bare organisasjonen oppgir denne datoen.",
                                                  "Only the organisation records the certificate it saw.")
        return None
    need = d.repo.need(match["need_id"])
    if not certificates.required(need) and seen_on is None:
        return None
    title = (d.clients.need(match["need_id"]) or {}).get("title", "")
    limit = (d.clients.organisation(match["organisation_id"]) or {}).get("certificate_max_age_months")
    earlier = certificates.seen_before(d.repo, match)
    return certificates.for_confirmation(need, seen_on, title, limit, d.clock(), earlier)


def _answer(match_id: str, accepted: bool, seen_on=None) -> dict:
    d = deps()
    match, role = _side(match_id)
    certificate = _certificate(match, role, seen_on) if accepted else None
    return _view(handlers.respond(match_id, role, accepted, d.repo, d.clock(), _ttl(d.config), certificate))


@blp.route("/matches/<match_id>/accept", methods=["POST"])
@caller_first
@blp.arguments(AcceptIn)
@blp.response(200, MatchOut)
@blp.doc(security=BEARER, responses=error_responses({
    **REFUSALS, 403: ONE_SIDE,
    409: "Decided or expired already, not yet accepted by the volunteer, or the need is full or closed (conflict)",
    422: "certificate_seen_on missing where the need requires a police certificate, given where it does not, "
         "ahead of today or older than the organisation accepts (validation_failed)"}))
def accept(body, match_id):
    """Accept a proposal: the volunteer first, then the organisation, which confirms it (with the date it saw the
    volunteer's police certificate when the need requires one)."""
    return _answer(match_id, True, body.get("certificate_seen_on"))


@blp.route("/matches/<match_id>/decline", methods=["POST"])
@blp.response(200, MatchOut)
@blp.doc(security=BEARER, responses=error_responses({
    **REFUSALS, 403: ONE_SIDE, 409: "The match is decided already (conflict)"}))
def decline(match_id):
    return _answer(match_id, False)


@blp.route("/matches/<match_id>/certificate", methods=["PUT"])
@caller_first
@blp.arguments(AcceptIn)
@blp.response(200, MatchOut)
@blp.doc(security=BEARER, responses=error_responses({
    **REFUSALS, 403: "Not the organisation of the match (forbidden)",
    409: "Not a confirmed assignment whose need requires a police certificate (conflict)",
    422: "certificate_seen_on missing, ahead of today or older than the organisation accepts (validation_failed)"}))
def renew_certificate(body, match_id):
    """The organisation has seen a newer police certificate of the volunteer of a confirmed assignment (after a
    reminder that the one it saw had grown too old): the date is recorded, and the age is watched from it."""
    d = deps()
    match, role = _side(match_id)
    if role != ORGANISATION:
        raise Forbidden("The organisation records the certificate it saw.")
    if body.get("certificate_seen_on") is None:
        raise certificates.CertificateRefused("Skriv datoen dere så attesten.",
                                              "Give the date you saw the certificate.")
    limit = (d.clients.organisation(match["organisation_id"]) or {}).get("certificate_max_age_months")
    return _view(certificates.renew(d.repo, match["_id"], body["certificate_seen_on"], limit, d.clock()))


@blp.route("/matches/<match_id>/occurrences")
@caller_first
@blp.arguments(OccurrencesQuery, location="query")
@blp.response(200, OccurrenceList)
@blp.doc(security=BEARER, responses=error_responses({
    **REFUSALS, 409: "The match is not a confirmed assignment (conflict)",
    422: "A date not written YYYY-MM-DD, `to` before `from`, or more than a year between them (validation_failed)"}))
def list_occurrences(query, match_id):
    """The assignment's dates (four weeks back and eight ahead unless asked), what was recorded on each, and the
    stand-in asked for a date the volunteer cannot come. Either side and staff."""
    d = deps()
    match, _ = _side(match_id, access.READ)
    first, last = assignments.default_range(d.clock())
    first, last = query.get("from_", first), query.get("to", last)
    if last < first:
        raise InvalidInput("The period ends before it starts.", {"to": ["Must not be before 'from'."]})
    if (last - first).days > MAX_RANGE_DAYS:
        raise InvalidInput("At most a year at a time.", {"to": [f"At most {MAX_RANGE_DAYS} days after 'from'."]})
    return {"items": assignments.listing(d.repo, match, first, last, d.clock())}


@blp.route("/matches/<match_id>/occurrences/<day>", methods=["PUT"])
@caller_first
@blp.arguments(OccurrenceIn)
@blp.response(200, OccurrenceOut)
@blp.doc(security=BEARER, responses=error_responses({
    **REFUSALS, 403: ONE_SIDE,
    404: "No such match, one the caller is neither side of, or no occurrence of the assignment on that day "
         "(not_found)",
    409: "Not a confirmed assignment, or too early or too late to say this of that date (conflict)"}))
def record_occurrence(body, match_id, day):
    """The organisation records that the volunteer came (attended, with minutes) or did not (no_show), once the
    occurrence has begun; the volunteer says ahead of it that they cannot come (absent), which keeps the
    assignment and asks someone else to stand in that date."""
    match, role = _side(match_id)
    return assignments.record(deps().repo, match["_id"], day, body, role, deps().clock())


@blp.route("/matches/<match_id>/pause", methods=["POST"])
@caller_first
@blp.arguments(PauseIn)
@blp.response(200, MatchOut)
@blp.doc(security=BEARER, responses=error_responses({
    **REFUSALS, 403: ONE_SIDE, 409: "The match is not a confirmed assignment (conflict)",
    422: "until before from, more than a year, or no occurrence ahead in the period (validation_failed)"}))
def pause(body, match_id):
    """The volunteer is away for a period (a holiday): each date in it is an absence with its own stand-in."""
    match, role = _side(match_id)
    return _view(assignments.pause(deps().repo, match["_id"], body["from_"], body["until"], role, deps().clock()))


@blp.route("/matches/<match_id>/end", methods=["POST"])
@caller_first
@blp.arguments(EmptyIn)
@blp.response(200, MatchOut)
@blp.doc(security=BEARER, responses=error_responses({
    **REFUSALS, 403: ONE_SIDE, 409: "The match is not a confirmed assignment (conflict)"}))
def end(body, match_id):
    """Either side ends a confirmed assignment: its slot reopens, and people caller stood in before are asked first."""
    match, role = _side(match_id)
    return _view(assignments.end(deps().repo, match["_id"], role, deps().clock()))


ANSWERED = {("volunteer", "proposed"): "accepted", ("volunteer", "declined"): "declined",
            ("organisation", "confirmed"): "confirmed", ("organisation", "declined"): "declined"}
PROBLEM_STATUS = {"invalid": 404, "unknown": 404, "expired": 410, "decided": 409, "refused": 409, "unanswerable": 422,
                  "unavailable": 503}


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
    schedule = occurrences.as_served(need.get("schedule"), match)
    return {"title": need.get("title", ""), "organisation": organisation_name(organisation),
            "district": district_name(need["district"]) if need.get("district") else "",
            "when_nb": format_when(schedule, "nb") if schedule else "",
            "when_en": format_when(schedule, "en") if schedule else "",
            "certificate_max_age_months": organisation.get("certificate_max_age_months"),
            "volunteer_name": volunteer.get("name"), "volunteer_email": volunteer.get("email"),
            "volunteer_phone": volunteer.get("phone")}


def _deadline(match: dict) -> dict[str, str]:
    """When the side the match waits for must have answered, in words in Oslo time: the match's own expiry, which
    the lifecycle sets (PROPOSAL_TTL_HOURS, never past a single period's start or a stand-in's date)."""
    if not match.get("expires_at"):
        return {}
    deadline = local_time(match["expires_at"])
    return {"nb": format_at(deadline, "nb"), "en": format_at(deadline, "en")}


def _seen_before(match: dict, facts: dict | None) -> dict[str, str]:
    """The earlier certificate a confirmation with the date left empty carries over (certificates.carried_over), in
    words, for the date field's hint; empty when there is none, or while the organisation's limit is unknown."""
    earlier = certificates.seen_before(deps().repo, match)
    if earlier is None or facts is None:
        return {}
    carried = certificates.carried_over(earlier, facts["certificate_max_age_months"], oslo_date(deps().clock()))
    if carried is None:
        return {}
    day = date.fromisoformat(carried)
    return {"nb": format_date(day, "nb"), "en": format_date(day, "en")}


def _one_date(match: dict) -> dict[str, str]:
    """The one date a stand-in match is for, in words (weekday and date), so the page says it is that date only;
    empty for a standing assignment."""
    day = occurrences.stand_in_date(match)
    return {"nb": format_day(day, "nb"), "en": format_day(day, "en")} if day else {}


def _page(match: dict, role: str, outcome: str | None = None, error: tuple[str, str] | None = None):
    """The answer page of one side: what, where, when, for whom and by when, and the buttons if it is asked; the
    organisation gives the date it saw the police certificate when the need requires one (or leaves it empty to use
    the one it saw before, as the field's hint then says), and a refused date is told as the site's forms tell
    errors (`error`: the reason in bokmål and English); a stand-in's page names its one date."""
    asked = outcome is None and waiting_for(match) == role
    facts = _facts(match, role)
    required = certificates.required(deps().repo.need(match["need_id"]))
    seen_before = _seen_before(match, facts) if asked and role == ORGANISATION and required else {}
    return render_template("respond.html", role=role, asked=asked, facts=facts, outcome=outcome,
                           deadline=_deadline(match), action=request.path, error=error,
                           certificate_required=required, seen_before=seen_before, one_date=_one_date(match),
                           seen_on=request.form.get(certificates.FIELD, ""))


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
        return None, None, _problem("decided", status=match["status"], cancel_reason=match.get("cancel_reason"),
                                    role=role)
    return match, role, None


PAGE_RESPONSES = {str(status): {"description": text, "content": {"text/html": {"schema": {"type": "string"}}}}
                  for status, text in ((200, "The answer page"), (404, "An invalid or forged link, or no such match"),
                                       (409, "The match is decided already, or the need is full"),
                                       (410, "The answer time is over"), (422, "No valid answer was pressed"))}


class AnswerPath(PathConverter):
    """Any path under /r/ but a confirmation of purpose's (/r/<code>/politiattest): the buttons post to the page
    they are on, and that page's 405 names only its own methods."""

    regex = r"[^/].*?(?<!/politiattest)"


ANSWER_FORM = {"content": {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "required": ["answer"],
    "properties": {"answer": {"type": "string", "enum": ["accept", "decline"]}}}}}}


@blp.route("/r/", defaults={"code": ""})
@blp.route("/r/<path:code>")
@private
@blp.doc(responses=PAGE_RESPONSES)
def answer_page(code):
    """The page a notification link opens: opening it changes nothing; the buttons POST."""
    match, role, problem = _open_match(code)
    return problem or _page(match, role)


@blp.route("/r/", methods=["POST"], defaults={"code": ""})
@blp.route("/r/<answer_path:code>", methods=["POST"])
@private
@limited_write
@blp.doc(responses=PAGE_RESPONSES, requestBody=ANSWER_FORM)
def answer_from_page(code):
    """A press of one of the page's buttons: the answer, then the page saying what happens next."""
    match, role, problem = _open_match(code)
    if problem:
        return problem
    if AnswerForm().validate(request.form) or len(request.form.getlist("answer")) != 1:
        return _problem("unanswerable")  # none, an unknown one, or both at once
    accepted = request.form["answer"] == "accept"
    try:
        certificate = _certificate(match, role, _seen_on(request.form)) if accepted else None
        match = handlers.respond(match["_id"], role, accepted, deps().repo, deps().clock(), _ttl(deps().config),
                                 certificate)
    except certificates.CertificateRefused as refused:
        return _page(match, role, error=(refused.nb, refused.message)), 422
    except DirectoryUnavailable:  # the need's title or the organisation's limit cannot be fetched now
        return _problem("unavailable")
    except Conflict as refused:
        return _problem("refused", reason=refused.message)
    return _page(match, role, ANSWERED.get((role, match["status"])))


def _seen_on(form):
    """The certificate date the organisation typed on the answer page, if it typed one."""
    value = form.get(certificates.FIELD, "").strip()
    if not value:
        return None
    try:
        return AcceptIn().load({certificates.FIELD: value})[certificates.FIELD]
    except ValidationError:
        raise certificates.CertificateRefused("Datoen er ikke gyldig; skriv den som åååå-mm-dd, for eksempel "
                                              "2026-03-14.", "The date is not valid; write it as YYYY-MM-DD, for "
                                              "example 2026-03-14.") from None


@blp.route("/stats")
@blp.response(200)
@blp.doc(security=BEARER, responses=error_responses({401: NO_TOKEN, 403: "Not the staff token (forbidden)"}))
def get_stats():
    require_staff(deps().config, lambda token: deps().clients.introspect(token).active)
    return stats.by_district(deps().repo)
