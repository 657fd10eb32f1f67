"""Instants are stored the same way everywhere: ISO 8601 strings in UTC, which sort as they compare."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


def to_iso(moment: datetime) -> str:
    """An aware datetime as the stored form: UTC, microseconds, '+00:00'."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def from_iso(text: str) -> datetime:
    """The stored form back as an aware datetime."""
    return datetime.fromisoformat(text)
