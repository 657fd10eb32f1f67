"""Open needs as the public sees them: the listing's filters, a need as a card, its requirements in words.

Everything here comes from the public GET /needs and GET /needs/{id}, which carry no contact details.
"""
from __future__ import annotations

from typing import Any, Mapping

from flask_wtf import FlaskForm
from wtforms import SelectField

from services.web.catalogue import district_choices, skill_choices
from services.web.texts import lazy, tr
from services.web.views.public_words import district_text, language_text, listed, skill_text, when_text

PAGE_SIZE = 20


class NeedFilter(FlaskForm):
    """The front page's filters: a GET form, so a filtered listing has an address that can be shared."""

    class Meta:
        csrf = False  # it changes nothing

    district = SelectField(lazy("Bydel", "District"), default="")
    skill = SelectField(lazy("Hva du kan hjelpe med", "What you can help with"), default="")


def need_filter(args: Mapping[str, str]) -> NeedFilter:
    """The filter form filled from the query string, with the choices the APIs list."""
    form = NeedFilter(formdata=args)
    form.district.choices = [("", tr("Alle bydeler", "All districts")), *district_choices()]
    form.skill.choices = [("", tr("Alt", "Anything")), *skill_choices()]
    return form


def chosen(form: FlaskForm) -> dict[str, str]:
    """The filters set to one of their choices; a value made up in the address is left out, not sent on."""
    picked = {}
    for field in form:
        allowed = {value for value, _ in field.choices or []}
        if field.data and field.data in allowed:
            picked[field.name] = field.data
    return picked


def card(need: dict[str, Any]) -> dict[str, Any]:
    """What a need's card and page show, in the page language."""
    return {
        "id": need["id"], "title": need.get("title", ""),
        "district": district_text(need.get("district", "")), "when": when_text(need.get("schedule") or {}),
        "skills": [skill_text(code) for code in need.get("skills") or []],
        "volunteers_needed": need.get("volunteers_needed", 1),
        "requirements": requirements_in_words(need.get("requirements") or {}),
    }


def requirements_in_words(requirements: dict[str, Any]) -> list[str]:
    """A need's hard requirements as sentences addressed to the volunteer."""
    words = []
    if requirements.get("police_certificate"):
        words.append(tr("Du må kunne vise fram politiattest.", "You must be able to show a police certificate."))
    if requirements.get("min_age"):
        age = requirements["min_age"]
        words.append(tr(f"Du må være minst {age} år.", f"You must be at least {age} years old."))
    languages = [language_text(code) for code in requirements.get("languages") or []]
    if len(languages) == 1:
        words.append(tr(f"Du må kunne {languages[0]}.", f"You must speak {languages[0]}."))
    elif languages:
        words.append(tr(f"Du må kunne minst ett av disse språkene: {listed(languages)}.",
                        f"You must speak at least one of these languages: {listed(languages)}."))
    return words


def paragraphs(text: str) -> list[str]:
    """Free text as paragraphs, split where a blank line is."""
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
