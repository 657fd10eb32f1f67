"""Organisations' pages: register, wait for the address and the municipality, Våre behov with its candidates.
Posting, editing and closing a need are in organisation_needs, a need's own page and its assignments in
organisation_assignments, the calendar feed and the hours report in modules of their own; their URLs are all
listed here."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from shared.directory import path_id
from services.web import session as people
from services.web.apiclient import ApiError, api
from services.web.forms import show_api_errors
from services.web.organisation_forms import RegisterForm
from services.web.session import ORGANISATION, requires
from services.web.texts import tr
from services.web.views import calendar_feed, hours_report, organisation_assignments, organisation_needs
from services.web.views.organisation_overview import needs_page
from services.web.views.organisation_payloads import organisation_json, register_where
from services.web.views.public_words import WORDS
from services.web.views.signed_up import already_registered

bp = Blueprint("organisation", __name__)


@bp.route("/organisasjon/registrer", methods=["GET", "POST"])
def register():
    """Register; a session for the new organisation's key signs the person in at once, and Våre behov says what
    comes next. Someone it signed in already is sent to Våre behov instead, so sending the form again registers
    nothing."""
    registered = already_registered(request.endpoint)
    if registered:
        return registered
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            created = api().post("needs", "/organisations", json=organisation_json(form.data))
        except ApiError as error:
            if error.status != 422:
                raise
            show_api_errors(form, error, register_where)
        else:
            signed_in = api().exchange("needs", created["api_key"])  # the api_key itself is never kept
            people.sign_in(ORGANISATION, signed_in["token"], signed_in["organisation_id"])
            return redirect(url_for("organisation.needs"))
    has_errors = bool(form.errors or form.form_errors)
    return render_template("organisation_register.html", form=form), 422 if has_errors else 200


@bp.get("/vare-behov")
@requires(ORGANISATION)
def needs(who):
    """The organisation's needs with their slots, or first what it waits for: the address, then verification."""
    organisation = api().get("needs", "/organisations/me", who.token)
    page = request.args.get("side", 1, type=int) or 1
    if page < 1:
        abort(404)
    views, pages = needs_page(who.token, page)
    if page > pages:
        abort(404)
    accepts = {person.match_id: organisation_assignments.accept_form(person.match_id)
               for view in views for person in view.candidates}
    return render_template("organisation_needs.html", organisation=organisation, needs=views, page=page, pages=pages,
                           accepts=accepts, form=_csrf_only())


@bp.post("/vare-behov/bekreftelse")
@requires(ORGANISATION)
def resend_confirmation(who):
    """A new confirmation link to the contact's address (the needs service allows one every ten minutes)."""
    if _csrf_only().validate_on_submit():
        try:
            api().post("needs", f"/organisations/{path_id(who.subject_id)}/confirmation", who.token)
            flash(tr("Vi har sendt en ny lenke. Den gamle virker ikke lenger.",
                     "We have sent a new link. The old one no longer works."))
        except ApiError as error:
            if error.status != 409:
                raise
            flash(tr("Vi sendte en lenke for under ti minutter siden. Sjekk e-posten din, også søppelposten, "
                     "og prøv igjen om litt hvis den ikke har kommet.",
                     "We sent a link less than ten minutes ago. Check your e-mail, including the spam folder, "
                     "and try again in a while if it has not arrived."))
    return redirect(url_for("organisation.needs"))


def _csrf_only() -> FlaskForm:
    """A form with nothing but its CSRF token, for the pages' buttons."""
    return FlaskForm()


for rule, endpoint, view, methods in (
        ("/vare-behov/nytt", "new_need", organisation_needs.new_need, ["GET", "POST"]),
        ("/vare-behov/<id:need_id>", "need", organisation_assignments.need, ["GET"]),
        ("/vare-behov/<id:need_id>/endre", "edit_need", organisation_needs.edit_need, ["GET", "POST"]),
        ("/vare-behov/<id:need_id>/lukk", "close_need", organisation_needs.close_need, ["GET", "POST"]),
        ("/vare-behov/kandidat/<id:match_id>", "answer", organisation_assignments.answer, ["POST"]),
        ("/vare-behov/<id:need_id>/frivillig/<id:match_id>/oppmote/<day>", "record", organisation_assignments.record,
         ["POST"]),
        ("/vare-behov/<id:need_id>/frivillig/<id:match_id>/avslutt", "end", organisation_assignments.end,
         ["GET", "POST"]),
        ("/vare-behov/innstillinger", "settings", organisation_assignments.settings, ["GET", "POST"]),
        ("/vare-behov/kalender", "calendar_feed", calendar_feed.organisation_feed, ["GET"]),
        ("/vare-behov/kalender/ny-lenke", "renew_calendar_feed", calendar_feed.organisation_renew, ["GET", "POST"]),
        ("/vare-behov/timer", "hours", hours_report.organisation_hours, ["GET"])):
    bp.add_url_rule(rule, endpoint, view, methods=methods)
bp.context_processor(lambda: WORDS)
