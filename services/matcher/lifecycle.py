"""A match's life: proposed, accepted by each side, confirmed, declined, expired or cancelled; once confirmed, its
occurrences recorded, absences and pauses, and its end. No I/O."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from shared.clock import from_iso, to_iso
from shared.errors import Conflict
from shared.events import Change, Event, new_event
from shared.occurrences import ABSENT, ATTENDED, status_on

SOURCE = "/services/matcher"
PROPOSED, CONFIRMED, DECLINED, EXPIRED, CANCELLED = "proposed", "confirmed", "declined", "expired", "cancelled"
ENDED = "ended"  # a confirmed assignment one side brought to an end
STATUSES = (PROPOSED, CONFIRMED, DECLINED, EXPIRED, CANCELLED, ENDED)
LIVE = (PROPOSED, CONFIRMED)
VOLUNTEER, ORGANISATION = "volunteer", "organisation"
ROLES = (VOLUNTEER, ORGANISATION)
STAND_IN_FIELDS = ("for_date", "stands_in_for")  # a one-off match for one date of a standing assignment


def match_event(type_: str, match: dict[str, Any], **extra: Any) -> Event:
    """An event about a match: ids, status and numbers only."""
    data = {"id": match["_id"], "need_id": match["need_id"], "offer_id": match["offer_id"],
            "organisation_id": match["organisation_id"], "status": match["status"], "slots": match["slots"],
            "expires_at": match["expires_at"], **{k: match[k] for k in STAND_IN_FIELDS if match.get(k)}, **extra}
    return new_event(SOURCE, type_, match["_id"], data)


def propose(need_id: str, organisation_id: str, offer_id: str, slots: int, score: float,
            reasons: dict[str, Any], now: datetime, ttl: timedelta, need_version: int = 0,
            offer_version: int = 0, stand_in: dict[str, str] | None = None) -> Change:
    """A new proposal that expires after the time-to-live, made from these versions of the need and offer; a
    stand-in proposal (stand_in: for_date and stands_in_for) is for one date of a standing assignment."""
    match = {"_id": str(uuid4()), "need_id": need_id, "offer_id": offer_id, "organisation_id": organisation_id,
             "status": PROPOSED, "slots": slots, "score": score, "reasons": reasons,
             "accepted_by": [], "created_at": to_iso(now), "updated_at": to_iso(now),
             "expires_at": to_iso(now + ttl), "need_version": need_version, "offer_version": offer_version,
             **(stand_in or {})}
    return Change(match, (match_event("match.proposed", match, score=score),))


def _moved(match: dict[str, Any], status: str, now: datetime, **fields: Any) -> dict[str, Any]:
    return {**match, "status": status, "updated_at": to_iso(now), **fields}


def waiting_for(match: dict[str, Any]) -> str | None:
    """Whose answer a live proposal waits for: the volunteer first, then the organisation; None when decided."""
    if match["status"] != PROPOSED:
        return None
    return ORGANISATION if VOLUNTEER in match["accepted_by"] else VOLUNTEER


def accept(match: dict[str, Any], role: str, now: datetime, ttl: timedelta,
           certificate: dict[str, str] | None = None) -> Change:
    """One side accepts: the volunteer first, which gives the organisation a fresh answer time; the organisation's
    acceptance then confirms the match, with the police certificate it saw when the need asks for one (see
    check_certificate). Accepting again changes nothing."""
    if match["status"] == CONFIRMED or (match["status"] == PROPOSED and role in match["accepted_by"]):
        return Change(match)
    if match["status"] != PROPOSED:
        raise Conflict(f"This match is {match['status']} and can no longer be accepted.")
    if is_expired(match, now):
        raise Conflict("This proposal has expired.")
    if role == ORGANISATION and VOLUNTEER not in match["accepted_by"]:
        raise Conflict("The volunteer has not accepted yet; the organisation confirms once the volunteer has.")
    accepted_by = sorted({*match["accepted_by"], role})
    if role == ORGANISATION:
        confirmed = _moved(match, CONFIRMED, now, accepted_by=accepted_by, confirmed_at=to_iso(now),
                           **({"certificate": {**certificate, "recorded_at": to_iso(now)}} if certificate else {}))
        return Change(confirmed, (match_event("match.accepted", confirmed, by=role),
                                  match_event("match.confirmed", confirmed)))
    accepted = {**match, "accepted_by": accepted_by, "updated_at": to_iso(now), "accepted_at": to_iso(now),
                "expires_at": to_iso(now + ttl)}
    return Change(accepted, (match_event("match.accepted", accepted, by=role, accepted_at=accepted["accepted_at"]),))


def confirms(change: Change) -> bool:
    """True when this change makes a match confirmed (so it takes a slot of its need)."""
    return any(event.type == "match.confirmed" for event in change.events)


def _under_way(holds: list[dict[str, Any]], states: dict[str, dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The holds of confirmations still being saved: their match still proposed and their lease not run out."""
    return [h for h in holds if states.get(h["match_id"], {}).get("status") == PROPOSED and from_iso(h["until"]) > now]


