"""Rate limits per client address, counted in MongoDB so every gunicorn worker shares them (Flask-Limiter).

RATE_LIMIT_WRITES limits each view marked `@limited_write` (the writes anyone may make without a token). Its
hits are written in batches while a client is far below its limit (BatchedFixedWindow), so that counting a
write does not cost a second write; near the limit every hit is counted at once.

RATE_LIMIT_TOKEN_FAILURES limits failed credentials: a 401 to a request that carried an Authorization
header, and a 404 to a marked write whose path carries a link code (an answer or confirmation button pressed
with a forged link). Many people share one address (a municipal network, the web front end), so a failure
must not lock out the valid credentials sent from it, yet guessing must stay bounded. Telling a valid
credential from a guess takes checking it, so once a client is over its limit the guess must be refused
*before* it is checked: otherwise "429 for a wrong one, 200 for a right one" is the unlimited oracle the limit
is there to deny. Hence two counts of failures, per address:

- per credential (address and a hash of the header or code): RATE_LIMIT_TOKEN_FAILURES. A client that keeps
  sending the same wrong token or link is refused with 429 without it being checked again, and no one else is;
- per address, over every credential: CAP_FACTOR times that. Past it, any credential that would need checking
  is refused with 429 unchecked, which bounds the guesses one address can have checked to that many a window.

The staff and service tokens are compared here, locally and in constant time, and always pass: they are long
random secrets checked on every request anyway, and staff behind a shared address keep working even while
someone there is being refused. Any other token (a manage_token or api_key) passes while the address is under
its cap, so a mistyped token never locks out the rest of the address; only an address spraying guesses at
CAP_FACTOR times the limit loses its unchecked tokens until the window ends.

limits' own MongoDB storage updates with aggregation pipelines and `$not`, which the nx-27017 stand-in
rejects, so the counters here are a fixed window kept with guarded `$inc`/`$set` of numbers only, which both
it and MongoDB do atomically.

Every count is per client address: the socket peer, or, when the peer is one of TRUSTED_PROXIES (the web in
front of the services), the last address in X-Forwarded-For, the one that proxy added. Anyone else's
X-Forwarded-For is ignored, so a client cannot name its own address.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import threading
import time
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, Callable, Iterator, TypeVar

from flask import Flask, current_app, g, request
from flask.wrappers import Response
from flask_limiter import Limiter
from limits import RateLimitItem, parse_many
from limits.storage import Storage
from limits.strategies import STRATEGIES, FixedWindowRateLimiter
from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError, PyMongoError
from werkzeug.exceptions import TooManyRequests

from shared.config import Config

log = logging.getLogger(__name__)
View = TypeVar("View", bound=Callable[..., Any])
MARK = "rate_limited_write"
STORAGE_SCHEME = "shared-mongodb"
CAP_FACTOR = 10  # an address's failures over every credential may reach this many times one credential's
FAILED = "failed-credentials"
REFUSED_UNTIL = "failed_credentials_refused_until"


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
        return self.count(key, expiry, amount)[0]

    def count(self, key: str, expiry: int, amount: int) -> tuple[int, float]:
        """Add hits to the key's current window (a new one when the last has ended): its count and end."""
        for _ in range(5):
            now = time.time()
            found = self.collection.find_one_and_update(
                {"_id": key, "ends": {"$gt": now}}, {"$inc": {"count": amount}},
                return_document=ReturnDocument.AFTER)
            if found:
                return int(found["count"]), float(found["ends"])
            renewed = self.collection.find_one_and_update(
                {"_id": key, "ends": {"$lte": now}}, {"$set": {"count": amount, "ends": now + expiry}},
                return_document=ReturnDocument.AFTER)
            if renewed:
                return int(renewed["count"]), float(renewed["ends"])
            try:
                self.collection.insert_one({"_id": key, "count": amount, "ends": now + expiry})
                self._purge_ended(now)
                return amount, now + expiry
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


@dataclass
class _Held:
    """What one process knows of a counter's window: the count the database last gave it, the hits it has not
    written yet and since when it holds them, and when the window ends."""

    ends: float
    known: int = 0
    hits: int = 0
    since: float = 0.0


