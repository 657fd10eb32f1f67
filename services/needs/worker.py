"""The needs service's worker: relays the outboxes of needs and organisations to Kafka, closes needs that are
over and publishes needs whose organisation was verified (it consumes nothing)."""
from __future__ import annotations

from functools import partial

from shared.clock import to_iso, utcnow
from shared.config import load_config
from shared.mongo import connect
from shared.worker import Periodic, configure_logging, run_worker
from services.needs import handlers
from services.needs.app import DB_NAME
from services.needs.repository import NeedsRepository

CLOSE_OVER_EVERY_SECONDS = 300.0
PUBLISH_WAITING_EVERY_SECONDS = 60.0


def now() -> str:
    """The current instant in its stored form."""
    return to_iso(utcnow())


def main() -> None:
    configure_logging()
    config = load_config()
    repo = NeedsRepository(connect(config, DB_NAME))
    repo.ensure_indexes()
    run_worker(config, outbox=[repo.db.needs, repo.db.organisations], periodic=[
        Periodic("close-over-needs", CLOSE_OVER_EVERY_SECONDS, partial(handlers.close_over_needs, repo, utcnow)),
        Periodic("publish-waiting-needs", PUBLISH_WAITING_EVERY_SECONDS,
                 partial(handlers.publish_all_waiting, repo, now)),
    ])


if __name__ == "__main__":
    main()