def slots_taken(states: dict[str, dict[str, Any]], holds: list[dict[str, Any]], now: datetime) -> int:
    """Slots of a need taken: its confirmed matches and the confirmations under way."""
    confirmed = sum(x["slots"] for x in states.values() if x["status"] == CONFIRMED)
    return confirmed + sum(h["slots"] for h in _under_way(holds, states, now))


def hold_slots(capacity: dict[str, Any], states: dict[str, dict[str, Any]], match: dict[str, Any], needed: int,
               now: datetime, lease: timedelta) -> dict[str, Any]:
    """The need's capacity record with a hold for this match's slots; Conflict when they would over-fill it.

    `states` gives the status and slots of each of the need's matches. Confirmed matches count from there, so
    a hold matters only while its confirmation is being saved: holds whose match is no longer proposed, and
    stale holds (a crash mid-confirmation), are dropped. A match confirmed already (by a racing answer of the
    same side) needs no hold.
    """
    holds = _under_way(capacity.get("holds", []), states, now)
    if any(h["match_id"] == match["_id"] for h in holds) or states.get(match["_id"], {}).get("status") == CONFIRMED:
        return {**capacity, "holds": holds}
    if slots_taken(states, holds, now) + match["slots"] > needed:
        raise Conflict("This need already has all the volunteers it asked for.")
    hold = {"match_id": match["_id"], "slots": match["slots"], "until": to_iso(now + lease)}
    return {**capacity, "holds": [*holds, hold]}


def release_slots(capacity: dict[str, Any], match_id: str) -> dict[str, Any]:
    """The capacity record without this match's hold (its confirmation was not saved)."""
    return {**capacity, "holds": [h for h in capacity.get("holds", []) if h["match_id"] != match_id]}


def decline(match: dict[str, Any], role: str, now: datetime) -> Change:
    """Either side declines a proposal; the pair is never proposed again."""
    if match["status"] == DECLINED:
        return Change(match)
    if match["status"] != PROPOSED:
        raise Conflict(f"This match is {match['status']} and can no longer be declined.")
    declined = _moved(match, DECLINED, now, declined_by=role)
    return Change(declined, (match_event("match.declined", declined, by=role, accepted_by=declined["accepted_by"]),))


def is_expired(match: dict[str, Any], now: datetime) -> bool:
    """True when a proposal's answer time has run out."""
    return match["status"] == PROPOSED and from_iso(match["expires_at"]) <= now


def expire(match: dict[str, Any], now: datetime) -> Change:
    """A proposal nobody answered in time."""
    if not is_expired(match, now):
        return Change(match)
    expired = _moved(match, EXPIRED, now)
    return Change(expired, (match_event("match.expired", expired, accepted_by=expired["accepted_by"]),))


def cancel(match: dict[str, Any], reason: str, now: datetime) -> Change:
    """The offer was withdrawn or the need closed or filled."""
    if match["status"] not in LIVE:
        return Change(match)
    cancelled = _moved(match, CANCELLED, now, cancel_reason=reason)
    was_confirmed = bool(match.get("confirmed_at"))
    return Change(cancelled, (match_event("match.cancelled", cancelled, reason=reason, was_confirmed=was_confirmed),))


FOLDED = "covered_by_assignment"  # a stand-in's date its volunteer now holds on their own standing assignment


def fold(stand_in: dict[str, Any], standing_id: str, now: datetime) -> Change:
    """The stand-in's volunteer now holds its date on their own standing assignment of the same need, so the
    one-date match is closed: cancelled, with the reason and the standing match that covers the date (a volunteer
    holds a date once). Closing it again changes nothing."""
    if stand_in["status"] not in LIVE:
        return Change(stand_in)
    folded = _moved(stand_in, CANCELLED, now, cancel_reason=FOLDED, covered_by=standing_id)
    return Change(folded, (match_event("match.cancelled", folded, reason=FOLDED, covered_by=standing_id,
                                       was_confirmed=bool(stand_in.get("confirmed_at"))),))


def is_stand_in(match: dict[str, Any]) -> bool:
    """Whether the match is a one-off for one date of another (standing) assignment."""
    return bool(match.get("for_date"))


def is_done(match: dict[str, Any], today: str, need_close_reason: str | None = None) -> bool:
    """Whether a live match has been served rather than waiting on anything: a stand-in whose date is past, or a
    confirmed assignment whose need closed because its last date is past. Closing a need or withdrawing an offer
    does not cancel such a match (nobody is told an agreement kept is called off), and its dates can be recorded."""
    if is_stand_in(match) and match["for_date"] < today:
        return True
    return match["status"] == CONFIRMED and need_close_reason == "over"


