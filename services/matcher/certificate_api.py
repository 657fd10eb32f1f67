"""HTTP endpoints of police certificates: the printable confirmation of purpose a volunteer applies with."""
from __future__ import annotations

from typing import Any

from flask import render_template

from shared import links
from shared.directory import DirectoryUnavailable
from shared.errors import NotFound
from shared.http import ServiceBlueprint, deps
from shared.timeslots import oslo_date
from shared.wording import format_date, organisation_name
from services.matcher import access
from services.matcher.callers import private
from services.matcher.lifecycle import CONFIRMED, VOLUNTEER

blp = ServiceBlueprint("certificates", __name__, description="Police certificates: the confirmation of purpose")

PAGE_RESPONSES = {str(status): {"description": text, "content": {"text/html": {"schema": {"type": "string"}}}}
                  for status, text in ((200, "The confirmation of purpose, ready to print"),
                                       (404, "An invalid or forged link, the organisation's link, no such match, a "
                                             "match no longer proposed or confirmed, or a need that requires no "
                                             "police certificate"),
                                       (503, "The needs or offers service cannot be reached just now"))}


def _volunteers_match(code: str) -> tuple[dict[str, Any] | None, str | None]:
    """The match a volunteer's answer link proves, or the problem to show instead: the organisation's link is no
    volunteer's; a match declined, expired, cancelled or ended asks for no certificate any more."""
    try:
        match_id, side = links.read_answer_code(deps().config, code)
    except NotFound:
        return None, "invalid"
    if side != VOLUNTEER:
        return None, "invalid"
    match = deps().repo.matches.get(match_id)
    if match is None:
        return None, "unknown"
    if match["status"] != CONFIRMED and access.link_state(match, deps().clock()) != access.OPEN:
        return None, "not_current"
    return match, None


def _facts(match: dict[str, Any]) -> dict[str, Any] | None:
    """What the confirmation says, from the need, the organisation and the offer; None when the need requires no
    police certificate (or is gone)."""
    clients = deps().clients
    need = clients.need(match["need_id"])
    if not need or not (need.get("requirements") or {}).get("police_certificate"):
        return None
    organisation = clients.organisation(match["organisation_id"]) or {}
    volunteer = (clients.offer(match["offer_id"]) or {}).get("volunteer") or {}
    return {"organisation": organisation_name(organisation), "org_number": organisation.get("org_number", ""),
            "title": need.get("title", ""), "description": need.get("description", ""),
            "basis": need["requirements"].get("certificate_basis"), "volunteer_name": volunteer.get("name"),
            "date": format_date(oslo_date(deps().clock()), "nb")}


def _page(problem: str | None = None, facts: dict[str, Any] | None = None, status: int = 200):
    if problem in ("invalid", "unknown"):
        return render_template("problem.html", problem=problem), 404
    return render_template("purpose.html", problem=problem, facts=facts), status


@blp.route("/r/<code>/politiattest")
@private
@blp.doc(responses=PAGE_RESPONSES)
def purpose_page(code):
    """The confirmation of purpose ("Bekreftelse på formål") the volunteer attaches to the application for a police
    certificate, opened from the volunteer's answer link, while the match is proposed or confirmed."""
    match, problem = _volunteers_match(code)
    if problem:
        return _page(problem, status=404)
    try:
        facts = _facts(match)
    except DirectoryUnavailable:
        return _page("unavailable", status=503)
    if facts is None:
        return _page("not_required", status=404)
    return _page(facts=facts)
