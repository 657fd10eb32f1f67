"""Pages anyone can read: open needs, a need, how it works, privacy and accessibility statements."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, redirect, render_template, request

from shared.directory import is_uuid
from services.web.apiclient import ApiError, api
from services.web.session import VOLUNTEER, person, safe_next
from services.web.texts import choose
from services.web.views.public_needs import PAGE_SIZE, card, chosen, need_filter, paragraphs
from services.web.views.public_paging import Paging, offset_of, page_number
from services.web.views.public_words import WORDS

bp = Blueprint("public", __name__)
bp.context_processor(lambda: WORDS)

STATEMENTS_REVIEWED = date(2026, 12, 1)  # when the privacy and accessibility statements were last gone through


@bp.get("/")
def index():
    """The introduction, then one page of open needs, filtered by district and skill."""
    form = need_filter(request.args)
    filters = chosen(form)
    listing = api().get("needs", "/needs", **filters, limit=PAGE_SIZE,
                        offset=offset_of(page_number(request.args), PAGE_SIZE))
    return render_template("public_index.html", form=form, needs=[card(need) for need in listing["items"]],
                           paging=Paging.of(listing, "public.index", filters))


@bp.get("/behov/<id:need_id>")
def need(need_id):
    """An open need as anyone sees it; closed, waiting or unknown needs are not found. Asked without the
    visitor's credential, so the page is the same for everyone."""
    try:
        found = api().get("needs", f"/needs/{need_id}")
    except ApiError as error:
        if error.status in (401, 403, 404):  # not open: only its organisation and staff may read it
            abort(404)
        raise
    if found.get("status") != "open":
        abort(404)
    return render_template("public_need.html", need=card(found), description=paragraphs(found.get("description") or ""),
                           organisation=_organisation_of(found), volunteer=_is_volunteer())


def _organisation_of(need: dict) -> dict | None:
    """The organisation's public face (name, unit); never its contact, which the public answer leaves out."""
    if not is_uuid(need.get("organisation_id")):
        return None
    try:
        found = api().get("needs", f"/organisations/{need['organisation_id']}")
    except ApiError:
        return None
    return {"name": found.get("name"), "unit": found.get("unit")}


def _is_volunteer() -> bool:
    who = person()
    return who is not None and who.kind == VOLUNTEER


@bp.get("/sprak/<lang>")
def language(lang):
    """The language switch: remember the choice and go back to the page it was pressed on."""
    choose(lang)
    return redirect(safe_next(request.args.get("next"), "/"))


@bp.get("/slik-virker-det")
def how_it_works():
    config = current_app.extensions["web_config"]
    return render_template("public_how.html", ttl_hours=config.proposal_ttl_hours,
                           max_open=config.max_open_proposals_per_volunteer)


@bp.get("/personvern")
def privacy():
    return render_template("public_privacy.html", reviewed=STATEMENTS_REVIEWED)


@bp.get("/tilgjengelighet")
def accessibility():
    return render_template("public_accessibility.html", reviewed=STATEMENTS_REVIEWED)
