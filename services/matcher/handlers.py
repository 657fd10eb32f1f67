"""Use cases and event handlers of the matcher; the table at the bottom routes events to them."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, Callable

from shared.clock import to_iso
from shared.config import Config
from shared.errors import Conflict, NotFound
from shared.events import Change, Event, InvalidEvent
from shared.mongo import retrying
from shared.timeslots import oslo_date
from services.matcher import lifecycle
from services.matcher.index import CandidateIndex, NeedIndex
from services.matcher.model import (IDLE, OPEN, Load, NeedView, OfferView, alternatives_per_match, eligible,
                                    not_to_ask, rank, scarcest_first, surplus_proposals, wave)
from services.matcher.repository import MatcherRepository

log = logging.getLogger(__name__)

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
    unreadable: list[str] = field(default_factory=list)

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


def _save(repo: MatcherRepository, change: Change) -> dict[str, Any]:
    return repo.matches.save(change.doc, change.events) if change.events else change.doc


def _cancel_once(m: Matching, match_id: str, reason: str) -> None:
    _save(m.repo, lifecycle.cancel(m.repo.matches.get(match_id), reason, m.clock()))


def cancel_match(m: Matching, match_id: str, reason: str) -> None:
    """Cancel a live match (a match no longer live is left as it is), again if another writer got there first."""
    retrying(partial(_cancel_once, m, match_id, reason))


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


def _trim(need: NeedView, matches: list[dict[str, Any]], m: Matching) -> bool:
    """Cancel proposals a need no longer has room for; True when it has none left to fill.

    A need that confirmed matches have filled has its open proposals cancelled; one whose volunteers_needed was
    lowered below its live matches loses its newest proposals first. Confirmed matches are never taken back.
    """
    proposed = [x for x in matches if x["status"] == lifecycle.PROPOSED]
    confirmed = sum(x["slots"] for x in matches if x["status"] == lifecycle.CONFIRMED)
    if confirmed >= need.volunteers_needed:
        for match in proposed:
            cancel_match(m, match["_id"], "need_filled")
        return True
    for match in surplus_proposals(proposed, need.volunteers_needed - confirmed):
        cancel_match(m, match["_id"], "need_reduced")
    return False


def run_wave(need_id: str, m: Matching, candidates: list[OfferView] | None = None) -> int:
    """Bring the need's proposals in line with its free slots: trim what is too many (see _trim), then propose
    the open slots to the best candidates not yet asked; returns how many were proposed.

    Idempotent by outcome: it works from the stored matches, so running it again proposes only what is still
    missing. The caller may pass the need's eligible offers when it has them already.
    """
    need = m.needs.get(need_id)
    if need is None:
        return 0
    matches = m.repo.matches_for_need(need_id)
    if _trim(need, matches, m):
        return 0
    open_slots = need.volunteers_needed - sum(x["slots"] for x in matches if x["status"] in lifecycle.LIVE)
    if open_slots <= 0:
        return 0
    now = m.clock()
    today = oslo_date(now)
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
    offers = {o.id: o for o in candidates}
    chosen = wave(need, ranked, open_slots, not_to_ask(matches, need, offers), loads, offers,
                  m.config.max_open_proposals_per_volunteer)
    proposed = 0
    for offer_id, slots in chosen:
        candidate = by_id[offer_id]
        change = lifecycle.propose(need.id, need.organisation_id, offer_id, slots, candidate.score,
                                   candidate.reasons, now, m.ttl, need_version=need.version,
                                   offer_version=offers[offer_id].version)
        proposed += m.repo.insert_match(change.doc, change.events) is not None
    return proposed


def _refill_needs_of(offer: OfferView, m: Matching, skip: str | None = None) -> None:
    """Run waves for the open needs this offer is eligible for (others cannot gain from it), scarcest first."""
    today = m.today()
    fitting = [need for need in m.needs.needs_for(offer) if need.id != skip and eligible(offer, need, today)]
    if not fitting:
        return
    live = m.repo.live_slots_of_needs([need.id for need in fitting])
    candidates = {need.id: _eligible_offers(need, m, today) for need in fitting}
    supply = {need_id: len(offers) for need_id, offers in candidates.items()}
    open_slots = {need.id: need.volunteers_needed - live.get(need.id, 0) for need in fitting}
    for need in scarcest_first(fitting, supply, open_slots):
        run_wave(need.id, m, candidates[need.id])


def settle_offer(offer: OfferView, m: Matching) -> None:
    """What should follow from an offer as stored: one no longer open has no live matches; an open one is
    proposed where it fits and is still missing."""
    if offer.status != OPEN:
        for match in m.repo.live_matches_of_offer(offer.id):
            cancel_match(m, match["_id"], "offer_withdrawn")
        return
    _refill_needs_of(offer, m)


def settle_need(need: NeedView, m: Matching) -> None:
    """What should follow from a need as stored: one no longer open has no live matches; an open one has its
    free slots proposed and no more proposals than it has room for."""
    if need.status != OPEN:
        for match in m.repo.live_matches_of_need(need.id):
            cancel_match(m, match["_id"], "need_closed")
        return
    run_wave(need.id, m)


def on_offer_event(event: Event, m: Matching) -> None:
    """Read the event whole (unreadable data is refused before anything is stored), keep the newest version in
    the read model, then act on the offer as stored: a redelivered or replayed event repeats only what is
    still missing."""
    read_offer(event.data)
    m.repo.upsert_offer(event.data)
    offer = read_offer(m.repo.offer(event.data["id"]))
    m.offers.upsert(offer)
    settle_offer(offer, m)


def on_need_event(event: Event, m: Matching) -> None:
    """As on_offer_event, for a need."""
    read_need(event.data)
    m.repo.upsert_need(event.data)
    need = read_need(m.repo.need(event.data["id"]))
    m.needs.upsert(need)
    settle_need(need, m)


def on_match_event(event: Event, m: Matching) -> None:
    """A slot or a volunteer's capacity was freed or taken: refill (or trim) the need, and the volunteer's other needs."""
    need_id, offer_id = event.data.get("need_id"), event.data.get("offer_id")
    if not isinstance(need_id, str) or not isinstance(offer_id, str):
        raise InvalidEvent(f"match event {event.id} names no need_id and offer_id")
    run_wave(need_id, m)
    offer = m.offers.get(offer_id)
    if offer is not None:
        _refill_needs_of(offer, m, skip=need_id)


def _orphan_reason(match: dict[str, Any], m: Matching) -> str | None:
    """Why a live match should not be live any more (its offer or need is not open in the read model), or None."""
    for kind, index, stored, reason in (("offer", m.offers, m.repo.offer, "offer_withdrawn"),
                                        ("need", m.needs, m.repo.need, "need_closed")):
        if index.get(match[f"{kind}_id"]) is None:
            doc = stored(match[f"{kind}_id"])
            if doc is None or doc.get("status") != OPEN:
                return reason
    return None


def reconcile(m: Matching) -> int:
    """Repair from stored state whatever lost or half-handled events left undone; returns the proposals made.

    Live matches of offers or needs no longer open are cancelled, and every open need whose live matches are not
    its volunteers_needed gets its wave (which also trims a surplus). The handlers make the same things happen
    sooner; this makes sure they happen.
    """
    for match in m.repo.live_matches():
        reason = _orphan_reason(match, m)
        if reason:
            cancel_match(m, match["_id"], reason)
    needs = m.needs.all()
    live = m.repo.live_slots_of_needs([need.id for need in needs])
    return sum(run_wave(need.id, m) for need in needs if live.get(need.id, 0) != need.volunteers_needed)


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
