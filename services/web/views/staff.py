"""Municipal staff's pages: unmet demand per district, verification queue, offers and their matches, a match's
notification log.

Every page asks the services with the staff member's own credential; what staff may see is theirs to decide.
"""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from shared.directory import is_uuid
from services.web.apiclient import ApiError, api
from services.web.session import STAFF, requires
from services.web.texts import tr
from services.web.views import hours_report, staff_figures
from services.web.views.public_needs import chosen
from services.web.views.public_paging import Paging, offset_of, page_number
from services.web.views.public_words import WORDS, organisation_text
from services.web.views.staff_forms import (CHANNELS, DELIVERY, EVENTS, KINDS, MATCH_STATUSES, OFFER_STATUSES, ROLES,
                                            MatchLookup, match_word, offer_filter, word)

bp = Blueprint("staff", __name__)
bp.context_processor(lambda: {**WORDS, "word": word, "match_word": match_word, "KINDS": KINDS,
                              "OFFER_STATUSES": OFFER_STATUSES, "MATCH_STATUSES": MATCH_STATUSES, "ROLES": ROLES, "CHANNELS": CHANNELS,
                              "EVENTS": EVENTS, "DELIVERY": DELIVERY})
PAGE_SIZE = 25
CSV_NAME = "udekket-behov-per-bydel.csv"


@bp.get("/ansatt")
@requires(STAFF)
def dashboard(who):
    """The figures per district as a chart and a table, and a form that looks up a match by its id."""
    asked = "treff" in request.args
    lookup = MatchLookup(formdata=request.args if asked else None)
    if asked and lookup.validate():
        return redirect(url_for("staff.match", match_id=lookup.treff.data))
    stats = api().get("matcher", "/stats", who.token)
    return render_template("staff_dashboard.html", lookup=lookup, chart=staff_figures.unmet_chart(stats),
                           rows=staff_figures.rows(stats), totals=stats.get("totals") or {},
                           columns=staff_figures.COLUMNS), 422 if lookup.errors else 200


@bp.get("/ansatt/statistikk.csv")
@requires(STAFF)
def stats_csv(who):
    """The district figures as a spreadsheet file."""
    body = staff_figures.stats_csv(api().get("matcher", "/stats", who.token))
    return Response(body, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{CSV_NAME}"'})


bp.add_url_rule("/ansatt/timer", "hours", hours_report.staff_hours, methods=["GET"])


@bp.get("/ansatt/organisasjoner")
@requires(STAFF)
def organisations(who):
    """Organisations whose contact confirmed the address, waiting for staff to verify them (oldest first), and
    those still waiting for their contact to confirm."""
    waiting = api().get("needs", "/organisations", who.token, contact_confirmed="true", verified="false",
                        limit=PAGE_SIZE, offset=offset_of(page_number(request.args), PAGE_SIZE))
    unconfirmed = api().get("needs", "/organisations", who.token, contact_confirmed="false", verified="false",
                            limit=PAGE_SIZE)
    return render_template("staff_organisations.html", waiting=waiting["items"], unconfirmed=unconfirmed,
                           paging=Paging.of(waiting, "staff.organisations", {}))


@bp.post("/ansatt/organisasjoner/<id:org_id>/godkjenn")
@requires(STAFF)
def verify(who, org_id):
    """Verify one organisation; its needs that waited are published."""
    name = organisation_text(api().post("needs", f"/organisations/{org_id}/verify", who.token))
    flash(tr(f"{name} er godkjent. Behovene organisasjonen har lagt inn, er nå publisert.",
             f"{name} is verified. The needs the organisation has posted are now published."))
    return redirect(url_for("staff.organisations"))


@bp.get("/ansatt/frivillige")
@requires(STAFF)
def offers(who):
    """Every offer, filtered by district, skill and status, oldest first."""
    form = offer_filter(request.args)
    filters = chosen(form)
    listing = api().get("offers", "/offers", who.token, **filters, limit=PAGE_SIZE,
                        offset=offset_of(page_number(request.args), PAGE_SIZE))
    return render_template("staff_offers.html", form=form, offers=listing["items"],
                           paging=Paging.of(listing, "staff.offers", filters))


@bp.get("/ansatt/frivillige/<id:offer_id>")
@requires(STAFF)
def offer(who, offer_id):
    """One offer and its matches, oldest first, each with its need's title and a link to the match's page."""
    found = api().get("offers", f"/offers/{offer_id}", who.token)
    matches = api().get("matcher", "/matches", who.token, offer_id=offer_id)["items"]
    needs = {need_id: _need(need_id, who.token) for need_id in dict.fromkeys(m.get("need_id") for m in matches)}
    return render_template("staff_offer.html", offer=found,
                           matches=[{**m, "need": needs[m.get("need_id")]} for m in matches])


@bp.get("/ansatt/treff/<id:match_id>")
@requires(STAFF)
def match(who, match_id):
    """One match, its need, and the log of what was sent to whom about it (never the messages themselves)."""
    found = api().get("matcher", f"/matches/{match_id}", who.token)
    log = api().get("notify", "/notifications", who.token, match_id=match_id)["items"]
    return render_template("staff_match.html", match=found, need=_need(found.get("need_id"), who.token),
                           log=sorted(log, key=lambda entry: entry.get("created_at") or ""))


def _need(need_id: str | None, token: str) -> dict | None:
    """A match's need, for its title; None when it cannot be read (closed to this reader, or gone)."""
    if not is_uuid(need_id):
        return None
    try:
        return api().get("needs", f"/needs/{need_id}", token)
    except ApiError as error:
        if error.status in (403, 404):
            return None
        raise
