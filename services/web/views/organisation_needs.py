"""Posting, editing and closing a need (the URLs are listed with the other organisation pages)."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from shared.directory import path_id
from services.web.apiclient import ApiError, api
from services.web.catalogue import district_choices, skill_choices
from services.web.forms import show_api_errors
from services.web.form_values import language_choices
from services.web.organisation_forms import NeedForm
from services.web.session import ORGANISATION, Person, requires
from services.web.texts import tr
from services.web.views.organisation_payloads import need_changes, need_form_data, need_json, need_where


def _with_choices(form: NeedForm) -> NeedForm:
    """The districts and skills from the API; a language a need already names stays on the list."""
    form.district.choices = district_choices()
    form.skills.choices = skill_choices()
    form.languages.choices = language_choices(form.languages.data)
    return form


def _form_page(form: NeedForm, need: dict[str, Any] | None = None):
    has_errors = bool(form.errors or form.form_errors)
    return render_template("organisation_need_form.html", form=form, need=need), 422 if has_errors else 200


def _back_link() -> dict[str, str]:
    return {"href": url_for("organisation.needs"), "text": tr("Til Våre behov", "To Our needs")}


def _own_need(who: Person, need_id: str) -> dict[str, Any]:
    """The need, read with the organisation's own key (another organisation's is not found)."""
    return api().get("needs", f"/needs/{need_id}", who.token)


@requires(ORGANISATION)
def new_need(who: Person):
    """Post a need; only a verified organisation is offered the form."""
    organisation = api().get("needs", "/organisations/me", who.token)
    if not organisation.get("verified"):
        return render_template("message.html",
                               title=tr("Dere kan ikke legge ut behov ennå", "You cannot post needs yet"),
                               text=tr("Kommunen må godkjenne organisasjonen før dere kan legge ut behov. "
                                       "Våre behov viser hvor langt dere har kommet.",
                                       "The municipality must approve the organisation before you can post needs. "
                                       "Our needs shows how far you have come."),
                               link=_back_link())
    form = _with_choices(NeedForm())
    if form.validate_on_submit():
        body = need_json(form.data)
        try:
            api().post("needs", "/needs", who.token, json=body)
        except ApiError as error:
            if error.status != 422:
                raise
            show_api_errors(form, error, need_where(body))
        else:
            flash(tr("Behovet er lagt ut. Vi finner frivillige som passer.",
                     "The need is posted. We will find volunteers who fit."))
            return redirect(url_for("organisation.needs"))
    return _form_page(form)


@requires(ORGANISATION)
def edit_need(who: Person, need_id: str):
    """Change a need; only what the form changed is sent."""
    need = _own_need(who, need_id)
    if need.get("status") == "closed":
        return render_template("message.html", title=tr("Behovet er lukket", "The need is closed"),
                               text=tr("Et lukket behov kan ikke endres. Legg ut et nytt behov i stedet.",
                                       "A closed need cannot be changed. Post a new need instead."),
                               link=_back_link())
    form = _with_choices(NeedForm(data=None if request.method == "POST" else need_form_data(need)))
    if form.validate_on_submit():
        body = need_json(form.data)
        changes = need_changes(need, body)
        try:
            if changes:
                api().patch("needs", f"/needs/{path_id(need_id)}", who.token, json=changes)
        except ApiError as error:
            if error.status != 422:
                raise
            show_api_errors(form, error, need_where(body))
        else:
            flash(tr("Endringene er lagret.", "The changes are saved.") if changes
                  else tr("Du endret ingenting.", "You changed nothing."))
            return redirect(url_for("organisation.needs", _anchor=f"behov-{need['id']}"))
    return _form_page(form, need)


@requires(ORGANISATION)
def close_need(who: Person, need_id: str):
    """Close a need, after a page that says what closing does; closing cannot be undone."""
    need = _own_need(who, need_id)
    if need.get("status") == "closed":
        flash(tr(f"Behovet «{need['title']}» er allerede lukket.",
                 f"The need “{need['title']}” is closed already."))
        return redirect(url_for("organisation.needs"))
    form = FlaskForm()
    if form.validate_on_submit():
        api().post("needs", f"/needs/{path_id(need_id)}/close", who.token)
        flash(tr(f"Behovet «{need['title']}» er lukket.", f"The need “{need['title']}” is closed."))
        return redirect(url_for("organisation.needs"))
    return render_template("organisation_close.html", need=need, form=form)
