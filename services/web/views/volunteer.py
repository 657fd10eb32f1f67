"""Volunteers' pages: sign up, Min side (proposals, assignments), edit, withdraw and erase."""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from shared.wording import format_when
from services.web import session as people
from services.web.apiclient import ApiError, ApiUnavailable, api
from services.web.forms import add_error, all_fields, show_api_errors
from services.web.session import VOLUNTEER, requires
from services.web.texts import language, tr
from services.web.assignments import hours, minutes_given
from services.web.views import calendar_feed, volunteer_assignments
from services.web.views.public_words import WORDS
from services.web.views.signed_up import already_registered
from services.web.views.volunteer_matches import capacity, cards
from services.web.views.volunteer_errors import in_row, place, row_of
from services.web.views.volunteer_offer import Draft, form_data, offer_body
from services.web.volunteer_forms import MAX_ROWS, OfferForm

bp = Blueprint("volunteer", __name__)
bp.context_processor(lambda: WORDS)
ANSWERS = ("accept", "decline")


def _offer_path(who: people.Person) -> str:
    return f"/offers/{quote(who.subject_id or '', safe='')}"


def _drafted(form: OfferForm) -> Draft:
    """The body to send, with what the web itself could not read already beside its fields."""
    draft = offer_body(form.data)
    by_name = {field.name: field for field in all_fields(form)}
    for name, message in draft.problems.items():
        add_error(by_name[name], in_row(name, message))
    return draft


def _show_refusal(form: OfferForm, error: ApiError, draft: Draft) -> None:
    """A 422's field paths beside the fields (a row the web could not read keeps the web's own message);
    anything else is the app's error page."""
    if error.status != 422:
        raise error

    def where(path: str) -> tuple[str, str] | None:
        found = place(path, error.fields.get(path, []), draft.rows, draft.body)
        if not found:
            return None
        mine = [name for name in draft.problems if row_of(name) and row_of(name) == row_of(found[0])]
        name, message = (mine[0], draft.problems[mine[0]]) if mine else found
        return name, in_row(name, message)
    show_api_errors(form, error, where)


def _added_row(form: OfferForm) -> bool:
    """Whether an "add a row" button was pressed (then the form is shown again, with the row if room is left)."""
    if "add" not in request.form:
        return False
    form.add_row(request.form["add"])
    return True


def _offer_page(template: str, form: OfferForm, status: int = 200, **context):
    return render_template(template, form=form, max_rows=MAX_ROWS, **context), status


@bp.route("/bli-frivillig", methods=["GET", "POST"])
def signup():
    """The sign-up form; its "add a row" buttons show it again with one more row, sending nothing. Someone it
    signed in already is sent to Min side instead, so pressing back and sending again makes no second offer."""
    registered = already_registered(request.endpoint)
    if registered:
        return registered
    form = OfferForm()
    if request.method == "GET" or _added_row(form):
        return _offer_page("volunteer_signup.html", form)
    draft = _drafted(form)
    try:
        created = api().post("offers", "/offers", json=draft.body)
    except ApiError as error:
        _show_refusal(form, error, draft)
        return _offer_page("volunteer_signup.html", form, 422)
    signed_in = api().exchange("offers", created["manage_token"])  # the manage_token itself is never kept
    people.sign_in(VOLUNTEER, signed_in["token"], signed_in["offer_id"])  # made in this browser: theirs already
    return redirect(url_for("volunteer.home"))


@bp.get("/min-side")
@requires(VOLUNTEER)
def home(who):
    """The offer's state, proposals to answer, what waits for the organisation, assignments, and what ended."""
    offer = api().get("offers", _offer_path(who), who.token)
    groups, matcher_down, full, given = {}, False, None, 0
    if offer.get("status") == "open":
        try:
            found = api().get("matcher", "/matches", who.token, offer_id=who.subject_id).get("items") or []
            groups = cards(found, who.token, language(), datetime.now(timezone.utc))
            full = capacity(groups, offer.get("max_active_matches") or 1)
            given = minutes_given(found)
        except ApiUnavailable:
            matcher_down = True
    times = [format_when(slot, language()) for slot in offer.get("availability") or []]
    return render_template("volunteer_home.html", offer=offer, times=times, groups=groups, matcher_down=matcher_down,
                           full=full, hours_given=hours(given))


