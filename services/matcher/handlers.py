"""Use cases and event handlers of the matcher; the table at the bottom routes events to them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable

from shared.clock import to_iso
from shared.config import Config
from shared.errors import Conflict, NotFound
from shared.events import Change, Event
from shared.mongo import retrying
from services.matcher import lifecycle
from services.matcher.index import CandidateIndex, NeedIndex
from services.matcher.model import (IDLE, Load, NeedView, OfferView, alternatives_per_match, eligible, rank,
                                    scarcest_first, wave)
from services.matcher.repository import MatcherRepository

FAIRNESS_WINDOW = timedelta(days=30)
HOLD_LEASE = timedelta(minutes=10)  # how long a confirmation under way may hold its slots before it counts as lost


@dataclass
class Matching:
    """The worker's state: the read model in MongoDB and the in-memory indexes kept in step with it."""

    repo: MatcherRepository
    config: Config
    clock: Callable[[], datetime]
    offers: CandidateIndex = field(default_factory=CandidateIndex)
    needs: NeedIndex = field(default_factory=NeedIndex)

    def rebuild(self) -> None:
        """Replace the indexes with fresh ones filled from the read model (whenever this worker takes over)."""
        offers, needs = CandidateIndex(), NeedIndex()
        for data in self.repo.open_offers():
            offers.upsert(OfferView.from_data(data))
        for data in self.repo.open_needs():
            needs.upsert(NeedView.from_data(data))
        self.offers, self.needs = offers, needs

    @property
    def ttl(self) -> timedelta:
        return timedelta(hours=self.config.proposal_ttl_hours)


def _save(repo: MatcherRepository, change: Change) -> dict[str, Any]:
    return repo.matches.save(change.doc, change.events) if change.events else change.doc


def _cancel_live(matches: list[dict[str, Any]], reason: str, m: Matching) -> None:
    for match in matches:
        def cancel(match_id: str = match["_id"]) -> None:
            _save(m.repo, lifecycle.cancel(m.repo.matches.get(match_id), reason, m.clock()))
        retrying(cancel)


def _history(m: Matching, ids: list[str], since: str) -> tuple[dict[str, Load], dict[str, int]]:
    """Each offer's current load and its recent proposals, from one query over its matches."""
    loads = {i: IDLE for i in ids}
    recent = {i: 0 for i in ids}
    for x in m.repo.matches_of_offers(ids):
        load = loads[x["offer_id"]]
        if x["status"] in lifecycle.LIVE:
            load = Load(load.active + 1, load.open_proposals + (x["status"] == lifecycle.PROPOSED))
        loads[x["offer_id"]] = load
        recent[x["offer_id"]] += x["created_at"] >= since
    return loads, recent


def _eligible_offers(need: NeedView, m: Matching, today: date) -> list[OfferView]:
    """The open offers that break none of the need's hard rules."""
    return [o for o in m.offers.candidates(need) if eligible(o, need, today)]


def run_wave(need_id: str, m: Matching, candidates: list[OfferView] | None = None) -> int:
    """Propose the need's open slots to the best candidates not yet asked; returns how many were proposed.

    A need that confirmed matches have filled gets its proposals still open cancelled instead. The caller may
    pass the need's eligible offers when it has them already.
    """
    need = m.needs.get(need_id)
    if need is None:
        return 0
    matches = m.repo.matches_for_need(need_id)
    if sum(x["slots"] for x in matches if x["status"] == lifecycle.CONFIRMED) >= need.volunteers_needed:
        _cancel_live([x for x in matches if x["status"] == lifecycle.PROPOSED], "need_filled", m)
        return 0
    open_slots = need.volunteers_needed - sum(x["slots"] for x in matches if x["status"] in lifecycle.LIVE)
    if open_slots <= 0:
        return 0
    now = m.clock()
    today = now.date()
    if candidates is None:
        candidates = _eligible_offers(need, m, today)
    m.repo.record_candidates(need.id, len(candidates))
    if not candidates:
        return 0
    ids = [o.id for o in candidates]
    loads, recent = _history(m, ids, to_iso(now - FAIRNESS_WINDOW))
    elsewhere = {o.id: alternatives_per_match(m.needs.demand(o, today), o, loads[o.id]) for o in candidates}
    ranked = rank(need, candidates, recent, today, elsewhere)
    by_id = {c.offer_id: c for c in ranked}
    chosen = wave(need, ranked, open_slots, {x["offer_id"] for x in matches}, loads,
                  {o.id: o for o in candidates}, m.config.max_open_proposals_per_volunteer)
    proposed = 0
    for offer_id, slots in chosen:
        candidate = by_id[offer_id]
        change = lifecycle.propose(need.id, need.organisation_id, offer_id, slots, candidate.score,
                                   candidate.reasons, now, m.ttl)
        proposed += m.repo.insert_match(change.doc, change.events) is not None
    return proposed


