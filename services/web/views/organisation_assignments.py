"""A need's own page for the organisation (Våre behov → a need; the URLs are listed with the other organisation
pages): its candidates, confirmed with the date a police certificate was seen where the need asks for one; each
confirmed volunteer's past dates to record (Møtte, Møtte ikke) and ending an assignment; and the organisation's
oldest accepted police certificate."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from shared.directory import path_id
from shared.occurrences import parse_day
from services.web.apiclient import ApiError, api
from services.web.assignment_forms import (MINUTES_RANGE, MONTHS_RANGE, SEEN_ON_FUTURE, SEEN_ON_MISSING,
                                           AcceptForm, AttendanceForm, CertificateAgeForm, seen_on_too_old)
from services.web.assignments import hours, oslo_today, seen_on_problem
from services.web.form_values import calendar_day
from services.web.forms import show_api_errors, summary
from services.web.session import ORGANISATION, Person, requires
from services.web.texts import tr
from services.web.views.organisation_overview import need_view
from services.web.views.public_words import date_text

ANSWERS = ("accept", "decline")
RECORDED = ("attended", "no_show")


def accept_form(match_id: str, formdata: Any = None) -> AcceptForm:
    """The confirm form of one candidate (its fields named after the match, as several are on a page)."""
    return AcceptForm(formdata=formdata, prefix=f"bekreft-{match_id}")


def attendance_form(match_id: str, day: str, minutes: int | None = None, formdata: Any = None) -> AttendanceForm:
    """The form of one past date of one volunteer, its minutes the slot's length until someone types others."""
    return AttendanceForm(formdata=formdata, prefix=f"oppmote-{match_id}-{day}",
                          data=None if formdata else {"minutes": "" if minutes is None else str(minutes)})


def _own_need(who: Person, need_id: str) -> dict[str, Any]:
    return api().get("needs", f"/needs/{path_id(need_id)}", who.token)


def _need_url(need_id: str) -> str:
    return url_for("organisation.need", need_id=need_id)


def need_page(who: Person, need_id: str, wrong: FlaskForm | None = None):
    """The need's page; with `wrong`, the one form on it whose errors to show (and keep the input of), 422."""
    need = _own_need(who, need_id)
    organisation = api().get("needs", "/organisations/me", who.token)
    view = need_view(need, who.token, datetime.now(timezone.utc))
    accepts = {person.match_id: accept_form(person.match_id) for person in view.candidates}
    records = {(person.match_id, day.key): attendance_form(person.match_id, day.key, day.minutes)
               for person in view.confirmed for day in person.past or []}
    if isinstance(wrong, AcceptForm):
        accepts = {key: wrong if form._prefix == wrong._prefix else form for key, form in accepts.items()}
    elif isinstance(wrong, AttendanceForm):
        records = {key: wrong if form._prefix == wrong._prefix else form for key, form in records.items()}
    status = 422 if wrong is not None and summary(wrong) else 200
    return render_template("organisation_need.html", view=view, need=need, organisation=organisation,
                           accepts=accepts, records=records, form=wrong or FlaskForm(), hours=hours), status


@requires(ORGANISATION)
def need(who: Person, need_id: str):
    return need_page(who, need_id)


@requires(ORGANISATION)
def answer(who: Person, match_id: str):
    """Confirm or decline a volunteer who said yes; the matcher tells the volunteer. Confirming for a need that
    requires a police certificate sends the date it was seen, or none when the field is left empty (the matcher
    then carries over the one the organisation saw when the volunteer stood in, or refuses); a date missing or
    refused shows the need's page with the message beside the field."""
    choice = request.form.get("answer")
    need_id = request.form.get("need_id", "")
    if choice not in ANSWERS:
        abort(404)
    form = accept_form(match_id, request.form)
    asks_date = choice == "accept" and form.certificate_seen_on.name in request.form
    if asks_date and not form.validate():
        return _with_need(who, need_id, form)
    seen_on = calendar_day(form.certificate_seen_on.data) if asks_date else None
    try:
        api().post("matcher", f"/matches/{path_id(match_id)}/{choice}", who.token,
                   json={"certificate_seen_on": seen_on.isoformat()} if seen_on else None)
    except ApiError as error:
        if error.status == 422 and "certificate_seen_on" in error.fields:
            message = _seen_on_message(who, seen_on)
            show_api_errors(form, error, lambda path: (form.certificate_seen_on.name, message)
                            if path == "certificate_seen_on" else None)
            return _with_need(who, need_id, form)
        if error.status not in (409, 422):
            raise
        flash(tr("Forslaget kan ikke besvares lenger: tiden gikk ut, eller det er allerede besvart.",
                 "The proposal can no longer be answered: the time ran out, or it has been answered already."))
    else:
        flash(tr("Den frivillige er bekreftet og får beskjed.", "The volunteer is confirmed and will be told.")
              if choice == "accept" else
              tr("Du har takket nei. Vi spør neste kandidat.", "You have declined. We will ask the next candidate."))
    return _back(need_id)


def _back(need_id: str):
    """To the page the form was on: the need's own page, or Våre behov at the need."""
    if request.form.get("back") == "need" and _is_id(need_id):
        return redirect(_need_url(need_id))
    return redirect(url_for("organisation.needs", _anchor=f"behov-{need_id}" if _is_id(need_id) else None))


