"""Signing in and out: a one-time link by e-mail for volunteers and organisation contacts, a token for staff."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length, Regexp

from shared import signin
from services.web import session as people
from services.web.apiclient import ApiError, api
from services.web.form_values import BAD_EMAIL, EMAIL
from services.web.texts import choose, for_languages, lazy, tr

bp = Blueprint("signin", __name__)

# Who a sign-in link is for, by the path it was sent with: the owning service, what its answer names, where to go.
LINKS = {signin.OFFER_PAGE: (people.VOLUNTEER, "offers", "offer_id", "volunteer.home"),
         signin.CONTACT_PAGE: (people.ORGANISATION, "needs", "organisation_id", "organisation.needs")}
PROBLEMS = {"link_expired": "expired", "link_used": "used"}  # the page for a service's refusal; else "invalid"
SERVICE_OF = {people.VOLUNTEER: "offers", people.ORGANISATION: "needs"}


class EmailForm(FlaskForm):
    email = StringField(lazy("E-postadresse", "E-mail address"), validators=[
        InputRequired(lazy("Skriv e-postadressen din.", "Enter your e-mail address.")),
        Length(max=254, message=lazy("E-postadressen er for lang.", "The e-mail address is too long.")),
        Regexp(EMAIL, message=BAD_EMAIL)])


class StaffForm(FlaskForm):
    token = PasswordField(lazy("Tilgangsnøkkel for ansatte", "Staff access key"), validators=[
        InputRequired(lazy("Skriv tilgangsnøkkelen din.", "Enter your access key."))])


@bp.route("/logg-inn", methods=["GET", "POST"])
def start():
    """Ask for the address; every known, confirmed address gets a link. The answer is the same either way."""
    form = EmailForm()
    if form.validate_on_submit():
        for service in ("offers", "needs"):
            try:
                api().post(service, "/sign-in", json={"email": form.email.data.strip()})
            except ApiError as error:
                if error.status == 429:
                    raise
                form.email.errors = [BAD_EMAIL]
                return render_template("signin.html", form=form), 422
        return redirect(url_for("signin.sent"))
    return render_template("signin.html", form=form), 422 if form.errors else 200


@bp.get("/logg-inn/sendt")
def sent():
    return render_template("signin_sent.html")


@bp.route("/logg-inn/<audience>/<code>", methods=["GET", "POST"])
def from_link(audience, code):
    """The page a sign-in link opens. Opening it changes nothing (mail scanners open links too): the owning
    service is asked whether the link would work, and only then is the button shown; the button redeems the
    link, once. A link that will not work (forged, for the other kind of person, too old, used) says so at once."""
    if audience not in LINKS:
        return _link_problem("invalid")
    kind, service, id_field, home = LINKS[audience]
    form = FlaskForm()
    try:
        if not form.validate_on_submit():
            api().post(service, "/sessions/check", json={"code": code})
            return render_template("signin_link.html", form=form, problem=None)
        answer = api().post(service, "/sessions", json={"code": code})
    except ApiError as error:
        if error.status == 429:
            raise
        return _link_problem(PROBLEMS.get(error.code, "invalid"))
    chose_language = "lang" in session  # a language picked on the site outlasts signing in
    people.sign_in(kind, answer["token"], answer[id_field])
    if kind == people.VOLUNTEER and not chose_language:
        _language_of_volunteer(answer["token"], answer[id_field])
    return redirect(people.safe_next(request.args.get("next"), url_for(home)))


def _link_problem(problem: str):
    """The page for a link that does not work: 410 when it did once, 404 otherwise."""
    return render_template("signin_link.html", problem=problem), 410 if problem in ("expired", "used") else 404


def _language_of_volunteer(token: str, offer_id: str) -> None:
    """A volunteer who speaks no Norwegian gets English pages unless they chose otherwise."""
    offer = api().get("offers", f"/offers/{offer_id}", token)
    choose(for_languages(((offer or {}).get("volunteer") or {}).get("languages")))


@bp.route("/logg-inn/ansatt", methods=["GET", "POST"])
def staff():
    """Staff sign in with their token. This is the seam for OpenID Connect (see services/web/session.py)."""
    form = StaffForm()
    if form.validate_on_submit():
        token = form.token.data.strip()
        try:
            api().get("needs", "/organisations", token, limit=1)
        except ApiError as error:
            if error.status == 429:
                raise
            form.token.errors = [tr("Nøkkelen er ikke riktig.", "The key is not right.")]
        else:
            people.sign_in(people.STAFF, token)
            return redirect(people.safe_next(request.args.get("next"), url_for("staff.dashboard")))
    return render_template("signin_staff.html", form=form), 422 if form.errors else 200


@bp.post("/logg-ut")
def sign_out():
    """End the session here and revoke its token where it was issued."""
    who = people.person()
    if who and who.kind in SERVICE_OF:
        try:
            api().delete(SERVICE_OF[who.kind], "/sessions/current", who.token)
        except ApiError:
            pass  # already expired or revoked: signing out here is what matters
    people.sign_out()
    flash(tr("Du er logget ut.", "You are signed out."))
    return redirect(url_for("public.index"))