@bp.post("/min-side/bekreftelse")
@requires(VOLUNTEER)
def resend_confirmation(who):
    """A new confirmation link, for when the first got lost."""
    offer = api().get("offers", _offer_path(who), who.token)
    if offer.get("status") != "pending_confirmation" and not offer.get("pending_email"):
        flash(tr("E-postadressen din er allerede bekreftet.", "Your e-mail address is confirmed already."))
        return redirect(url_for("volunteer.home"))
    try:
        api().post("offers", _offer_path(who) + "/confirmation", who.token)
    except ApiError as error:
        if error.status != 409:
            raise
        flash(tr("Vi sendte en lenke for under ti minutter siden. Se etter den i innboksen og i søppelposten, "
                 "eller prøv igjen litt senere.", "We sent a link less than ten minutes ago. Look for it in your "
                 "inbox and spam folder, or try again a little later."))
    else:
        flash(tr("Vi har sendt en ny lenke. Trykk på den for å bekrefte adressen.",
                 "We have sent a new link. Press it to confirm your address."))
    return redirect(url_for("volunteer.home"))


@bp.post("/min-side/forslag/<id:match_id>")
@requires(VOLUNTEER)
def answer(who, match_id):
    """The volunteer's yes or no to a proposal, given with their own credential."""
    choice = request.form.get("answer", "")
    if choice not in ANSWERS:
        abort(404)
    try:
        api().post("matcher", f"/matches/{quote(match_id, safe='')}/{choice}", who.token)
    except ApiError as error:
        if error.status != 409:
            raise
        flash(tr("Forslaget kan ikke lenger besvares: fristen har gått ut, eller oppdraget er besatt eller avlyst.",
                 "The proposal can no longer be answered: the time is up, or the need is filled or called off."))
        return redirect(url_for("volunteer.home"))
    if choice == "accept":
        flash(tr("Takk! Organisasjonen får navnet ditt og kontaktinformasjonen din, og svarer deg.",
                 "Thank you! The organisation gets your name and contact details, and will answer you."))
    else:
        flash(tr("Du har takket nei. Vi foreslår ikke dette oppdraget for deg igjen.",
                 "You said no. We will not propose this need to you again."))
    return redirect(url_for("volunteer.home"))


@bp.route("/min-side/endre", methods=["GET", "POST"])
@requires(VOLUNTEER)
def edit(who):
    """The offer's form, filled in from the offer; saving sends the whole of it as a change."""
    offer = api().get("offers", _offer_path(who), who.token)
    if offer.get("status") == "withdrawn":
        return redirect(url_for("volunteer.home"))
    if request.method == "GET":
        return _offer_page("volunteer_edit.html", OfferForm(data=form_data(offer, datetime.now(timezone.utc))),
                           offer=offer)
    form = OfferForm()
    if _added_row(form):
        return _offer_page("volunteer_edit.html", form, offer=offer)
    draft = _drafted(form)
    try:
        changed = api().patch("offers", _offer_path(who), who.token, json=draft.body)
    except ApiError as error:
        _show_refusal(form, error, draft)
        return _offer_page("volunteer_edit.html", form, 422, offer=offer)
    flash(tr("Endringene er lagret.", "Your changes are saved."))
    if changed.get("pending_email") and changed.get("pending_email") != offer.get("pending_email"):
        flash(tr("Vi har sendt en lenke til den nye e-postadressen. Den gamle brukes til du har bekreftet den nye.",
                 "We have sent a link to the new e-mail address. The old one is used until you confirm the new one."))
    return redirect(url_for("volunteer.home"))


@bp.route("/min-side/trekk", methods=["GET", "POST"])
@requires(VOLUNTEER)
def withdraw(who):
    """What withdrawing means, asked once more; the button erases the offer and signs the volunteer out."""
    form = FlaskForm()
    if not form.validate_on_submit():
        return render_template("volunteer_withdraw.html", form=form)
    api().delete("offers", _offer_path(who), who.token)  # which also ends every session of the offer
    people.sign_out()
    return redirect(url_for("volunteer.erased"))


@bp.get("/min-side/slettet")
def erased():
    """What was deleted, after the volunteer withdrew."""
    return render_template("volunteer_erased.html")


for rule, endpoint, view, methods in (
        *volunteer_assignments.ROUTES,
        ("/min-side/kalender", "calendar_feed", calendar_feed.volunteer_feed, ["GET"]),
        ("/min-side/kalender/ny-lenke", "renew_calendar_feed", calendar_feed.volunteer_renew, ["GET", "POST"])):
    bp.add_url_rule(rule, endpoint, view, methods=methods)