class BatchedFixedWindow(FixedWindowRateLimiter):
    """limits' fixed window, with a client's hits far below its limit written to the database in batches.

    Counting every write in the database costs as much as the write itself. So each process holds the hits of a
    counter it has not written yet, and writes them in one `$inc` once they would reach BATCH_SHARE of the limit,
    once it has held them BATCH_SECONDS, or once they would bring the count it knows past (1 - BATCH_SHARE) of the
    limit. From there on every hit is counted in the database at once and decided on the count every process
    shares, and a limit below 1 / BATCH_SHARE hits is always counted exactly. Most clients make one write and
    leave, which then costs nothing. The price: what one process holds, the others do not see, so with P
    processes a client gets at most (1 + (P - 1) × BATCH_SHARE) times its limit in a window, and only by
    spreading its hits over all of them.
    """

    NAME = "batched-fixed-window"
    BATCH_SHARE = 0.1
    BATCH_SECONDS = 1.0
    FORGET_EVERY = 600.0  # seconds between sweeps of the windows that ended (their held hits go with them)

    def __init__(self, storage: CounterStorage, clock: Callable[[], float] = time.monotonic):
        super().__init__(storage)
        self.clock = clock
        self._held: dict[str, _Held] = {}
        self._lock = threading.Lock()
        self._next_sweep = clock() + self.FORGET_EVERY

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        """Count the hit; True while the client is within its limit."""
        key, now, moment = item.key_for(*identifiers), time.time(), self.clock()
        with self._lock:
            held = self._held.get(key)
            if held is None or held.ends <= now:
                self._sweep(now, moment)
                held = self._held[key] = _Held(ends=now + item.get_expiry())
            if not held.hits:
                held.since = moment
            if self._may_hold(held, item.amount, cost, moment):
                held.hits += cost
                return True
            amount, held.hits = held.hits + cost, 0
        count, ends = self.storage.count(key, item.get_expiry(), amount)
        with self._lock:
            held.known, held.ends = max(held.known, count), ends
        return count <= item.amount

    def _may_hold(self, held: _Held, limit: int, cost: int, moment: float) -> bool:
        return (held.hits + cost <= limit * self.BATCH_SHARE
                and held.known + held.hits + cost <= limit * (1 - self.BATCH_SHARE)
                and moment - held.since < self.BATCH_SECONDS)

    def _sweep(self, now: float, moment: float) -> None:
        if moment >= self._next_sweep:
            self._next_sweep = moment + self.FORGET_EVERY
            self._held = {key: held for key, held in self._held.items() if held.ends > now}


IP = ipaddress.IPv4Address | ipaddress.IPv6Address


def _as_ip(text: str) -> IP | None:
    """An address, with an IPv4 address mapped into IPv6 (::ffff:10.0.0.5, as dual-stack sockets report peers)
    read as the IPv4 address it is."""
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    return ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped else ip


