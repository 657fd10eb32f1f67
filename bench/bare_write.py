"""The baseline of the offers benchmark: a bare Flask endpoint making the offers service's one database write.

`POST /offers` reads the JSON body and inserts the document in BARE_WRITE_DOCUMENT (an offer as the offers
service stored it, in MongoDB extended JSON) under a new id into the offers service's own collection, with the
same MongoDB client settings. gunicorn: bench.bare_write:create_app().
"""
from __future__ import annotations

import os
from pathlib import Path
from uuid import uuid4

from bson import json_util
from flask import Flask, request

from shared.config import Config
from shared.mongo import API_SELECTION_MS, connect
from services.offers.app import DB_NAME

DOCUMENT_VARIABLE = "BARE_WRITE_DOCUMENT"


def create_app() -> Flask:
    """The app with its own MongoDB client (one per gunicorn worker), as the offers service builds it."""
    offers = connect(Config(mongodb_uri=os.environ["MONGODB_URI"]), DB_NAME, API_SELECTION_MS).offers
    document = json_util.loads(Path(os.environ[DOCUMENT_VARIABLE]).read_text())
    app = Flask(__name__)

    @app.post("/offers")
    def write():
        request.get_json()
        doc_id = str(uuid4())
        offers.insert_one({**document, "_id": doc_id})
        return {"id": doc_id}, 201

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