def _is_id(value: str) -> bool:
    try:
        path_id(value)
    except ValueError:
        return False
    return True


def _with_need(who: Person, need_id: str, form: FlaskForm):
    """The need's page showing this form's errors; a form sent without its need is the not-found page."""
    if not _is_id(need_id):
        abort(404)
    return need_page(who, need_id, form)


def _seen_on_message(who: Person, seen_on) -> str:
    problem = seen_on_problem(seen_on, oslo_today(datetime.now(timezone.utc)))
    if problem == "missing":
        return str(SEEN_ON_MISSING)
    if problem == "future":
        return str(SEEN_ON_FUTURE)
    organisation = api().get("needs", "/organisations/me", who.token)
    return seen_on_too_old(organisation.get("certificate_max_age_months"))


@requires(ORGANISATION)
def record(who: Person, need_id: str, match_id: str, day: str):
    """Møtte (with minutes) or Møtte ikke for one date that has begun."""
    status = request.form.get("status")
    try:
        day = parse_day(day).isoformat()
    except ValueError:
        abort(404)
    if status not in RECORDED:
        abort(404)
    form = attendance_form(match_id, day, formdata=request.form)
    if status == "attended" and not form.validate():
        return need_page(who, need_id, form)
    body = {"status": status, **({"minutes": int(form.minutes.data.strip())} if status == "attended" else {})}
    try:
        api().put("matcher", f"/matches/{path_id(match_id)}/occurrences/{day}", who.token, json=body)
    except ApiError as error:
        if error.status == 422 and status == "attended":
            show_api_errors(form, error, lambda path: (form.minutes.name, str(MINUTES_RANGE))
                            if path == "minutes" else None)
            return need_page(who, need_id, form)
        if error.status == 409:
            flash(tr(f"{date_text(parse_day(day))} kan ikke registreres: datoen har ikke begynt ennå, eller avtalen "
                     "er ikke lenger aktiv.",
                     f"{date_text(parse_day(day))} cannot be recorded: the date has not begun yet, or the "
                     "assignment is no longer active."))
            return redirect(_need_url(need_id))
        if error.status == 404:
            abort(404)
        raise
    flash(tr(f"Registrert: møtte {date_text(parse_day(day))}, {body['minutes']} minutter.",
             f"Recorded: attended on {date_text(parse_day(day))}, {body['minutes']} minutes.")
          if status == "attended" else
          tr(f"Registrert: møtte ikke {date_text(parse_day(day))}.",
             f"Recorded: did not attend on {date_text(parse_day(day))}."))
    return redirect(_need_url(need_id))


@requires(ORGANISATION)
def end(who: Person, need_id: str, match_id: str):
    """Ending a volunteer's assignment, after a page that says what ending does; a one-date stand-in has none."""
    need = _own_need(who, need_id)
    match = api().get("matcher", f"/matches/{path_id(match_id)}", who.token)
    if match.get("status") != "confirmed" or match.get("need_id") != need.get("id"):
        flash(tr("Avtalen er ikke lenger aktiv.", "The assignment is no longer active."))
        return redirect(_need_url(need_id))
    if match.get("for_date"):  # a stand-in is one date: there is no standing assignment to end
        flash(tr("Avtalen gjelder bare én dag, så det er ingenting å avslutte.",
                 "The assignment is for one date only, so there is nothing to end."))
        return redirect(_need_url(need_id))
    volunteer = _volunteer_name(who, match_id)
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            api().post("matcher", f"/matches/{path_id(match_id)}/end", who.token)
        except ApiError as error:
            if error.status != 409:
                raise
            flash(tr("Avtalen er allerede avsluttet.", "The assignment has already ended."))
        else:
            flash(tr(f"Avtalen med {volunteer} er avsluttet, og den frivillige får beskjed. Plassen er ledig igjen, "
                     "og vi finner en ny frivillig.",
                     f"The assignment with {volunteer} has ended, and the volunteer is told. The place is open "
                     "again, and we will find a new volunteer."))
        return redirect(_need_url(need_id))
    return render_template("organisation_end.html", form=form, need=need, volunteer=volunteer)


def _volunteer_name(who: Person, match_id: str) -> str:
    try:
        found = api().get("matcher", f"/matches/{path_id(match_id)}/contact", who.token) or {}
    except ApiError:
        found = {}
    return (found.get("volunteer") or {}).get("name") or tr("den frivillige", "the volunteer")


@requires(ORGANISATION)
def settings(who: Person):
    """How old a police certificate may be when the organisation sees it (empty: no limit)."""
    organisation = api().get("needs", "/organisations/me", who.token)
    kept = organisation.get("certificate_max_age_months")
    form = CertificateAgeForm(data=None if request.method == "POST" else {"months": "" if kept is None else str(kept)})
    if form.validate_on_submit():
        text = (form.months.data or "").strip()
        try:
            api().patch("needs", f"/organisations/{path_id(organisation['id'])}", who.token,
                        json={"certificate_max_age_months": int(text) if text else None})
        except ApiError as error:
            if error.status != 422:
                raise
            show_api_errors(form, error, lambda path: ("months", str(MONTHS_RANGE))
                            if path == "certificate_max_age_months" else None)
        else:
            flash(tr("Innstillingen er lagret.", "The setting is saved."))
            return redirect(url_for("organisation.needs"))
    return render_template("organisation_settings.html", form=form,
                           organisation=organisation), 422 if summary(form) else 200
