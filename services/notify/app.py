"""The notify service's application factory (gunicorn: services.notify.app:create_app())."""
from __future__ import annotations

from flask import Flask

from shared.config import Config, load_config
from shared.http import Deps, create_service_app
from shared.mongo import API_SELECTION_MS, connect
from services.notify.api import blp
from services.notify.repository import NotifyRepository

DB_NAME = "notify"


def create_app(config: Config | None = None) -> Flask:
    """Build the app with its own MongoDB client (one per gunicorn worker)."""
    config = config or load_config()
    repo = NotifyRepository(connect(config, DB_NAME, API_SELECTION_MS))
    return create_service_app("notify", Deps(config, repo), [blp],
                              "Tells volunteers and organisations about their matches.")