@cache
def _trusted(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The trusted peers as networks: an address is a network of one (pods come and go within a range)."""
    networks = []
    for proxy in proxies:
        try:
            networks.append(ipaddress.ip_network(proxy.strip(), strict=False))
        except ValueError:
            continue
    return tuple(networks)


def _is_trusted(peer: IP | None, config: Config) -> bool:
    return peer is not None and any(peer in network for network in _trusted(config.trusted_proxies))


def client_address(config: Config) -> str:
    """The address this request's counts are kept under: the peer's, or the client's a trusted proxy forwarded."""
    peer = request.remote_addr or "127.0.0.1"
    if not _is_trusted(_as_ip(peer), config):
        return peer
    forwarded = ",".join(request.headers.getlist("X-Forwarded-For")).split(",")[-1].strip()
    return str(_as_ip(forwarded)) if _as_ip(forwarded) else peer


def _is_marked_write() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(view is not None and getattr(view, MARK, False))


def _credential() -> tuple[str, int] | None:
    """What this request offers as proof, and the status that refuses it: a marked write's link code (404),
    else the Authorization header (401); None for neither."""
    code = (request.view_args or {}).get("code")
    if code and _is_marked_write():
        return f"link {code}", 404
    header = request.headers.get("Authorization", "").strip()
    return (f"header {header}", 401) if header else None


def _fingerprint(credential: str) -> str:
    """A short hash naming a credential in the counters (not the hash the issuers store)."""
    return hashlib.sha256(b"failed-credential\x00" + credential.encode("utf-8", "replace")).hexdigest()[:16]


def _staff_or_service(config: Config) -> bool:
    """True when the request carries the staff or the service token (compared in constant time)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip().encode("utf-8", "replace")
    return scheme.lower() == "bearer" and any(
        secret and hmac.compare_digest(secret.encode(), token)
        for secret in (config.admin_token, config.service_token))


class FailedCredentials:
    """Failures per address and credential, and per address over all credentials (CAP_FACTOR times more)."""

    def __init__(self, limits: list[RateLimitItem], storage: Storage):
        self.limits = limits
        self.caps = [type(item)(item.amount * CAP_FACTOR, item.multiples, item.namespace) for item in limits]
        self.windows = FixedWindowRateLimiter(storage)

    def _counters(self, address: str, fingerprint: str) -> Iterator[tuple[RateLimitItem, tuple[str, ...]]]:
        for item, cap in zip(self.limits, self.caps):
            yield item, (FAILED, address, fingerprint)
            yield cap, (FAILED, address)

    def refused_until(self, address: str, fingerprint: str) -> float | None:
        """When the window ends of the first count this credential from this address is over; None if none is."""
        for item, identifiers in self._counters(address, fingerprint):
            if not self.windows.test(item, *identifiers):
                return self.windows.get_window_stats(item, *identifiers).reset_time
        return None

    def count(self, address: str, fingerprint: str) -> None:
        """One more failure of this credential from this address."""
        for item, identifiers in self._counters(address, fingerprint):
            self.windows.hit(item, *identifiers)


def _limit_failed_credentials(app: Flask, config: Config, failures: FailedCredentials) -> None:
    """Refuse, before it is checked, a credential from a client over its count; count each one refused."""
    @app.before_request
    def refuse_while_over() -> None:
        credential = _credential()
        if credential is None or _staff_or_service(config):
            return
        try:
            until = failures.refused_until(client_address(config), _fingerprint(credential[0]))
        except PyMongoError:
            log.warning("failed-credential counts unreadable; letting the request through", exc_info=True)
            return
        if until is not None:
            g.setdefault(REFUSED_UNTIL, until)
            raise TooManyRequests()

    @app.after_request
    def count_refusal(response: Response) -> Response:
        credential = _credential()
        if credential and response.status_code == credential[1] and not _staff_or_service(config):
            try:
                failures.count(client_address(config), _fingerprint(credential[0]))
            except PyMongoError:
                log.warning("failed credential not counted", exc_info=True)
        return response


def init_rate_limits(app: Flask, config: Config, collection: Collection) -> Limiter | None:
    """Limit the marked writes and the failed credentials of each client address; None when writes are off."""
    writes, token_failures = config.rate_limit("writes"), config.rate_limit("token_failures")
    if token_failures is not None:
        _limit_failed_credentials(app, config, FailedCredentials(parse_many(token_failures),
                                                                 CounterStorage(collection=collection)))
    if writes is None:
        return None
    STRATEGIES.setdefault(BatchedFixedWindow.NAME, BatchedFixedWindow)  # Flask-Limiter finds strategies by name
    limiter = Limiter(
        partial(client_address, config), app=app, strategy=BatchedFixedWindow.NAME, headers_enabled=False,
        swallow_errors=True,
        storage_uri=f"{STORAGE_SCHEME}://", storage_options={"collection": collection},
        default_limits=[writes], default_limits_per_method=True,
        default_limits_exempt_when=lambda: not _is_marked_write(),
    )
    app.extensions["rate_limiter"] = limiter
    return limiter


def retry_after_seconds(app: Flask) -> int:
    """Whole seconds until the limit this request broke lets the client in again (at least 1)."""
    until = g.get(REFUSED_UNTIL)
    if until is not None:
        return max(1, math.ceil(until - time.time()))
    limiter: Limiter | None = app.extensions.get("rate_limiter")
    limit = limiter.current_limit if limiter else None
    if limit is None:
        return 60
    return max(1, min(math.ceil(limit.reset_at - time.time()), limit.limit.get_expiry()))
