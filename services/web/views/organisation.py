"""Organisations' pages: register, wait for verification, post and edit needs, Våre behov with candidates."""
from __future__ import annotations

from flask import Blueprint, render_template

from services.web.session import ORGANISATION, requires

bp = Blueprint("organisation", __name__)


@bp.route("/organisasjon/registrer", methods=["GET", "POST"])
def register():
    return render_template("message.html", title="Registrer organisasjon", text="Kommer snart.")


@bp.get("/vare-behov")
@requires(ORGANISATION)
def needs(who):
    return render_template("message.html", title="Våre behov", text="Kommer snart.")
