"""Indexes are created by every process of a service when it starts (idempotently), so that a fresh or restored
database never serves without its unique guards."""
from __future__ import annotations

import logging
from typing import Callable

from pymongo.errors import PyMongoError

log = logging.getLogger(__name__)


def ensure_on_start(ensure: Callable[[], None], service: str) -> None:
    """Create the service's indexes; a database not reachable yet is logged, not fatal: the API answers /readyz 503
    until it is, and the service's worker (and the index job where one runs) creates them."""
    try:
        ensure()
    except PyMongoError as exc:
        log.error("%s: indexes not checked at start, the database is not reachable: %s", service, exc)
