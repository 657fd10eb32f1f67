"""Pages anyone can read: open needs, a need, how it works, privacy and accessibility statements."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request

from services.web.session import safe_next
from services.web.texts import choose

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    return render_template("message.html", title="Frivillig i Drammen", text="Kommer snart.")


@bp.get("/sprak/<lang>")
def language(lang):
    """The language switch: remember the choice and go back to the page it was pressed on."""
    choose(lang)
    return redirect(safe_next(request.args.get("next"), "/"))


@bp.get("/slik-virker-det")
def how_it_works():
    return render_template("message.html", title="Slik virker det", text="Kommer snart.")


@bp.get("/personvern")
def privacy():
    return render_template("message.html", title="Personvernerklæring", text="Kommer snart.")


@bp.get("/tilgjengelighet")
def accessibility():
    return render_template("message.html", title="Tilgjengelighetserklæring", text="Kommer snart.")
