"""The one consume loop every service uses: poll, dispatch, commit after success, retry, dead-letter."""
from __future__ import annotations

import logging
import threading
import time
from typing import Mapping

from kafka import ConsumerRebalanceListener, KafkaConsumer, OffsetAndMetadata, TopicPartition
from kafka.errors import KafkaError

from shared import logs, tracing
from shared.config import Config
from shared.events import Event, dlq_topic, parse_event
from shared.failures import Failure, backoff, classify
from shared.kafka import Publisher, SingleActiveAssignor, Subscription
from shared.metrics import CONSUMER_LAG, EVENTS, HANDLER_SECONDS, RETRIES
from shared.worker_health import Stall

log = logging.getLogger(__name__)


def _reason(error: Exception) -> str:
    """An error as a log line gives it: its class and message, cut short."""
    return f"{type(error).__name__}: {error}"[:500]


def _traceback(error: Exception, failure: Failure) -> Exception | None:
    """The error whose traceback a log line carries: only an unexpected one (a bug) is worth its lines."""
    return error if failure is Failure.UNEXPECTED else None


class _Assignments(ConsumerRebalanceListener):
    """This member's partitions (None while it joins the group), and whether it was just handed some: the
    consume loop acts on that outside the consumer's I/O."""

    def __init__(self) -> None:
        self.current: frozenset[TopicPartition] | None = None
        self.fresh = threading.Event()
        self.released = threading.Event()  # the partitions this member held went to another
        self.held = False  # whether the last assignment gave this member partitions

    def on_partitions_revoked(self, revoked) -> None:
        """Nothing to hand over, as offsets are committed after each event; just note the rejoining."""
        self.current = None

    def on_partitions_assigned(self, assigned) -> None:
        had, self.current, self.held = self.held, frozenset(assigned), bool(assigned)
        if assigned:
            self.released.clear()  # handed back before the loop saw them go: the rebuild is all it needs
            self.fresh.set()
        elif had:
            self.released.set()


def _consumer(config: Config, subscription: Subscription, listener: ConsumerRebalanceListener,
              settings: Mapping[str, object]) -> KafkaConsumer:
    strategy = {"partition_assignment_strategy": (SingleActiveAssignor,)} if subscription.single_active else {}
    options = dict(enable_auto_commit=False, auto_offset_reset="earliest", session_timeout_ms=6000,
                   heartbeat_interval_ms=1500, max_poll_records=100,
                   fetch_max_wait_ms=config.kafka_fetch_max_wait_ms, **strategy)
    consumer = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers, group_id=subscription.group_id,
                             **{**options, **settings})
    consumer.subscribe(subscription.topics, listener=listener)
    return consumer


