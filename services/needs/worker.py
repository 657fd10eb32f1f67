"""The needs service's worker: relays the outboxes of needs and organisations to Kafka (it consumes nothing)."""
from __future__ import annotations

from shared.config import load_config
from shared.mongo import connect
from shared.worker import configure_logging, relay_only
from services.needs.app import DB_NAME
from services.needs.repository import NeedsRepository


def main() -> None:
    configure_logging()
    config = load_config()
    repo = NeedsRepository(connect(config, DB_NAME))
    relay_only(config, repo, [repo.db.needs, repo.db.organisations])


if __name__ == "__main__":
    main()
