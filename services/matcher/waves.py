"""Waves: the worker's state (read model and in-memory indexes) and how a need's free slots are proposed.

Everything here works from stored state, so running it again proposes only what is still missing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, Callable

from shared.clock import to_iso
from shared.config import Config
from shared.events import Change, InvalidEvent
from shared.metrics import CANDIDATE_INDEX_REBUILD, watch_candidate_index
from shared.mongo import retrying
from shared.timeslots import oslo_date
from services.matcher import lifecycle
from services.matcher.index import CandidateIndex, NeedIndex
from services.matcher.model import (IDLE, Load, NeedView, OfferView, alternatives_per_match, answer_time, eligible,
                                    not_to_ask, rank, scarcest_first, surplus_proposals, wave)
from services.matcher.repository import MatcherRepository

log = logging.getLogger(__name__)

FAIRNESS_WINDOW = timedelta(days=30)


@dataclass
class Matching:
    """The worker's state: the read model in MongoDB and the in-memory indexes kept in step with it."""

    repo: MatcherRepository
    config: Config
    clock: Callable[[], datetime]
    offers: CandidateIndex = field(default_factory=CandidateIndex)
    needs: NeedIndex = field(default_factory=NeedIndex)
    unreadable: list[str] = field(default_factory=list)

    @CANDIDATE_INDEX_REBUILD.time()
    def rebuild(self) -> None:
        """Replace the indexes with fresh ones filled from the read model (whenever this worker takes over).

        A stored document that cannot be read is left out and named in `unreadable` (and the log), rather than
        stopping every match.
        """
        offers, needs, unreadable = CandidateIndex(), NeedIndex(), []
        for index, read, documents in ((offers, read_offer, self.repo.open_offers()),
                                       (needs, read_need, self.repo.open_needs())):
            for data in documents:
                try:
                    index.upsert(read(data))
                except InvalidEvent as exc:
                    log.error("left out of the index: %s", exc)
                    unreadable.append(str(data.get("_id")))
        self.offers, self.needs, self.unreadable = offers, needs, unreadable
        watch_candidate_index(lambda: len(self.offers))

    def release(self) -> None:
        """Let the indexes go when another worker takes over: a standby holds no offers (its gauge says 0)."""
        self.offers, self.needs, self.unreadable = CandidateIndex(), NeedIndex(), []

    @property
    def ttl(self) -> timedelta:
        return timedelta(hours=self.config.proposal_ttl_hours)

    def today(self) -> date:
        """Today's date in Oslo, which every date rule counts from."""
        return oslo_date(self.clock())


