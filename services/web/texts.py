"""The page language: bokmål by default, English on request or for people whose languages call for it.

Texts are written in place as pairs, `tr("Bli frivillig", "Volunteer")`, so each English text stands
beside the bokmål it translates and no catalogue can drift from the templates.
"""
from __future__ import annotations

from flask import g, request, session
from markupsafe import escape

LANGUAGES = ("nb", "en")
DEFAULT = "nb"
NORWEGIAN = ("nb", "nn", "no")


def language() -> str:
    """The language of this request: ?lang= if given, then the person's choice, then bokmål."""
    if "lang" not in g:
        asked = request.args.get("lang")
        g.lang = asked if asked in LANGUAGES else session.get("lang", DEFAULT)
    return g.lang


def choose(lang: str) -> None:
    """Remember a language for the rest of the session."""
    if lang in LANGUAGES:
        session["lang"] = g.lang = lang


def for_languages(languages: list[str] | None) -> str:
    """The page language for a person who speaks these: bokmål if any Norwegian is among them, else English."""
    if not languages or any(code in NORWEGIAN for code in languages):
        return DEFAULT
    return "en"


def tr(nb: str, en: str) -> str:
    """The text in the language of this request."""
    return en if language() == "en" else nb


class Lazy:
    """A text pair chosen when shown, for what is defined once at import and shown per request (form labels,
    validation messages)."""

    def __init__(self, nb: str, en: str):
        self.nb, self.en = nb, en

    def __str__(self) -> str:
        return tr(self.nb, self.en)

    def __html__(self) -> str:
        return str(escape(str(self)))

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.nb)


lazy = Lazy
