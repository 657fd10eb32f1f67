"""Which failures the consume loop waits out and which it dead-letters."""
from __future__ import annotations

import pytest
import requests
from kafka.errors import KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError
from marshmallow import ValidationError
from pymongo.errors import (AutoReconnect, ConnectionFailure, DuplicateKeyError, ExecutionTimeout, NetworkTimeout,
                            OperationFailure, ServerSelectionTimeoutError)

from shared.directory import DirectoryUnavailable
from shared.events import InvalidEvent, MalformedEvent
from shared.failures import Failure, backoff, classify
from shared.mongo import VersionConflict
from shared.worker_health import Stall


def _retryable_write_error() -> OperationFailure:
    return OperationFailure("not writable primary", 10107, {"errorLabels": ["RetryableWriteError"]})


@pytest.mark.parametrize("error", [
    AutoReconnect("primary stepped down"), ServerSelectionTimeoutError("no servers"), NetworkTimeout("slow"),
    ConnectionFailure("refused"), ExecutionTimeout("maxTimeMS"), _retryable_write_error(),
    KafkaTimeoutError("metadata"), KafkaConnectionError("gone"), ConnectionRefusedError("refused"),
    TimeoutError("slow"),
    DirectoryUnavailable("http://offers/offers/x: HTTP 503"), VersionConflict("matches/m1 changed"),
    requests.ConnectionError("refused"), requests.Timeout("slow"),
], ids=type)
def test_an_unavailable_database_broker_or_service_is_transient(error):
    assert classify(error) is Failure.TRANSIENT


@pytest.mark.parametrize("error", [
    MalformedEvent("not CloudEvents"), InvalidEvent("availability unreadable"), ValidationError({"x": ["bad"]}),
], ids=type)
def test_an_event_that_cannot_be_read_is_permanent(error):
    assert classify(error) is Failure.PERMANENT


@pytest.mark.parametrize("error", [
    KeyError("need_id"), TypeError("None is not subscriptable"), RuntimeError("bug"), ValueError("bad"),
    DuplicateKeyError("E11000"), OperationFailure("bad query"), MessageSizeTooLargeError(),
    requests.exceptions.InvalidURL("no host"),
], ids=type)
def test_anything_else_is_unexpected_and_tried_a_bounded_number_of_times(error):
    assert classify(error) is Failure.UNEXPECTED


def test_backoff_doubles_from_its_base_and_stops_at_its_cap():
    assert [backoff(n, 0.5, 30.0) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert backoff(10_000, 0.5, 30.0) == 30


def test_a_stall_dates_from_the_first_failure_and_ends_with_progress():
    stall = Stall()
    assert stall.stalled_for() == (0.0, "")
    stall.failing("database away")
    first, _ = stall.stalled_for()
    stall.failing("database still away")
    seconds, reason = stall.stalled_for()
    assert seconds >= first and reason == "database still away"
    stall.progressed()
    assert stall.stalled_for() == (0.0, "")
