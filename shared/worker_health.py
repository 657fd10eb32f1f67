"""A worker's GET /healthz and GET /metrics: a small HTTP server on its own thread; /healthz is 503 while the
worker cannot make progress."""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Mapping

from shared.metrics import exposition

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
STALL_THRESHOLD_SECONDS = 30.0


class Stall:
    """Since when a part of the worker has been failing to make progress, and why (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: float | None = None
        self._reason = ""

    def failing(self, reason: str) -> None:
        """Note a failure; the stall dates from the first failure since the last progress."""
        with self._lock:
            if self._since is None:
                self._since = time.monotonic()
            self._reason = reason[:500]

    def waiting(self, reason: str) -> None:
        """Note a wait (e.g. to join the group): starts a stall if none, keeps the reason of one under way."""
        with self._lock:
            if self._since is None:
                self._since, self._reason = time.monotonic(), reason[:500]

    def progressed(self) -> None:
        """Note progress: whatever failed before has passed."""
        with self._lock:
            self._since, self._reason = None, ""

    def stalled_for(self) -> tuple[float, str]:
        """Seconds since the stall began (0 when making progress) and the latest reason."""
        with self._lock:
            return (0.0 if self._since is None else time.monotonic() - self._since), self._reason


@dataclass(frozen=True)
class Health:
    """The worker's parts by name, each with its stall; a part stalled longer than the threshold is unhealthy."""

    stalls: Mapping[str, Stall]
    threshold_seconds: float = STALL_THRESHOLD_SECONDS

    def status(self) -> tuple[int, dict[str, Any]]:
        """200 {"status": "ok"}, or 503 with the reason of every part stalled past the threshold."""
        stalled = {}
        for name, stall in self.stalls.items():
            seconds, reason = stall.stalled_for()
            if seconds > self.threshold_seconds:
                stalled[name] = f"{reason} (for {seconds:.0f} s)"
        if not stalled:
            return 200, {"status": "ok"}
        reason = "; ".join(f"{name}: {why}" for name, why in stalled.items())
        return 503, {"status": "stalled", "reason": reason, "stalled": stalled}


def _handler_for(health: Health) -> type[BaseHTTPRequestHandler]:
    class HealthHandler(BaseHTTPRequestHandler):
        """GET /healthz answers from the worker's health, GET /metrics with its counters; anything else is a 404
        in the contract's error body."""

        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            path = self.path.split("?", 1)[0]
            content_type = "application/json"
            if path == "/healthz":
                status, body = health.status()
                payload = json.dumps(body).encode()
            elif path == "/metrics":
                status, (payload, content_type) = 200, exposition()
            else:
                body = {"error": {"code": "not_found", "message": "Only /healthz and /metrics are served here."}}
                status, payload = 404, json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # probes every few seconds: not worth a line each
            return

    return HealthHandler


def serve_health(health: Health, port: int, host: str = DEFAULT_HOST) -> ThreadingHTTPServer:
    """Serve the health endpoint on a daemon thread until shutdown(); raises OSError when the port is taken."""
    server = ThreadingHTTPServer((host, port), _handler_for(health))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    log.info("serving /healthz and /metrics on %s:%d", host, server.server_address[1])
    return server