def end(match: dict[str, Any], role: str, now: datetime) -> Change:
    """One side brings a confirmed assignment to an end (its slot reopens); ending it again changes nothing."""
    if match["status"] == ENDED:
        return Change(match)
    if match["status"] != CONFIRMED:
        raise Conflict(f"This match is {match['status']}; only a confirmed assignment can be ended.")
    if is_stand_in(match):
        raise Conflict("A stand-in is for one date: a volunteer who cannot come reports that date absent.")
    ended = _moved(match, ENDED, now, ended_at=to_iso(now), ended_by=role)
    return Change(ended, (match_event("match.ended", ended, by=role),))


def record(match: dict[str, Any], day: str, entry: dict[str, Any], now: datetime) -> Change:
    """Store what happened on one occurrence of a confirmed (or ended) match; services.matcher.assignments says
    who may say what, and when. The same record again changes nothing."""
    stored = (match.get("occurrences") or {}).get(day)
    if stored is not None and all(stored.get(k) == v for k, v in entry.items()):
        return Change(match)
    changed = _with_occurrences(match, {day: {**entry, "recorded_at": to_iso(now)}}, now)
    if entry["status"] == ABSENT:
        event = match_event("match.absence_reported", changed, date=day, reason=entry.get("reason", "absent"))
    else:
        event = match_event("match.occurrence_recorded", changed, date=day, occurrence_status=entry["status"],
                            **({"minutes": entry["minutes"]} if "minutes" in entry else {}))
    return Change(changed, (event,))


def _with_occurrences(match: dict[str, Any], records: dict[str, dict[str, Any]], now: datetime) -> dict[str, Any]:
    """The match with these occurrence records, and the last date its volunteer is absent beside them (so the
    matches with absences still ahead are found by one comparison, without reading every record)."""
    occurrences = {**(match.get("occurrences") or {}), **records}
    absent = [day for day, record in occurrences.items() if record["status"] == ABSENT]
    return {**match, "updated_at": to_iso(now), "occurrences": occurrences,
            **({"last_absence": max(absent)} if absent else {})}


def pause(match: dict[str, Any], days: list[str], first: str, last: str, now: datetime) -> Change:
    """The volunteer is away from first to last: each of those occurrence dates is reported absent at once."""
    if match["status"] != CONFIRMED:
        raise Conflict(f"This match is {match['status']}; only a confirmed assignment can be paused.")
    new = [day for day in days if status_on(match, day) != ABSENT]
    if not new:
        return Change(match)
    entry = {"status": ABSENT, "by": VOLUNTEER, "reason": "paused", "recorded_at": to_iso(now)}
    changed = _with_occurrences(match, {day: entry for day in new}, now)
    return Change(changed, (match_event("match.paused", changed, **{"from": first, "until": last, "dates": new}),))


def certificate_expired(match: dict[str, Any], max_age_months: int, now: datetime) -> Change:
    """The organisation is to be reminded, once, that the certificate it saw has passed the age it allows."""
    if match.get("certificate_reminded_at") or match["status"] != CONFIRMED:
        return Change(match)
    reminded = {**match, "certificate_reminded_at": to_iso(now), "updated_at": to_iso(now)}
    return Change(reminded, (match_event("match.certificate_expired", reminded,
                                         seen_on=match["certificate"]["seen_on"], max_age_months=max_age_months),))


def attended_minutes(match: dict[str, Any]) -> int:
    """The minutes of the occurrences recorded as attended."""
    return sum(x.get("minutes", 0) for x in (match.get("occurrences") or {}).values() if x["status"] == ATTENDED)


def contact_shown(match: dict[str, Any], role: str) -> bool:
    """Whether one side may see the other's contact details: the organisation once the volunteer has accepted
    (while the match is live), the volunteer once the match is confirmed."""
    if role == ORGANISATION:
        return match["status"] in LIVE and VOLUNTEER in match["accepted_by"]
    return match["status"] == CONFIRMED


def public_view(match: dict[str, Any]) -> dict[str, Any]:
    """What the contract shows of a match."""
    keys = ("need_id", "offer_id", "organisation_id", "status", "slots", "score", "reasons", "accepted_by",
            "created_at", "updated_at", "expires_at", "accepted_at", "confirmed_at", "declined_by", "cancel_reason",
            *STAND_IN_FIELDS, "occurrences", "certificate", "ended_at", "ended_by")
    shown = {k: match[k] for k in keys if k in match}
    return {"id": match["_id"], **shown, "attended_minutes": attended_minutes(match)}
