"""The notify worker: consumes match events, sends e-mail and SMS, retries what is due, plans reminders and the
organisations' weekly digests."""
from __future__ import annotations

import logging
from functools import partial

from shared.clock import utcnow
from shared.config import load_config
from shared.directory import Directory
from shared.kafka import Subscription
from shared.mongo import connect
from shared.worker import Periodic, configure_logging, run_worker
from services.notify import confirmations, digests, sign_ins
from services.notify.app import DB_NAME, ensure_indexes
from services.notify.delivery import Notifier, deliver_due
from services.notify.handlers import EVENT_HANDLERS, plan_reminders
from services.notify.repository import NotifyRepository
from services.notify.senders import SmsSender, SmtpSender

GROUP_ID = "notify"

log = logging.getLogger(__name__)


def main() -> None:
    """Build the adapters once, then consume, relay the outbox and run the periodic tasks until stopped."""
    configure_logging()
    config = load_config()
    repo = NotifyRepository(connect(config, DB_NAME))
    ensure_indexes(repo.db)
    notifier = Notifier(repo, Directory(config), SmtpSender(config), SmsSender(config), config, utcnow)
    if not notifier.sms.enabled:
        log.warning("SMS_GATEWAY_URL is not set: SMS are skipped (reason 'sms_off'), and people who chose "
                    "only SMS are written to by e-mail instead (reason 'email_fallback')")
    handlers = {event_type: partial(handler, n=notifier) for event_type, handler in EVENT_HANDLERS.items()}
    run_worker(config, outbox=[repo.db.notifications], subscription=Subscription(GROUP_ID, handlers),
               periodic=[Periodic("deliver-due", 2.0, lambda: deliver_due(notifier)),
                         Periodic("deliver-confirmations-due", 2.0, lambda: confirmations.deliver_due(notifier)),
                         Periodic("deliver-sign-ins-due", 2.0, lambda: sign_ins.deliver_due(notifier)),
                         Periodic("deliver-digests-due", 30.0, lambda: digests.deliver_due(notifier)),
                         Periodic("plan-reminders", 60.0, lambda: plan_reminders(notifier)),
                         Periodic("plan-digests", 300.0, lambda: digests.plan_digests(notifier))])


if __name__ == "__main__":
    main()
