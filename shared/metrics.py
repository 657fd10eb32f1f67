"""Prometheus metrics: what every API answers and how fast, what every consumer does with its events and how far
behind it is, what waits in the outboxes, what notify sends and what the matcher proposes.

Each process counts in its own registry and serves it on `GET /metrics`. An API under gunicorn with
several worker processes counts per process unless PROMETHEUS_MULTIPROC_DIR names a directory they
share (prometheus_client's multiprocess mode), which is then what /metrics reads.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Callable

from flask import Flask, Response, abort, g, request
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram,
                               generate_latest)
from prometheus_client import multiprocess

from shared import logs, tracing

HTTP_REQUESTS = Counter("frivillig_http_requests_total", "HTTP requests answered, by route and status",
                        ["service", "method", "route", "status"])
HTTP_SECONDS = Histogram("frivillig_http_request_duration_seconds", "Time to answer an HTTP request, by route",
                         ["service", "method", "route"])
EVENTS = Counter("frivillig_events_total", "Events a consumer is done with: handled, or dead-lettered",
                 ["group", "topic", "outcome"])
RETRIES = Counter("frivillig_event_retries_total", "Failed attempts at an event that will be tried again, by failure",
                  ["group", "topic", "failure"])
HANDLER_SECONDS = Histogram("frivillig_event_handler_seconds", "Time a handler takes over one event, failed or not",
                            ["group", "topic", "type"])
CONSUMER_LAG = Gauge("frivillig_consumer_lag", "Events on a partition not yet consumed: end offset minus position",
                     ["group", "topic", "partition"], multiprocess_mode="livemax")
OUTBOX_PENDING = Gauge("frivillig_outbox_pending", "Events saved in a collection's outbox and not yet published",
                       ["collection"], multiprocess_mode="livemax")
OUTBOX_OLDEST = Gauge("frivillig_outbox_oldest_pending_seconds", "Age of the oldest event not yet published",
                      ["collection"], multiprocess_mode="livemax")
NOTIFICATIONS = Counter("frivillig_notifications_total", "Notification attempts by channel and outcome",
                        ["channel", "outcome"])
MATCHES = Counter("frivillig_matches_total", "Match events published, by type (proposed, confirmed, expired, ...)",
                  ["type"])
# Served only by the process that holds the index (see watch_candidate_index), not by every process importing this.
CANDIDATE_INDEX_OFFERS = Gauge("frivillig_candidate_index_offers", "Open offers in the matcher's candidate index",
                               registry=None)
CANDIDATE_INDEX_REBUILD = Histogram("frivillig_candidate_index_rebuild_seconds",
                                    "Time to rebuild the matcher's indexes from its read model",
                                    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
                                    registry=None)
NOTIFICATION_OUTCOMES = frozenset({"sent", "failed", "skipped", "retrying"})
UNMATCHED_ROUTE = logs.UNMATCHED_ROUTE  # a path no route serves: counted under one label, not one per path tried
METHODS = logs.METHODS
OTHER_METHOD = "other"  # any other word a client sends as its method: one label, so clients cannot grow the series


def exposition() -> tuple[bytes, str]:
    """The metrics in the Prometheus text format, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def notification_outcome(channel: str, status: object) -> None:
    """Count a notification saved with this status, if it is an outcome (sent, failed, skipped, retrying)."""
    if status in NOTIFICATION_OUTCOMES:
        NOTIFICATIONS.labels(channel, status).inc()


def published(event_type: str) -> None:
    """Count an event the outbox relay published: match events by their type, without the "match." prefix."""
    if event_type.startswith("match."):
        MATCHES.labels(event_type.removeprefix("match.")).inc()


_index_lock = threading.Lock()
_index_served = False


def watch_candidate_index(size: Callable[[], int]) -> None:
    """Serve the candidate index's size, read at each scrape, and its rebuild times from this process on."""
    global _index_served
    CANDIDATE_INDEX_OFFERS.set_function(size)
    with _index_lock:
        if not _index_served:
            REGISTRY.register(CANDIDATE_INDEX_OFFERS)
            REGISTRY.register(CANDIDATE_INDEX_REBUILD)
            _index_served = True


def direct_only() -> None:
    """Refuse (404) a request that came through a proxy: scrapes and probes reach a pod directly, while people
    come through the Ingress, which names them in X-Forwarded-For (the web's pages are all under its `/`)."""
    if "X-Forwarded-For" in request.headers:
        abort(404)


def instrument(app: Flask, service: str) -> None:
    """Trace, log, count and time every request the app answers, and serve GET /metrics."""
    tracing.init_app(app, service)
    logs.init_app(app, service)
    def started() -> None:
        g.metrics_started = time.perf_counter()

    def answered(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else UNMATCHED_ROUTE
        method = request.method if request.method in METHODS else OTHER_METHOD
        HTTP_REQUESTS.labels(service, method, route, str(response.status_code)).inc()
        if "metrics_started" in g:
            HTTP_SECONDS.labels(service, method, route).observe(time.perf_counter() - g.metrics_started)
        return response

    def metrics() -> Response:
        direct_only()
        body, content_type = exposition()
        return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})

    app.before_request(started)
    app.after_request(answered)
    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])
