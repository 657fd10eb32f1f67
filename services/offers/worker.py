"""The offers service's worker: relays its outbox to Kafka and erases offers never confirmed (it consumes nothing)."""
from __future__ import annotations

from functools import partial

from shared.clock import to_iso, utcnow
from shared.config import load_config
from shared.mongo import connect
from shared.worker import Periodic, configure_logging, run_worker
from services.offers import handlers
from services.offers.app import DB_NAME
from services.offers.repository import OffersRepository

ERASE_EVERY_SECONDS = 300.0


def now() -> str:
    """The current instant in its stored form."""
    return to_iso(utcnow())


def main() -> None:
    configure_logging()
    config = load_config()
    repo = OffersRepository(connect(config, DB_NAME))
    repo.ensure_indexes()
    run_worker(config, outbox=[repo.db.offers],
               periodic=[Periodic("erase-unconfirmed", ERASE_EVERY_SECONDS,
                                  partial(handlers.erase_unconfirmed, repo, now))])


if __name__ == "__main__":
    main()
