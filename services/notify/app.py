"""The notify service's application factory (gunicorn: services.notify.app:create_app())."""
from __future__ import annotations

from functools import partial

from flask import Flask
from pymongo.database import Database

from shared.config import Config, load_config
from shared.indexes import ensure_on_start
from shared.http import Deps, create_service_app
from shared.mongo import API_SELECTION_MS, connect
from services.notify.api import blp
from services.notify.confirmations import CONFIRMATIONS
from services.notify.digests import DIGESTS
from services.notify.sign_ins import SIGN_INS
from services.notify.repository import NotifyRepository

DB_NAME = "notify"


def ensure_indexes(db: Database) -> None:
    """Every index of the notify database (idempotent): notifications, assignments, and the messages asked for by
    people themselves (address confirmations, sign-ins) and the weekly digests."""
    NotifyRepository(db).ensure_indexes()
    for messages in (CONFIRMATIONS, SIGN_INS, DIGESTS):
        messages.ensure_indexes(db)


def create_app(config: Config | None = None) -> Flask:
    """Build the app with its own MongoDB client (one per gunicorn worker)."""
    config = config or load_config()
    repo = NotifyRepository(connect(config, DB_NAME, API_SELECTION_MS))
    ensure_on_start(partial(ensure_indexes, repo.db), "notify")
    return create_service_app("notify", Deps(config, repo), [blp],
                              "Tells volunteers and organisations about their matches.")
