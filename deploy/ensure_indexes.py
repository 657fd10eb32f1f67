"""Create every service's indexes, idempotently: `python -m deploy.ensure_indexes`, run once before a release
(the Kubernetes Job) or any time. Each service's processes also create their own when they start."""
from __future__ import annotations

import logging

from shared import logs
from shared.config import load_config
from shared.mongo import connect
from services.matcher.app import DB_NAME as MATCHER_DB
from services.matcher.repository import MatcherRepository
from services.needs.app import DB_NAME as NEEDS_DB
from services.needs.repository import NeedsRepository
from services.notify.app import DB_NAME as NOTIFY_DB, ensure_indexes as ensure_notify_indexes
from services.offers.app import DB_NAME as OFFERS_DB
from services.offers.repository import OffersRepository

log = logging.getLogger(__name__)


def main() -> None:
    logs.configure("frivillig", "job")
    config = load_config(needs=())  # the database is all this needs
    OffersRepository(connect(config, OFFERS_DB)).ensure_indexes()
    NeedsRepository(connect(config, NEEDS_DB)).ensure_indexes()
    MatcherRepository(connect(config, MATCHER_DB)).ensure_indexes()
    ensure_notify_indexes(connect(config, NOTIFY_DB))
    log.info("the indexes of offers, needs, matcher and notify are in place")


if __name__ == "__main__":
    main()
