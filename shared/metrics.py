"""Prometheus metrics: what every API answers and how fast, and what every consumer does with its events.

Each process counts in its own registry and serves it on `GET /metrics`. An API under gunicorn with
several worker processes counts per process unless PROMETHEUS_MULTIPROC_DIR names a directory they
share (prometheus_client's multiprocess mode), which is then what /metrics reads.
"""
from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess

HTTP_REQUESTS = Counter("frivillig_http_requests_total", "HTTP requests answered, by route and status",
                        ["service", "method", "route", "status"])
HTTP_SECONDS = Histogram("frivillig_http_request_duration_seconds", "Time to answer an HTTP request, by route",
                         ["service", "method", "route"])
EVENTS = Counter("frivillig_events_total", "Events a consumer is done with: handled, or dead-lettered",
                 ["group", "topic", "outcome"])
RETRIES = Counter("frivillig_event_retries_total", "Failed attempts at an event that will be tried again, by failure",
                  ["group", "topic", "failure"])
UNMATCHED_ROUTE = "unmatched"  # a path no route serves: counted under one label, not one per path tried
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"  # any other word a client sends as its method: one label, so clients cannot grow the series


def exposition() -> tuple[bytes, str]:
    """The metrics in the Prometheus text format, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def instrument(app: Flask, service: str) -> None:
    """Count and time every request the app answers, and serve GET /metrics."""
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
        body, content_type = exposition()
        return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})

    app.before_request(started)
    app.after_request(answered)
    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])
