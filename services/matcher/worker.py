"""The matcher's worker: consumes offers, needs and matches, proposes in waves, expires proposals."""
from __future__ import annotations

from functools import partial

from shared.clock import utcnow
from shared.config import load_config
from shared.directory import Directory
from shared.kafka import Subscription
from shared.mongo import connect
from shared.worker import Periodic, configure_logging, run_worker
from services.matcher import certificates
from services.matcher.app import DB_NAME
from services.matcher.handlers import EVENT_HANDLERS, expire_due, reconcile
from services.matcher.waves import Matching
from services.matcher.repository import MatcherRepository

GROUP_ID = "matcher"
CERTIFICATE_CHECK_SECONDS = 3600.0


def subscription(matching: Matching, group: str = GROUP_ID) -> Subscription:
    """The matcher's events, consumed by one worker of the group at a time: the indexes are in memory, so the
    worker handed the events rebuilds them from the read model first, and a second worker stands by (one that
    hands them over lets its indexes go). Between
    polls the active worker reconciles, so whatever an event failed to bring about is repaired within a round."""
    handlers = {event_type: partial(handler, m=matching) for event_type, handler in EVENT_HANDLERS.items()}
    return Subscription(group, handlers, single_active=True, on_assigned=matching.rebuild,
                        on_released=matching.release, on_idle=partial(reconcile, matching),
                        idle_every_seconds=matching.config.matcher_reconcile_seconds)


def main() -> None:
    configure_logging()
    config = load_config()
    repo = MatcherRepository(connect(config, DB_NAME))
    repo.ensure_indexes()
    directory = Directory(config)
    run_worker(config, outbox=[repo.db.matches], subscription=subscription(Matching(repo, config, utcnow)),
               periodic=[Periodic("expire-proposals", 5.0, lambda: expire_due(repo, utcnow())),
                         Periodic("certificate-ages", CERTIFICATE_CHECK_SECONDS,
                                  lambda: certificates.remind_expired(repo, partial(certificates.limit_of, directory),
                                                                      utcnow()))])


if __name__ == "__main__":
    main()