def _refill_needs_of(offer: OfferView, m: Matching, skip: str | None = None) -> None:
    """Run waves for the open needs this offer is eligible for (others cannot gain from it), scarcest first."""
    today = m.clock().date()
    fitting = [need for need in m.needs.needs_for(offer) if need.id != skip and eligible(offer, need, today)]
    if not fitting:
        return
    live = m.repo.live_slots_of_needs([need.id for need in fitting])
    candidates = {need.id: _eligible_offers(need, m, today) for need in fitting}
    supply = {need_id: len(offers) for need_id, offers in candidates.items()}
    open_slots = {need.id: need.volunteers_needed - live.get(need.id, 0) for need in fitting}
    for need in scarcest_first(fitting, supply, open_slots):
        run_wave(need.id, m, candidates[need.id])


def on_offer_event(event: Event, m: Matching) -> None:
    """Keep the read model and index in step; a withdrawn offer's matches are cancelled and refilled."""
    if not m.repo.upsert_offer(event.data):
        return
    offer = OfferView.from_data(event.data)
    m.offers.upsert(offer)
    if offer.status != "open":
        live = [x for x in m.repo.matches_for_offer(offer.id) if x["status"] in lifecycle.LIVE]
        _cancel_live(live, "offer_withdrawn", m)
        return
    _refill_needs_of(offer, m)


def on_need_event(event: Event, m: Matching) -> None:
    """Keep the read model and index in step; a closed need's matches are cancelled."""
    if not m.repo.upsert_need(event.data):
        return
    need = NeedView.from_data(event.data)
    m.needs.upsert(need)
    if need.status != "open":
        live = [x for x in m.repo.matches_for_need(need.id) if x["status"] in lifecycle.LIVE]
        _cancel_live(live, "need_closed", m)
        return
    run_wave(need.id, m)


def on_match_event(event: Event, m: Matching) -> None:
    """A slot or a volunteer's capacity was freed or taken: refill (or trim) the need, and the volunteer's other needs."""
    run_wave(event.data["need_id"], m)
    offer = m.offers.get(event.data["offer_id"])
    if offer is not None:
        _refill_needs_of(offer, m, skip=event.data["need_id"])


def expire_due(repo: MatcherRepository, now: datetime) -> int:
    """Expire the proposals whose answer time ran out; returns how many."""
    expired = 0
    for match in repo.proposals_expiring_before(to_iso(now)):
        def expire(match_id: str = match["_id"]) -> bool:
            change = lifecycle.expire(repo.matches.get(match_id), now)
            _save(repo, change)
            return bool(change.events)
        expired += retrying(expire)
    return expired


def respond(match_id: str, role: str, accepted: bool, repo: MatcherRepository, now: datetime,
            ttl: timedelta) -> dict[str, Any]:
    """A volunteer or organisation answers a proposal; racing answers end in one consistent state.

    A confirmation first holds its slots in the need's capacity record (a guarded write, so two confirmations
    cannot both take the last slot), then saves the match; the hold is given back when that save fails.
    """
    def answer() -> dict[str, Any]:
        match = get_match(match_id, repo)
        change = lifecycle.accept(match, role, now, ttl) if accepted else lifecycle.decline(match, role, now)
        if not lifecycle.confirms(change):
            return _save(repo, change)
        held = retrying(lambda: _hold_slots(repo, match, now))
        try:
            return _save(repo, change)
        except Exception:
            if held:
                retrying(lambda: _release_slots(repo, match))
            raise
    return retrying(answer)


def _hold_slots(repo: MatcherRepository, match: dict[str, Any], now: datetime) -> bool:
    """Hold the match's slots in its need's capacity record (True when this call added the hold), or Conflict
    when the need is full or no longer open. The record is read before the need's matches and written only
    if unchanged since, so a confirmation saved meanwhile is always seen by one side or the other."""
    need = repo.need(match["need_id"])
    if need is None or need.get("status") != "open":
        raise Conflict("This need is no longer open.")
    capacity = repo.capacity(match["need_id"])
    states = repo.match_states(match["need_id"])
    held = lifecycle.hold_slots(capacity, states, match, need["volunteers_needed"], now, HOLD_LEASE)
    if not _holds(held, match["_id"]) or _holds(capacity, match["_id"]):
        return False
    repo.save_capacity(held)
    return True


def _holds(capacity: dict[str, Any], match_id: str) -> bool:
    return any(h["match_id"] == match_id for h in capacity["holds"])


def _release_slots(repo: MatcherRepository, match: dict[str, Any]) -> None:
    """Give back the hold of a confirmation that was not saved."""
    repo.save_capacity(lifecycle.release_slots(repo.capacity(match["need_id"]), match["_id"]))


def get_match(match_id: str, repo: MatcherRepository) -> dict[str, Any]:
    """A match by id, or 404."""
    match = repo.matches.get(match_id)
    if match is None:
        raise NotFound("No such match.")
    return match


EVENT_HANDLERS: dict[str, Callable[[Event, Matching], None]] = {
    "offer.published": on_offer_event,
    "offer.updated": on_offer_event,
    "offer.withdrawn": on_offer_event,
    "need.published": on_need_event,
    "need.updated": on_need_event,
    "need.closed": on_need_event,
    "match.confirmed": on_match_event,
    "match.declined": on_match_event,
    "match.expired": on_match_event,
    "match.cancelled": on_match_event,
}
