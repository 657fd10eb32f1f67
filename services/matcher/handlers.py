"""Use cases and event handlers of the matcher; the table at the bottom routes events to them."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, Callable

from shared import occurrences
from shared.clock import to_iso
from shared.errors import Conflict, NotFound
from shared.events import Event, InvalidEvent
from shared.mongo import retrying
from shared.timeslots import parse_schedule
from services.matcher import lifecycle, stand_ins
from services.matcher.model import MIN_ANSWER_TIME, OPEN, NeedView, OfferView, answer_time, eligible
from services.matcher.repository import MatcherRepository
from services.matcher.waves import (Matching, cancel_match, read_need, read_offer, refill_needs_of, run_wave,
                                    save_change)

HOLD_LEASE = timedelta(minutes=10)  # how long a confirmation under way may hold its slots before it counts as lost


def _cancel_unfit_proposals(matches: list[dict[str, Any]], m: Matching, reason: str) -> int:
    """Cancel the open proposals whose pair breaks a hard rule now that one side changed (a confirmed match is an
    agreement and stays); returns how many it set out to cancel."""
    today = m.today()
    unfit = [match for match in matches if match["status"] == lifecycle.PROPOSED and not _fits(match, m, today)]
    for match in unfit:
        cancel_match(m, match["_id"], reason, only_proposed=True)
    return len(unfit)


def _fits(match: dict[str, Any], m: Matching, today: date) -> bool:
    """Whether a match's pair still breaks no hard rule (a side the index does not hold is left to reconcile); a
    stand-in is held to the one date it covers."""
    offer, need = m.offers.get(match["offer_id"]), m.needs.get(match["need_id"])
    if offer is None or need is None:
        return True
    if lifecycle.is_stand_in(match):
        need = stand_ins.one_date(need, date.fromisoformat(match["for_date"]))
    return need is not None and eligible(offer, need, today)


def settle_offer(offer: OfferView, m: Matching) -> None:
    """What should follow from an offer as stored: one no longer open has no live matches; an open one keeps
    only proposals it still fits and is proposed where it fits and is still missing."""
    live = m.repo.live_matches_of_offer(offer.id)
    if offer.status != OPEN:
        today = m.today().isoformat()
        for match in live:
            if not lifecycle.is_done(match, today):
                cancel_match(m, match["_id"], "offer_withdrawn")
        return
    _cancel_unfit_proposals(live, m, "offer_changed")
    refill_needs_of(offer, m)


def settle_need(need: NeedView, m: Matching) -> None:
    """What should follow from a need as stored: one no longer open has no live matches but those it was served by
    (see lifecycle.is_done); an open one keeps only proposals that still fit, has its free slots proposed and no
    more proposals than it has room for."""
    matches = m.repo.matches_for_need(need.id)
    if need.status != OPEN:
        today, reason = m.today().isoformat(), (m.repo.need(need.id) or {}).get("close_reason")
        for match in matches:
            if match["status"] not in lifecycle.LIVE:
                continue
            if not lifecycle.is_done(match, today, reason):
                cancel_match(m, match["_id"], "need_closed")
            elif match["status"] == lifecycle.CONFIRMED and (offer := m.offers.get(match["offer_id"])):
                refill_needs_of(offer, m)  # served to its end, the assignment frees the volunteer's time
        return
    cancelled = _cancel_unfit_proposals(matches, m, "need_changed")
    run_wave(need.id, m, matches=None if cancelled else matches)  # read again only if this changed any


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
    """A slot or a volunteer's capacity was freed or taken: refill (or trim) the need and the volunteer's others;
    a stand-in who said no, or was not confirmed, hands the date on to the next candidate; a confirmed standing
    match takes over its volunteer's stand-in dates for the need (see stand_ins.fold_into)."""
    need_id, offer_id = event.data.get("need_id"), event.data.get("offer_id")
    if not isinstance(need_id, str) or not isinstance(offer_id, str):
        raise InvalidEvent(f"match event {event.id} names no need_id and offer_id")
    if event.type == "match.confirmed" and not event.data.get("stands_in_for"):
        stand_ins.fold_into(event.subject, m)
    run_wave(need_id, m)
    if event.type == "match.ended" and not event.data.get("stands_in_for"):
        for stand_in in m.repo.stand_ins_of(event.subject):  # the backfilled volunteer comes on those dates
            if stand_in["status"] == lifecycle.PROPOSED:
                cancel_match(m, stand_in["_id"], "assignment_ended", only_proposed=True)
    if event.data.get("stands_in_for"):
        for day in _cover(event.data["stands_in_for"], [event.data.get("for_date")], event):
            stand_ins.run_stand_in_wave(event.data["stands_in_for"], day, m)
    offer = m.offers.get(offer_id)
    if offer is not None:
        refill_needs_of(offer, m, skip=need_id)


