"""The matcher's application factory (gunicorn: services.matcher.app:create_app())."""
from __future__ import annotations

from flask import Flask

from shared.clock import utcnow
from shared.config import Config, load_config
from shared.directory import Directory
from shared.indexes import ensure_on_start
from shared.http import Deps, create_service_app
from shared.mongo import API_SELECTION_MS, connect
from services.matcher import calendar_api, certificate_api, reports_api
from services.matcher.api import AnswerPath, blp
from services.matcher.repository import MatcherRepository

DB_NAME = "matcher"


def create_app(config: Config | None = None, clock=utcnow) -> Flask:
    """Build the app with its own MongoDB client (one per gunicorn worker)."""
    config = config or load_config()
    repo = MatcherRepository(connect(config, DB_NAME, API_SELECTION_MS))
    ensure_on_start(repo.ensure_indexes, "matcher")
    blueprints = [blp, calendar_api.blp, certificate_api.blp, reports_api.blp]
    return create_service_app("matcher", Deps(config, repo, clock, Directory(config)), blueprints,
                              "Matches between volunteers' offers and organisations' needs.",
                              {"answer_path": AnswerPath})