class ConsumeLoop:
    """Poll, dispatch, commit after success.

    A transient failure (see shared.failures) holds the partitions: paused, rewound to the failed record, nothing
    committed, polled all the while so the member keeps its place in the group, and tried again after a backoff
    that doubles up to max_backoff_seconds, for as long as it takes. A permanent failure goes to the dead-letter
    topic at once; an unexpected one after `attempts` tries. `stall` says since when the loop has made no progress.
    """

    def __init__(self, config: Config, subscription: Subscription, publisher: Publisher,
                 attempts: int = 3, backoff_seconds: float = 0.2, max_backoff_seconds: float = 30.0,
                 consumer_settings: Mapping[str, object] | None = None):
        self.config = config
        self.subscription = subscription
        self.publisher = publisher
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.consumer_settings = dict(consumer_settings or {})
        self.stopping = threading.Event()
        self.stall = Stall()
        self._assignments = _Assignments()
        self._failed: tuple[tuple[str, int, int], int] | None = None  # the record being retried, failed attempts
        self._idle_due = 0.0  # when on_idle runs next (monotonic seconds); at once after each new assignment
        self._lag_reported: set[TopicPartition] = set()

    @property
    def assigned(self) -> frozenset[TopicPartition] | None:
        """The partitions this member consumes now (empty while it stands by), or None while it joins."""
        return self._assignments.current

    def stop(self) -> None:
        """Ask the loop to finish the current message and return."""
        self.stopping.set()

    def run(self) -> None:
        """Consume until stopped; a lost broker connection rebuilds the consumer and goes on."""
        while not self.stopping.is_set():
            try:
                self._run_once()
            except KafkaError as exc:
                self.stall.failing(f"broker unavailable: {exc}")
                log.warning("consumer lost the broker (%s); reconnecting", exc)
                self.stopping.wait(1.0)

    def _run_once(self) -> None:
        self._assignments = assignments = _Assignments()
        consumer = _consumer(self.config, self.subscription, assignments, self.consumer_settings)
        log.info("consuming %s as group %s", self.subscription.topics, self.subscription.group_id)
        try:
            while not self.stopping.is_set():
                batches = consumer.poll(timeout_ms=500)
                if assignments.fresh.is_set():
                    assignments.fresh.clear()
                    self._failed = None
                    self._idle_due = 0.0
                    if not self._prepared_for_assignment():
                        return
                if assignments.released.is_set():
                    assignments.released.clear()
                    self._released()
                if assignments.current is None:
                    self.stall.waiting("not yet a member of the consumer group")
                elif self._failed is None:
                    self.stall.progressed()
                wait = self._consume(consumer, batches)
                self._report_lag(consumer)
                if wait is not None:
                    self._hold(consumer, wait)
                elif assignments.current:
                    self._idle()
        finally:
            self._report_lag(None)
            consumer.close(autocommit=False)
            if assignments.held:  # out of the group now: whoever is handed the partitions next holds them
                self._released()

    def _report_lag(self, consumer: KafkaConsumer | None) -> None:
        """Set each assigned partition's lag from the end offset the last fetch reported and the position; drop
        the partitions no longer assigned (none when the consumer is gone)."""
        group, reported = self.subscription.group_id, set()
        for tp in (consumer.assignment() if consumer is not None else ()):
            end = consumer.highwater(tp)
            position = consumer.position(tp, timeout_ms=100) if end is not None else None
            if position is not None:
                CONSUMER_LAG.labels(group, tp.topic, str(tp.partition)).set(max(0, end - position))
                reported.add(tp)
        for tp in self._lag_reported - reported:
            CONSUMER_LAG.remove(group, tp.topic, str(tp.partition))
        self._lag_reported = reported

    def _idle(self) -> None:
        """Run the subscription's on_idle when it is due, each round a trace of its own; a failing round is logged
        and tried at the next."""
        task = self.subscription.on_idle
        if task is None or time.monotonic() < self._idle_due:
            return
        self._idle_due = time.monotonic() + self.subscription.idle_every_seconds
        try:
            with tracing.Span(f"{self.subscription.group_id} between polls"):
                task()
        except Exception:  # a periodic repair must not stop the consuming; the next round tries again
            log.exception("the periodic task between polls failed; it runs again in %.0f s",
                          self.subscription.idle_every_seconds)

    def _released(self) -> None:
        """Run the subscription's on_released: what this member kept for its partitions is no longer its own."""
        if self.subscription.on_released is not None:
            try:
                self.subscription.on_released()
            except Exception:  # a standby's clean-up must not stop it standing by
                log.exception("letting go of the released partitions' state failed")

    def _prepared_for_assignment(self) -> bool:
        """Run the subscription's on_assigned; False (after a pause) when it failed, so the member rejoins."""
        if self.subscription.on_assigned is None:
            return True
        try:
            self.subscription.on_assigned()
            return True
        except Exception as exc:  # stale state must not handle events: leave the group and join again
            self.stall.failing(f"cannot prepare for the assigned partitions: {type(exc).__name__}: {exc}")
            log.exception("preparing for the assigned partitions failed; rejoining the group")
            self.stopping.wait(1.0)
            return False

    def _consume(self, consumer: KafkaConsumer, batches) -> float | None:
        """Handle and commit each record in turn; when one is to be tried again, rewind every partition of the
        batch to its first unhandled record and return how long to hold off."""
        pending = list(batches.items())
        for index, (tp, records) in enumerate(pending):
            for record in records:
                if self.stopping.is_set():
                    return None
                wait = self.attempt(record)
                if wait is not None:
                    consumer.seek(tp, record.offset)
                    for later, later_records in pending[index + 1:]:
                        consumer.seek(later, later_records[0].offset)
                    return wait
                consumer.commit({tp: OffsetAndMetadata(record.offset + 1, None, -1)})
        return None

    def _hold(self, consumer: KafkaConsumer, seconds: float) -> None:
        """Wait with every partition paused, polling so the group keeps this member, until the time is up, the
        loop stops or the assignment changes (a new assignment is prepared first, as always)."""
        consumer.pause(*consumer.assignment())
        deadline = time.monotonic() + seconds
        try:
            while not self.stopping.is_set() and not self._assignments.fresh.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                for tp, records in consumer.poll(timeout_ms=max(1, int(min(remaining, 0.5) * 1000))).items():
                    consumer.seek(tp, records[0].offset)  # assigned meanwhile: read again once prepared
        finally:
            consumer.resume(*consumer.paused())

    def process(self, record) -> None:
        """Handle one record to the end outside a consumer: try again while it should be, else dead-letter."""
        while (wait := self.attempt(record)) is not None and not self.stopping.wait(wait):
            pass

    def attempt(self, record) -> float | None:
        """Try one record once: None when it is done with (handled, not ours, or dead-lettered), else the
        seconds to wait before trying it again. A handler runs in a span of the event's trace, timed, and ends
        with one log line."""
        try:
            event = parse_event(record.value)
        except Exception as exc:  # a message that is no event at all is dead-lettered like any failure
            return self._failed_attempt(record, exc)
        handler = self.subscription.handlers.get(event.type)
        if handler is not None:
            group, started = self.subscription.group_id, time.perf_counter()
            attributes = {"messaging.system": "kafka", "messaging.destination.name": record.topic,
                          "messaging.consumer.group.name": group, "cloudevents.event_id": event.id,
                          "cloudevents.event_type": event.type, "cloudevents.event_subject": event.subject}
            span = tracing.Span(f"process {event.type}", tracing.CONSUMER, event.trace, attributes)
            with span:
                try:
                    handler(event)
                except Exception as exc:  # whatever a handler raises is classified, never allowed to stop the loop
                    span.failed(_reason(exc), exc)
                    return self._failed_attempt(record, exc, event, started)
                finally:
                    HANDLER_SECONDS.labels(group, record.topic, event.type).observe(time.perf_counter() - started)
                self._log(logging.INFO, record, event, "handled", started)
        EVENTS.labels(self.subscription.group_id, record.topic, "handled").inc()
        self._failed = None
        self.stall.progressed()
        return None

    def _log(self, level: int, record, event: Event | None, outcome: str, started: float | None,
             exc_info: Exception | None = None, **fields: object) -> None:
        """The event's log line: where it came from, what it is, what became of it and how long it took (with the
        traceback of an unexpected failure)."""
        line = {"group": self.subscription.group_id, "topic": record.topic, "partition": record.partition,
                "offset": record.offset, "outcome": outcome, **(logs.event_fields(event) if event else {}), **fields}
        if started is not None:
            line["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
        what = event.type if event else "message"
        logs.EVENTS.log(level, "%s %s[%d]@%d %s", what, record.topic, record.partition, record.offset, outcome,
                        exc_info=exc_info, extra=line)

    def _failed_attempt(self, record, error: Exception, event: Event | None = None,
                        started: float | None = None) -> float | None:
        key = (record.topic, record.partition, record.offset)
        attempts = self._failed[1] + 1 if self._failed and self._failed[0] == key else 1
        failure = classify(error)
        if failure is Failure.PERMANENT or (failure is Failure.UNEXPECTED and attempts >= self.attempts):
            try:
                self.dead_letter(record, error, attempts, failure)
            except KafkaError as exc:  # the dead-letter topic is out of reach too: keep the record for later
                failure, error = Failure.TRANSIENT, exc
            else:
                EVENTS.labels(self.subscription.group_id, record.topic, "dead_lettered").inc()
                self._log(logging.ERROR, record, event, "dead_lettered", started, _traceback(error, failure),
                          attempt=attempts, failure=failure.value, error=_reason(error))
                self._failed = None
                self.stall.progressed()
                return None
        RETRIES.labels(self.subscription.group_id, record.topic, failure.value).inc()
        self._failed = (key, attempts)
        wait = backoff(attempts, self.backoff_seconds, self.max_backoff_seconds)
        if failure is Failure.TRANSIENT:
            self.stall.failing(f"{record.topic}[{record.partition}]@{record.offset}: {type(error).__name__}: {error}")
        self._log(logging.WARNING, record, event, "retrying", started, _traceback(error, failure), attempt=attempts,
                  failure=failure.value, error=_reason(error), retry_in_seconds=round(wait, 1))
        return wait

    def dead_letter(self, record, error: Exception, attempts: int = 1, failure: Failure = Failure.PERMANENT) -> None:
        """Send the original message to <topic>.dlq with the error, its class (permanent, or unexpected: a bug
        that outlasted its tries) and its origin in headers."""
        headers = [
            ("error", f"{type(error).__name__}: {error}"[:1000].encode()),
            ("error_class", failure.value.encode()),
            ("attempts", str(attempts).encode()),
            ("origin_topic", record.topic.encode()),
            ("origin_partition", str(record.partition).encode()),
            ("origin_offset", str(record.offset).encode()),
            ("consumer_group", self.subscription.group_id.encode()),
        ]
        key = record.key.decode(errors="replace") if record.key else ""
        self.publisher.send_raw(dlq_topic(record.topic), key, record.value or b"", headers)
