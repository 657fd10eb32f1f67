"""A fresh database gets its indexes from whichever process of a service starts first, API or worker, and from the
index job: the unique guards are there before anything is written."""
from __future__ import annotations

import subprocess
import sys

from pymongo import MongoClient

from deploy import standins
from deploy.stack import ROOT
from shared.config import Config
from services.matcher.app import create_app as create_matcher
from services.needs.app import create_app as create_needs
from services.notify.app import create_app as create_notify
from services.offers.app import create_app as create_offers


def _keys(client: MongoClient, db: str, collection: str, unique: bool = False) -> set[tuple[str, ...]]:
    """The fields of each index of a collection (only the unique ones if asked)."""
    return {tuple(key for key, _ in index["key"]) for index in client[db][collection].index_information().values()
            if index.get("unique") or not unique}


def _assert_guarded(uri: str) -> None:
    client = MongoClient(uri)
    try:
        assert ("api_key_hash",) in _keys(client, "needs", "organisations", unique=True)
        assert ("need_id", "offer_id", "need_version", "offer_version", "for_date") in _keys(
            client, "matcher", "matches", unique=True)
        assert ("status", "next_attempt_at") in _keys(client, "notify", "sign_ins")
        assert ("manage_token_hash",) in _keys(client, "offers", "offers")
    finally:
        client.close()


def test_each_api_creates_its_indexes_on_a_fresh_database_when_it_starts(tmp_path):
    with standins.mongodb(tmp_path) as uri:
        config = Config(mongodb_uri=uri, testing=True)
        for create in (create_offers, create_needs, create_matcher, create_notify):
            create(config)
        _assert_guarded(uri)


def test_the_index_job_creates_every_services_indexes(tmp_path):
    with standins.mongodb(tmp_path) as uri:
        done = subprocess.run([sys.executable, "-m", "deploy.ensure_indexes"], cwd=ROOT, capture_output=True,
                              text=True, timeout=60, env={"MONGODB_URI": uri, "PATH": "/usr/bin:/bin"})
        assert done.returncode == 0, done.stderr
        _assert_guarded(uri)


def test_an_api_starts_while_the_database_is_away_and_says_so(caplog):
    config = Config(mongodb_uri="mongodb://127.0.0.1:9", testing=True)
    app = create_needs(config)
    assert app is not None and "indexes not checked at start" in caplog.text
