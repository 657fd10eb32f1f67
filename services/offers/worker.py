"""The offers service's worker: relays its outbox to Kafka (it consumes nothing)."""
from __future__ import annotations

from shared.config import load_config
from shared.mongo import connect
from shared.worker import configure_logging, relay_only
from services.offers.app import DB_NAME
from services.offers.repository import OffersRepository


def main() -> None:
    configure_logging()
    config = load_config()
    repo = OffersRepository(connect(config, DB_NAME))
    relay_only(config, repo, [repo.db.offers])


if __name__ == "__main__":
    main()
