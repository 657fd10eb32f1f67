"""Volunteers' pages: sign up, Min side (proposals, assignments), edit, withdraw and erase."""
from __future__ import annotations

from flask import Blueprint, render_template

from services.web.session import VOLUNTEER, requires

bp = Blueprint("volunteer", __name__)


@bp.route("/bli-frivillig", methods=["GET", "POST"])
def signup():
    return render_template("message.html", title="Bli frivillig", text="Kommer snart.")


@bp.get("/min-side")
@requires(VOLUNTEER)
def home(who):
    return render_template("message.html", title="Min side", text="Kommer snart.")
