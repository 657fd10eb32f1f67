"""What a request's match views tell each side of a match beyond the contract's view: its need's summary (title,
district and schedule), asked of the needs service as a service, so also once the need is no longer public.

The remote calls and their caching live here, not in the views: each need is asked once per request however many
matches share it, and once the needs service does not answer, nothing more is asked of it in that request, so a
match view never fails for want of a summary. Staff and services, who may read the need themselves, get the
contract's view alone.
"""
from __future__ import annotations

import logging
from typing import Any

from shared.directory import Directory, DirectoryUnavailable
from services.matcher.lifecycle import public_view

log = logging.getLogger(__name__)


class NeedSummaries:
    """The needs a request's match views tell their sides of, each asked of the needs service once. A need it
    cannot give now has no summary; once it does not answer, no more are asked in that request."""

    FIELDS = ("title", "district", "schedule")

    def __init__(self, clients: Directory):
        self.clients = clients
        self.found: dict[str, dict | None] = {}  # need id -> the need as the needs service gave it
        self.away = False

    def need(self, need_id: str) -> dict | None:
        """The whole need as the needs service gives a service (None: no such need), asked once in the request;
        DirectoryUnavailable while it cannot answer (and no more is asked of it in this request)."""
        if need_id not in self.found:
            try:
                self.found[need_id] = self.clients.need(need_id)
            except DirectoryUnavailable:
                self.away = True
                raise
        return self.found[need_id]

    def of(self, need_id: str) -> dict | None:
        """The need's title, district and schedule, or None when it cannot be given now."""
        if need_id not in self.found and self.away:
            return None
        try:
            need = self.need(need_id)
        except DirectoryUnavailable as exc:
            log.warning("matches of need %s shown without its summary: %s", need_id, exc)
            return None
        return {k: need[k] for k in self.FIELDS if need.get(k) is not None} if need else None


def side_view(match: dict[str, Any], side: str | None, summaries: NeedSummaries) -> dict[str, Any]:
    """A match as one of its sides sees it: the contract's view with its need's summary (staff and services, side
    None, get the view alone)."""
    summary = summaries.of(match["need_id"]) if side else None
    return {**public_view(match), "need": summary} if summary else public_view(match)
