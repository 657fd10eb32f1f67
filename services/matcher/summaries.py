"""What a request's match views tell each side of a match beyond the contract's view, fetched at most once per
request however many matches share a need or an organisation:

- to the volunteer and the organisation, the need's summary (title, description, district, schedule), asked of
  the needs service as a service, so also once the need is no longer public;
- to the organisation while a match waits for its confirmation, `certificate_seen_before`: the date it saw this
  volunteer's police certificate on an earlier match for the same need (a stand-in), which confirming without a
  date carries over (certificates.for_confirmation).

The remote calls and their caching live here, not in the views. Staff and services, who may read the need
themselves, get the contract's view alone. What the needs service cannot give now is left out, and once it does not
answer nothing more is asked of it in that request: a match view never fails for want of these.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from shared.directory import Directory, DirectoryUnavailable
from shared.timeslots import oslo_date
from services.matcher import certificates
from services.matcher.lifecycle import ORGANISATION, public_view, waiting_for
from services.matcher.repository import MatcherRepository

log = logging.getLogger(__name__)

UNKNOWN = object()  # an organisation's certificate limit the needs service could not give in this request


class NeedSummaries:
    """The needs a request's match views tell their sides of, each asked of the needs service once. A need it
    cannot give now has no summary; once it does not answer, no more are asked in that request."""

    FIELDS = ("title", "description", "district", "schedule")

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
        """The need's title, description, district and schedule, or None when it cannot be given now."""
        if need_id not in self.found and self.away:
            return None
        try:
            need = self.need(need_id)
        except DirectoryUnavailable as exc:
            log.warning("matches of need %s shown without its summary: %s", need_id, exc)
            return None
        return {k: need[k] for k in self.FIELDS if need.get(k) is not None} if need else None


class SideViews:
    """The match views of one request: the contract's view, with what each side is told besides (see the
    module's docstring)."""

    def __init__(self, repo: MatcherRepository, clients: Directory, now: datetime):
        self.repo, self.clients, self.today = repo, clients, oslo_date(now)
        self.summaries = NeedSummaries(clients)
        self.needs: dict[str, dict | None] = {}  # the matcher's read model of the needs
        self.limits: dict[str, Any] = {}  # organisation id -> its certificate limit in months, None, or UNKNOWN

    def of(self, match: dict[str, Any], side: str | None, matches: list[dict[str, Any]] | None = None) -> dict:
        """A match as `side` sees it (None: staff or a service). `matches`, when given, are a listing read already
        of all the matches of the match's need or of its offer: an earlier certificate is looked for among them."""
        view = public_view(match)
        if not side:
            return view
        summary = self.summaries.of(match["need_id"])
        seen_before = self.certificate_seen_before(match, matches) if side == ORGANISATION else None
        return {**view, **({"need": summary} if summary else {}),
                **({"certificate_seen_before": seen_before} if seen_before else {})}

    def certificate_seen_before(self, match: dict[str, Any], matches: list[dict[str, Any]] | None) -> str | None:
        """The date of the certificate the organisation's confirmation of this match would carry over if it gave
        none, while the match waits for that confirmation; None when there is none, or its limit is not known now."""
        if waiting_for(match) != ORGANISATION or not certificates.required(self._need(match["need_id"])):
            return None
        earlier = (certificates.earlier_certificate(matches, match) if matches is not None
                   else certificates.seen_before(self.repo, match))
        if earlier is None:
            return None
        limit = self._limit(match["organisation_id"])
        return None if limit is UNKNOWN else certificates.carried_over(earlier, limit, self.today)

    def _need(self, need_id: str) -> dict | None:
        if need_id not in self.needs:
            self.needs[need_id] = self.repo.need(need_id)
        return self.needs[need_id]

    def _limit(self, organisation_id: str) -> Any:
        """How old a certificate the organisation accepts (certificates.limit_of), asked of the needs service once;
        UNKNOWN while it cannot answer."""
        if organisation_id not in self.limits:
            try:
                if self.summaries.away:
                    raise DirectoryUnavailable("the needs service did not answer earlier in this request")
                self.limits[organisation_id] = certificates.limit_of(self.clients, organisation_id)
            except DirectoryUnavailable as exc:
                log.warning("matches of organisation %s shown without an earlier certificate: %s", organisation_id, exc)
                self.summaries.away = True
                self.limits[organisation_id] = UNKNOWN
        return self.limits[organisation_id]
