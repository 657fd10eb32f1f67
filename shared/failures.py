"""Which failures pass by themselves and which never will: the one place the consume loop and the worker ask."""
from __future__ import annotations

from enum import Enum

import requests
from kafka.errors import KafkaError
from marshmallow import ValidationError
from pymongo.errors import ConnectionFailure, ExecutionTimeout, PyMongoError, WTimeoutError

from shared.directory import DirectoryUnavailable
from shared.events import InvalidEvent, MalformedEvent
from shared.mongo import VersionConflict


class Failure(str, Enum):
    """How to treat a failed attempt at handling a message."""

    TRANSIENT = "transient"    # something we depend on is away: retry, with backoff, for as long as it takes
    PERMANENT = "permanent"    # the message itself cannot be handled: dead-letter at once
    UNEXPECTED = "unexpected"  # a bug, most likely: retry a few times, then treat as permanent for this message


_PERMANENT = (MalformedEvent, InvalidEvent, ValidationError)
_TRANSIENT = (ConnectionFailure, ExecutionTimeout, WTimeoutError, DirectoryUnavailable, VersionConflict,
              requests.ConnectionError, requests.Timeout)
_RETRYABLE_LABELS = ("RetryableWriteError", "TransientTransactionError")


def classify(error: BaseException) -> Failure:
    """Transient for an unavailable database, broker or service; permanent for an unreadable event."""
    if isinstance(error, _PERMANENT):
        return Failure.PERMANENT
    if isinstance(error, _TRANSIENT):
        return Failure.TRANSIENT
    if isinstance(error, PyMongoError):
        return Failure.TRANSIENT if any(error.has_error_label(label) for label in _RETRYABLE_LABELS) \
            else Failure.UNEXPECTED
    if isinstance(error, KafkaError):
        return Failure.TRANSIENT if error.retriable else Failure.UNEXPECTED
    if isinstance(error, requests.RequestException):  # an OSError too, but a bad URL is no outage
        return Failure.UNEXPECTED
    if isinstance(error, (OSError, TimeoutError)):
        return Failure.TRANSIENT
    return Failure.UNEXPECTED


def backoff(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait after the given failed attempt (1, 2, ...): doubling from base, never above cap."""
    return min(cap, base * 2 ** min(attempt - 1, 30))