def read_offer(data: dict[str, Any]) -> OfferView:
    """The offer an event or stored document describes; InvalidEvent when it cannot be read."""
    try:
        return OfferView.from_data(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidEvent(f"offer {data.get('id')!r} cannot be read: {exc}") from exc


def read_need(data: dict[str, Any]) -> NeedView:
    """The need an event or stored document describes; InvalidEvent when it cannot be read."""
    try:
        return NeedView.from_data(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidEvent(f"need {data.get('id')!r} cannot be read: {exc}") from exc


def save_change(repo: MatcherRepository, change: Change) -> dict[str, Any]:
    """Save a changed match with its events; an unchanged one as it is."""
    return repo.matches.save(change.doc, change.events) if change.events else change.doc


def _cancel_once(m: Matching, match_id: str, reason: str, only_proposed: bool) -> None:
    match = m.repo.matches.get(match_id)
    if only_proposed and match["status"] != lifecycle.PROPOSED:
        return
    save_change(m.repo, lifecycle.cancel(match, reason, m.clock()))


def cancel_match(m: Matching, match_id: str, reason: str, only_proposed: bool = False) -> None:
    """Cancel a live match (one no longer live is left as it is), again if another writer got there first.

    With only_proposed, a match confirmed meanwhile (by an answer in the API) is left as it is: the decision to
    cancel was taken on an older read, and an agreement is never taken back for a proposal's reasons.
    """
    retrying(partial(_cancel_once, m, match_id, reason, only_proposed))


def _history(m: Matching, ids: list[str], since: str) -> tuple[dict[str, Load], dict[str, int]]:
    """Each offer's current load and its recent proposals, from one query over its matches (and one for the needs
    its assignments served to the end: those no longer take the volunteer's time)."""
    loads = {i: IDLE for i in ids}
    recent = {i: 0 for i in ids}
    matches = m.repo.matches_of_offers(ids)
    over = m.repo.needs_over({x["need_id"] for x in matches if x["status"] == lifecycle.CONFIRMED})
    today = m.today().isoformat()
    for x in matches:
        load = loads[x["offer_id"]]
        if x["status"] in lifecycle.LIVE:  # a one-off stand-in asks for an answer but takes no standing place
            served = lifecycle.is_done(x, today, "over" if x["need_id"] in over else None)
            load = Load(load.active + (not x.get("for_date") and not served),
                        load.open_proposals + (x["status"] == lifecycle.PROPOSED))
        loads[x["offer_id"]] = load
        recent[x["offer_id"]] += x["created_at"] >= since
    return loads, recent


def eligible_offers(need: NeedView, m: Matching, today: date) -> list[OfferView]:
    """The open offers that break none of the need's hard rules."""
    return [o for o in m.offers.candidates(need) if eligible(o, need, today)]


def _trim(need: NeedView, matches: list[dict[str, Any]], m: Matching) -> bool:
    """Cancel proposals a need no longer has room for; True when it has none left to fill.

    A need that confirmed matches have filled has its open proposals cancelled; one whose volunteers_needed was
    lowered below its live matches loses its unanswered proposals first, newest first (see surplus_proposals).
    Confirmed matches are never taken back.
    """
    proposed = [x for x in matches if x["status"] == lifecycle.PROPOSED]
    confirmed = sum(x["slots"] for x in matches if x["status"] == lifecycle.CONFIRMED)
    if confirmed >= need.volunteers_needed:
        for match in proposed:
            cancel_match(m, match["_id"], "need_filled", only_proposed=True)
        return True
    for match in surplus_proposals(proposed, need.volunteers_needed - confirmed):
        cancel_match(m, match["_id"], "need_reduced", only_proposed=True)
    return False


def run_wave(need_id: str, m: Matching, candidates: list[OfferView] | None = None,
             matches: list[dict[str, Any]] | None = None) -> int:
    """Bring the need's proposals in line with its free slots: trim what is too many (see _trim), then propose
    the open slots to the best candidates not yet asked; returns how many were proposed.

    Idempotent by outcome: it works from the stored matches, so running it again proposes only what is still
    missing. The caller may pass the need's eligible offers, or its matches as just read, when it has them.
    """
    need = m.needs.get(need_id)
    if need is None:
        return 0
    if matches is None:
        matches = m.repo.matches_for_need(need_id)
    standing = [x for x in matches if not lifecycle.is_stand_in(x)]
    if _trim(need, standing, m):
        return 0
    open_slots = need.volunteers_needed - sum(x["slots"] for x in standing if x["status"] in lifecycle.LIVE)
    if open_slots <= 0:
        return 0
    now = m.clock()
    window = answer_time(need.schedule, now, m.ttl)
    if not window:
        return 0
    if candidates is None:
        candidates = eligible_offers(need, m, oslo_date(now))
    m.repo.record_candidates(need.id, len(candidates))
    offers = {o.id: o for o in candidates}
    asked = not_to_ask(standing, need, offers) | turned_down(matches)
    return propose_wave(need, candidates, open_slots, asked, matches, m, window)


def turned_down(matches: list[dict[str, Any]]) -> set[str]:
    """The offers whose pair with the need was declined or ended, in any of its matches (a stand-in's too): they
    are never asked for it again."""
    return {x["offer_id"] for x in matches if x["status"] in (lifecycle.DECLINED, lifecycle.ENDED)}


def stood_in_before(matches: list[dict[str, Any]]) -> set[str]:
    """The offers that have stood in for one of the need's dates: they know the place (and the resident)."""
    done = (lifecycle.CONFIRMED, lifecycle.ENDED)
    return {x["offer_id"] for x in matches if lifecycle.is_stand_in(x) and x["status"] in done}


def propose_wave(need: NeedView, candidates: list[OfferView], open_slots: int, asked: set[str],
                 matches: list[dict[str, Any]], m: Matching, window: timedelta,
                 stand_in: dict[str, str] | None = None) -> int:
    """Propose the open slots to the best candidates not asked: ranked by score, except that those who stood in
    for this need before come first (continuity); returns how many were proposed."""
    if not candidates:
        return 0
    now = m.clock()
    today = oslo_date(now)
    loads, recent = _history(m, [o.id for o in candidates], to_iso(now - FAIRNESS_WINDOW))
    elsewhere = {o.id: alternatives_per_match(m.needs.demand(o, today), o, loads[o.id]) for o in candidates}
    known = stood_in_before(matches)
    ranked = sorted(rank(need, candidates, recent, today, elsewhere), key=lambda c: c.offer_id not in known)
    by_id = {c.offer_id: c for c in ranked}
    offers = {o.id: o for o in candidates}
    chosen = wave(need, ranked, open_slots, asked, loads, offers, m.config.max_open_proposals_per_volunteer)
    proposed = 0
    for offer_id, slots in chosen:
        candidate = by_id[offer_id]
        change = lifecycle.propose(need.id, need.organisation_id, offer_id, slots, candidate.score,
                                   candidate.reasons, now, window, need_version=need.version,
                                   offer_version=offers[offer_id].version, stand_in=stand_in)
        proposed += m.repo.insert_match(change.doc, change.events) is not None
    return proposed


def refill_needs_of(offer: OfferView, m: Matching, skip: str | None = None) -> None:
    """Run waves for the open needs this offer is eligible for (others cannot gain from it), scarcest first."""
    today = m.today()
    fitting = [need for need in m.needs.needs_for(offer) if need.id != skip and eligible(offer, need, today)]
    if not fitting:
        return
    live = m.repo.live_slots_of_needs([need.id for need in fitting])
    candidates = {need.id: eligible_offers(need, m, today) for need in fitting}
    supply = {need_id: len(offers) for need_id, offers in candidates.items()}
    open_slots = {need.id: need.volunteers_needed - live.get(need.id, 0) for need in fitting}
    for need in scarcest_first(fitting, supply, open_slots):
        run_wave(need.id, m, candidates[need.id])
