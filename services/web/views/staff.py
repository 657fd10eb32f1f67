"""Municipal staff's pages: verification queue, unmet demand per district, offers, notification log, CSV."""
from __future__ import annotations

from flask import Blueprint, render_template

from services.web.session import STAFF, requires

bp = Blueprint("staff", __name__)


@bp.get("/ansatt")
@requires(STAFF)
def dashboard(who):
    return render_template("message.html", title="Oversikt", text="Kommer snart.")