def on_absence(event: Event, m: Matching) -> None:
    """The volunteer cannot come on a date, or on each date of a pause: someone is asked to stand in for each. A
    stand-in who cannot come after all hands their one date on."""
    if event.data.get("stands_in_for"):
        standing, days = event.data["stands_in_for"], [event.data.get("for_date")]
    else:
        standing = event.subject
        days = event.data.get("dates") if event.type == "match.paused" else [event.data.get("date")]
    for day in _cover(standing, days, event):
        stand_ins.run_stand_in_wave(standing, day, m)


def _cover(standing: object, days: object, event: Event) -> list[str]:
    """The dates an event asks stand-ins for, checked; InvalidEvent when it names none that can be read."""
    if not isinstance(standing, str) or not isinstance(days, list) or not all(isinstance(d, str) for d in days):
        raise InvalidEvent(f"match event {event.id} names no standing match and dates")
    return days


def _orphan_reason(match: dict[str, Any], m: Matching) -> str | None:
    """Why a live match should not be live any more (its offer or need is not open in the read model, and it is
    not one they were served by), or None."""
    for kind, index, stored, reason in (("offer", m.offers, m.repo.offer, "offer_withdrawn"),
                                        ("need", m.needs, m.repo.need, "need_closed")):
        if index.get(match[f"{kind}_id"]) is None:
            doc = stored(match[f"{kind}_id"])
            if doc is None or doc.get("status") != OPEN:
                closed = doc.get("close_reason") if doc and kind == "need" else None
                return None if lifecycle.is_done(match, m.today().isoformat(), closed) else reason
    return None


def reconcile(m: Matching) -> int:
    """Repair from stored state whatever lost or half-handled events left undone; returns the proposals made.

    Live matches of offers or needs no longer open are cancelled, a volunteer's stand-in dates that their standing
    match serves are folded into it, and every open need whose live matches are not its volunteers_needed gets its
    wave (which also trims a surplus). The handlers make the same things happen sooner; this makes sure they happen.
    """
    matches = m.repo.live_matches()
    for match in matches:
        reason = _orphan_reason(match, m)
        if reason:
            cancel_match(m, match["_id"], reason)
    for standing_id in sorted(stand_ins.held_twice(matches, m.today().isoformat())):
        stand_ins.fold_into(standing_id, m)
    needs = m.needs.all()
    live = m.repo.live_slots_of_needs([need.id for need in needs])
    proposed = sum(run_wave(need.id, m) for need in needs if live.get(need.id, 0) != need.volunteers_needed)
    absences = stand_ins.absences_ahead(m)
    return proposed + sum(stand_ins.run_stand_in_wave(match_id, day, m) for match_id, day in absences)


def _expire_once(repo: MatcherRepository, match_id: str, now: datetime) -> bool:
    change = lifecycle.expire(repo.matches.get(match_id), now)
    save_change(repo, change)
    return bool(change.events)


def expire_due(repo: MatcherRepository, now: datetime) -> int:
    """Expire the proposals whose answer time ran out; returns how many."""
    return sum(retrying(partial(_expire_once, repo, match["_id"], now))
               for match in repo.proposals_expiring_before(to_iso(now)))


def respond(match_id: str, role: str, accepted: bool, repo: MatcherRepository, now: datetime,
            ttl: timedelta, certificate: dict[str, str] | None = None) -> dict[str, Any]:
    """A volunteer or organisation answers a proposal; racing answers end in one consistent state. An
    organisation's confirmation records the police certificate it saw, when the need asks for one.

    A confirmation first holds its slots in the need's capacity record (a guarded write, so two confirmations
    cannot both take the last slot), then saves the match; the hold is given back when that save fails. A
    stand-in takes none of the need's slots, so it holds none.
    """
    def answer() -> dict[str, Any]:
        match = get_match(match_id, repo)
        if accepted:
            change = lifecycle.accept(match, role, now, _answer_time(repo, match, now, ttl), certificate)
        else:
            change = lifecycle.decline(match, role, now)
        if not lifecycle.confirms(change) or lifecycle.is_stand_in(match):
            return save_change(repo, change)
        held = retrying(partial(_hold_slots, repo, match, now))
        try:
            return save_change(repo, change)
        except Exception:
            if held:
                retrying(partial(_release_slots, repo, match))
            raise
    return retrying(answer)


def _answer_time(repo: MatcherRepository, match: dict[str, Any], now: datetime, ttl: timedelta) -> timedelta:
    """The organisation's answer time once the volunteer accepts: as long as the volunteer had, or until the need
    starts (at least a moment, so the acceptance itself is never refused for it)."""
    need = repo.need(match["need_id"]) or {}
    served = occurrences.as_served(need.get("schedule"), match)  # a stand-in's one date
    schedule = parse_schedule(served) if served else None
    return answer_time(schedule, now, ttl) or min(ttl, MIN_ANSWER_TIME)


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
    "match.ended": on_match_event,
    "match.absence_reported": on_absence,
    "match.paused": on_absence,
}
