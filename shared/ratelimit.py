"""Rate limits per client address, counted in MongoDB so every gunicorn worker shares them (Flask-Limiter).

Two limits: RATE_LIMIT_WRITES on each view marked `@limited_write` (the writes anyone may make without a
token), and RATE_LIMIT_TOKEN_FAILURES on answers of 401 to requests that carried a token, across every
endpoint. limits' own MongoDB storage updates with aggregation pipelines and `$not`, which the nx-27017
stand-in rejects, so the counters here are a fixed window kept with guarded `$inc`/`$set` of numbers only,
which both it and MongoDB do atomically.
"""
from __future__ import annotations

import math
import time
from typing import Any, Callable, TypeVar

from flask import Flask, current_app, request
from flask.wrappers import Response
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import Storage
from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError, PyMongoError

from shared.config import Config

View = TypeVar("View", bound=Callable[..., Any])
MARK = "rate_limited_write"
STORAGE_SCHEME = "shared-mongodb"


def limited_write(view: View) -> View:
    """Mark a view as a write anyone may make without a token: it counts towards RATE_LIMIT_WRITES."""
    setattr(view, MARK, True)
    return view


class CounterStorage(Storage):
    """limits' storage for the fixed-window strategy: one document per key, {count, ends} (epoch seconds)."""

    STORAGE_SCHEME = [STORAGE_SCHEME]

    PURGE_EVERY = 600.0  # seconds between sweeps of windows that ended (per process)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, *, collection: Collection,
                 **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.collection = collection
        self._next_purge = time.monotonic() + self.PURGE_EVERY

    def _purge_ended(self, now: float) -> None:
        """Now and then, forget the counters of clients whose window ended long ago, so they do not pile up."""
        if time.monotonic() >= self._next_purge:
            self._next_purge = time.monotonic() + self.PURGE_EVERY
            self.collection.delete_many({"ends": {"$lt": now - self.PURGE_EVERY}})

    @property
    def base_exceptions(self) -> type[Exception]:
        return PyMongoError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Count a hit in the key's current window, opening a new window when the last one has ended."""
        for _ in range(5):
            now = time.time()
            found = self.collection.find_one_and_update(
                {"_id": key, "ends": {"$gt": now}}, {"$inc": {"count": amount}},
                return_document=ReturnDocument.AFTER)
            if found:
                return int(found["count"])
            renewed = self.collection.find_one_and_update(
                {"_id": key, "ends": {"$lte": now}}, {"$set": {"count": amount, "ends": now + expiry}},
                return_document=ReturnDocument.AFTER)
            if renewed:
                return int(renewed["count"])
            try:
                self.collection.insert_one({"_id": key, "count": amount, "ends": now + expiry})
                self._purge_ended(now)
                return amount
            except DuplicateKeyError:
                continue  # another worker opened the window first: count in it
        raise PyMongoError(f"rate limit counter {key} kept changing")

    def get(self, key: str) -> int:
        """Hits in the key's current window."""
        found = self.collection.find_one({"_id": key})
        return int(found["count"]) if found and found["ends"] > time.time() else 0

    def get_expiry(self, key: str) -> float:
        """When the key's current window ends (epoch seconds)."""
        found = self.collection.find_one({"_id": key})
        return float(found["ends"]) if found and found["ends"] > time.time() else time.time()

    def check(self) -> bool:
        """True when the database answers."""
        try:
            self.collection.database.command("ping")
            return True
        except PyMongoError:
            return False

    def reset(self) -> int | None:
        """Forget every counter."""
        return self.collection.delete_many({}).deleted_count

    def clear(self, key: str) -> None:
        """Forget one counter."""
        self.collection.delete_one({"_id": key})


def _is_marked_write() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(view is not None and getattr(view, MARK, False))


def _carries_token() -> bool:
    return request.headers.get("Authorization", "").strip() != ""


def _token_refused(response: Response) -> bool:
    return response.status_code == 401


def init_rate_limits(app: Flask, config: Config, collection: Collection) -> Limiter | None:
    """Limit the marked writes and the failed token attempts of each client address; None when both are off."""
    writes, token_failures = config.rate_limit("writes"), config.rate_limit("token_failures")
    if writes is None and token_failures is None:
        return None
    limiter = Limiter(
        get_remote_address, app=app, strategy="fixed-window", headers_enabled=False, swallow_errors=True,
        storage_uri=f"{STORAGE_SCHEME}://", storage_options={"collection": collection},
        default_limits=[writes] if writes else [], default_limits_per_method=True,
        default_limits_exempt_when=lambda: not _is_marked_write(),
        application_limits=[token_failures] if token_failures else [],
        application_limits_exempt_when=lambda: not _carries_token(),
        application_limits_deduct_when=_token_refused,
    )
    app.extensions["rate_limiter"] = limiter
    return limiter


def retry_after_seconds(app: Flask) -> int:
    """Whole seconds until the limit this request broke lets the client in again (at least 1)."""
    limiter: Limiter | None = app.extensions.get("rate_limiter")
    limit = limiter.current_limit if limiter else None
    if limit is None:
        return 60
    return max(1, min(math.ceil(limit.reset_at - time.time()), limit.limit.get_expiry()))
