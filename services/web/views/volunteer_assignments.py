"""A volunteer's agreed assignments (the URLs are listed with the other volunteer pages): a date they cannot come,
the assignment as a calendar file, a pause, ending it, and the confirmation of purpose a police certificate
is applied for with."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm

from shared.directory import path_id
from shared.occurrences import parse_day
from services.web.apiclient import ApiError, api
from services.web.assignment_forms import PAUSE_NONE_AHEAD, PAUSE_TOO_LONG, PAUSE_UNTIL_BEFORE, PauseForm
from services.web.assignments import oslo_today, pause_problem
from services.web.form_values import calendar_day
from services.web.forms import show_api_errors
from services.web.session import VOLUNTEER, Person, requires
from services.web.texts import tr
from services.web.views.public_words import date_text, organisation_text

ICS_NAME = "oppdrag.ics"


def _match(who: Person, match_id: str) -> dict[str, Any]:
    """The volunteer's own match (another's is the not-found page)."""
    return api().get("matcher", f"/matches/{path_id(match_id)}", who.token)


def _need(match: dict[str, Any]) -> dict[str, Any] | None:
    """The match's need as the public reads it; None once it is no longer open."""
    try:
        return api().get("needs", f"/needs/{path_id(match['need_id'])}")
    except (ApiError, ValueError, KeyError):
        return None


def _title(match: dict[str, Any]) -> str:
    """The need's title from the summary the matcher gives the volunteer with the match (see volunteer_matches)."""
    return (match.get("need") or {}).get("title") or tr("oppdraget", "the assignment")


def _day(text: str) -> str:
    """A route's date, YYYY-MM-DD; anything else (2026-02-30 too) is the not-found page."""
    try:
        return parse_day(text).isoformat()
    except ValueError:
        abort(404)


def _home() -> Response:
    return redirect(url_for("volunteer.home"))


@requires(VOLUNTEER)
def report_absence(who: Person, match_id: str, day: str):
    """"Jeg kan ikke komme": the date is reported absent; the matcher tells the organisation and asks another
    volunteer for that date only."""
    day = _day(day)  # the form's CSRF token is checked by the app, as for every POST
    try:
        api().put("matcher", f"/matches/{path_id(match_id)}/occurrences/{day}", who.token, json={"status": "absent"})
    except ApiError as error:
        if error.status == 409:
            flash(tr(f"Du kan ikke melde forfall {date_text(parse_day(day))} lenger: den har begynt, eller "
                     "oppdraget er ikke lenger avtalt.",
                     f"You can no longer report {date_text(parse_day(day))} absent: it has begun, or the "
                     "assignment is no longer agreed."))
            return _home()
        if error.status == 404:
            abort(404)
        raise
    flash(tr(f"Du har meldt forfall {date_text(parse_day(day))}. Organisasjonen får beskjed, og vi spør en annen "
             "frivillig om å ta akkurat den dagen. Oppdraget ditt fortsetter som før.",
             f"You have reported that you cannot come on {date_text(parse_day(day))}. The organisation is told, and "
             "we ask another volunteer to take that day only. Your assignment goes on as before."))
    return _home()


@requires(VOLUNTEER)
def calendar_file(who: Person, match_id: str):
    """The assignment as an iCalendar file to open in a calendar (the browser cannot send the bearer token the
    matcher asks for, so the web fetches it)."""
    found = api().download("matcher", f"/matches/{path_id(match_id)}/calendar.ics", who.token)
    return Response(found.body, content_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{ICS_NAME}"'})


@requires(VOLUNTEER)
def pause(who: Person, match_id: str):
    """A pause from one day to another: the dates in it are reported absent, and stand-ins asked for them."""
    match = _match(who, match_id)
    form = PauseForm()
    if match.get("status") != "confirmed":
        return _not_agreed(match)
    if form.validate_on_submit():
        first, last = calendar_day(form.from_date.data), calendar_day(form.until_date.data)
        try:
            api().post("matcher", f"/matches/{path_id(match_id)}/pause", who.token,
                       json={"from": first.isoformat(), "until": last.isoformat()})
        except ApiError as error:
            if error.status == 409:
                return _not_agreed(match)
            if error.status != 422:
                raise
            problem = pause_problem(first, last)
            message = {"until_before": PAUSE_UNTIL_BEFORE, "too_long": PAUSE_TOO_LONG}.get(problem, PAUSE_NONE_AHEAD)
            field = "from_date" if problem == "none_ahead" else "until_date"
            show_api_errors(form, error, lambda path: (field, str(message)) if path in ("from", "until") else None)
        else:
            flash(tr(f"Du har pause fra {date_text(first)} til {date_text(last)}. Organisasjonen får beskjed, og vi "
                     "spør andre frivillige om datoene.",
                     f"You have a pause from {date_text(first)} to {date_text(last)}. The organisation is told, and "
                     "we ask other volunteers to take those dates."))
            return _home()
    has_errors = bool(form.errors or form.form_errors)
    return render_template("volunteer_pause.html", form=form, match=match, title_of=_title(match),
                           today=oslo_today(datetime.now(timezone.utc))), 422 if has_errors else 200


@requires(VOLUNTEER)
def end(who: Person, match_id: str):
    """Ending the assignment, after a page that says what ending does."""
    match = _match(who, match_id)
    form = FlaskForm()
    if match.get("status") != "confirmed":
        return _not_agreed(match)
    if form.validate_on_submit():
        try:
            api().post("matcher", f"/matches/{path_id(match_id)}/end", who.token)
        except ApiError as error:
            if error.status != 409:
                raise
            return _not_agreed(match)
        flash(tr(f"Du har avsluttet «{_title(match)}». Organisasjonen får beskjed. Takk for innsatsen!",
                 f"You have ended “{_title(match)}”. The organisation is told. Thank you for your help!"))
        return _home()
    return render_template("volunteer_end.html", form=form, match=match, title_of=_title(match))


def _not_agreed(match: dict[str, Any]):
    flash(tr(f"«{_title(match)}» er ikke lenger et avtalt oppdrag.",
             f"“{_title(match)}” is no longer an agreed assignment."))
    return _home()


@requires(VOLUNTEER)
def certificate(who: Person, match_id: str):
    """The confirmation of purpose ("Bekreftelse på formål") for a need that requires a police certificate, to
    print or save and attach when applying at politiet.no."""
    match = _match(who, match_id)
    need = _need(match)
    if need is None or not (need.get("requirements") or {}).get("police_certificate") \
            or match.get("status") not in ("proposed", "confirmed"):
        abort(404)
    organisation = api().get("needs", f"/organisations/{path_id(need['organisation_id'])}")
    return render_template("volunteer_certificate.html", need=need, organisation=organisation,
                           organisation_name=organisation_text(organisation),
                           basis=(need.get("requirements") or {}).get("certificate_basis") or "",
                           printed=oslo_today(datetime.now(timezone.utc)))


ROUTES = (
    ("/min-side/oppdrag/<id:match_id>/forfall/<day>", "report_absence", report_absence, ["POST"]),
    ("/min-side/oppdrag/<id:match_id>/kalender.ics", "calendar_file", calendar_file, ["GET"]),
    ("/min-side/oppdrag/<id:match_id>/pause", "pause", pause, ["GET", "POST"]),
    ("/min-side/oppdrag/<id:match_id>/avslutt", "end", end, ["GET", "POST"]),
    ("/min-side/oppdrag/<id:match_id>/politiattest", "certificate", certificate, ["GET"]),
)
