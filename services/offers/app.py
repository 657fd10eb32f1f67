"""The offers service's application factory (gunicorn: services.offers.app:create_app())."""
from __future__ import annotations

from flask import Flask

from shared.clock import utcnow
from shared.config import Config, load_config
from shared.indexes import ensure_on_start
from shared.http import Deps, create_service_app, reference_blueprint
from shared.mongo import API_SELECTION_MS, connect
from services.offers.api import blp
from services.offers.repository import OffersRepository

DB_NAME = "offers"


def create_app(config: Config | None = None, clock=utcnow) -> Flask:
    """Build the app with its own MongoDB client (one per gunicorn worker)."""
    config = config or load_config()
    repo = OffersRepository(connect(config, DB_NAME, API_SELECTION_MS), clock)
    ensure_on_start(repo.ensure_indexes, "offers")
    return create_service_app("offers", Deps(config, repo, clock), [blp, reference_blueprint()],
                              "Citizens offer their time as volunteers.")
