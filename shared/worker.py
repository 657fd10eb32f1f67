"""Runs a service's background side: the outbox relay, periodic tasks and the consume loop."""
from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from typing import Callable, Iterable

from kafka.errors import KafkaError
from pymongo.collection import Collection
from pymongo.errors import PyMongoError

from shared import logs, tracing
from shared.config import Config
from shared.consume import ConsumeLoop
from shared.kafka import Publisher, Subscription, ensure_topics
from shared.mongo import OutboxRelay
from shared.worker_health import STALL_THRESHOLD_SECONDS, Health, Stall, serve_health

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    """A task run every few seconds (e.g. expiring proposals, sending held messages)."""

    name: str
    every_seconds: float
    run: Callable[[], object]


def configure_logging(service: str | None = None) -> None:
    """The worker's logs as JSON lines (shared.logs, as the APIs' under gunicorn), and its spans exported when
    OTEL_EXPORTER_OTLP_ENDPOINT is set; the service is the one whose worker module runs, unless named."""
    service = service or logs.service_of_main()
    logs.configure(service, "worker")
    tracing.configure(service, "worker")


def _wait_for_topics(config: Config, stopping: threading.Event, stall: Stall) -> None:
    while not stopping.is_set():
        try:
            ensure_topics(config)
            stall.progressed()
            return
        except KafkaError as exc:
            stall.failing(f"waiting for the broker: {exc}")
            log.warning("waiting for the broker: %s", exc)
            stopping.wait(1.0)


def _repeat(task: Periodic, stopping: threading.Event) -> None:
    """Run the task every so often, each round the root of a trace of its own, so the events it makes are followed."""
    while not stopping.wait(task.every_seconds):
        try:
            with tracing.Span(task.name):
                task.run()
        except (KafkaError, PyMongoError) as exc:
            log.warning("%s failed, will try again: %s", task.name, exc)
        except Exception:  # a periodic task must keep running whatever one round does
            log.exception("%s failed, will try again", task.name)


def _serve_health(config: Config, health: Health, host: str):
    """The health endpoint on METRICS_PORT, if set; a port already taken is logged, and the worker goes on."""
    if config.metrics_port is None:
        return None
    try:
        return serve_health(health, config.metrics_port, host)
    except OSError as exc:
        log.error("cannot serve /healthz on %s:%d: %s", host, config.metrics_port, exc)
        return None


def run_worker(config: Config, outbox: Iterable[Collection], subscription: Subscription | None = None,
               periodic: Iterable[Periodic] = (), stall_threshold_seconds: float = STALL_THRESHOLD_SECONDS) -> None:
    """Run until SIGTERM or SIGINT, then stop every part cleanly; /healthz says 503 while a part is stalled."""
    stopping = threading.Event()
    publisher = Publisher(config)
    relay = OutboxRelay(outbox, publisher, interval_seconds=config.outbox_poll_ms / 1000)
    relay.ensure_indexes()
    loop = ConsumeLoop(config, subscription, publisher) if subscription else None
    startup = Stall()
    stalls = {"startup": startup, "outbox": relay.stall, **({"consume": loop.stall} if loop else {})}
    server = _serve_health(config, Health(stalls, stall_threshold_seconds), config.metrics_host)

    def stop(signum, frame) -> None:
        log.info("stopping on signal %s", signum)
        stopping.set()
        relay.stop()
        if loop:
            loop.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _wait_for_topics(config, stopping, startup)
    threads = [threading.Thread(target=relay.run, name="outbox-relay", daemon=True)]
    threads += [threading.Thread(target=_repeat, args=(task, stopping), name=task.name, daemon=True) for task in periodic]
    for thread in threads:
        thread.start()
    if loop:
        loop.run()
    else:
        stopping.wait()
    for thread in threads:
        thread.join(timeout=5)
    publisher.close()
    if server is not None:
        server.shutdown()
    log.info("stopped")
