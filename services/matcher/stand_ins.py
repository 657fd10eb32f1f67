"""Stand-ins: when the volunteer of a standing assignment cannot come on a date, one other volunteer is asked for
that date only, through the ordinary proposal flow, while the assignment itself stays as it is.

Once the volunteer of a standing match holds a date there, a stand-in match of theirs for the same date of the
same need is folded into it, so each volunteer holds a date once.

Idempotent by outcome like the waves: everything is worked out from the stored matches, so running it again asks
only what is still missing.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from functools import partial
from typing import Any

from shared import occurrences
from shared.mongo import retrying
from shared.occurrences import ABSENT
from shared.timeslots import Schedule, oslo_date
from services.matcher import lifecycle
from services.matcher.model import NeedView, answer_time
from services.matcher.waves import Matching, eligible_offers, propose_wave, save_change, turned_down


def is_absent(match: dict[str, Any], day: str) -> bool:
    """Whether the match's volunteer said they cannot come that date."""
    return occurrences.status_on(match, day) == ABSENT


def one_date(need: NeedView, day: date) -> NeedView | None:
    """The need as it is on one date only (every rule then applies to that occurrence); None when it has none."""
    found = occurrences.on(need.schedule, day) if need.schedule is not None else None
    return replace(need, schedule=Schedule(found.period)) if found else None


def _covering(match: dict[str, Any], day: str) -> bool:
    """Whether a stand-in match still covers its date: asked and not answered no, or agreed and not called off."""
    return match["status"] == lifecycle.PROPOSED or (match["status"] == lifecycle.CONFIRMED
                                                     and not is_absent(match, day))


def run_stand_in_wave(standing_id: str, day: str, m: Matching) -> int:
    """Ask the best candidates not yet asked to stand in on one date the standing volunteer reported absent, for as
    many places as the assignment fills; returns how many were asked. Nothing for an assignment no longer
    confirmed, a need no longer open, a date without an occurrence or too close to ask anyone."""
    standing = m.repo.matches.get(standing_id)
    if standing is None or standing["status"] != lifecycle.CONFIRMED or not is_absent(standing, day):
        return 0
    need = m.needs.get(standing["need_id"])
    once = one_date(need, date.fromisoformat(day)) if need is not None else None
    if once is None:
        return 0
    now = m.clock()
    window = answer_time(once.schedule, now, m.ttl)
    asked_for_day = m.repo.stand_ins_of(standing_id, day)
    open_places = standing["slots"] - sum(x["slots"] for x in asked_for_day if _covering(x, day))
    if not window or open_places <= 0:
        return 0
    matches = m.repo.matches_for_need(standing["need_id"])
    serving = {x["offer_id"] for x in matches if not lifecycle.is_stand_in(x) and x["status"] in lifecycle.LIVE}
    that_day = {x["offer_id"] for x in matches if x.get("for_date") == day}  # for this absence or another one
    asked = serving | that_day | turned_down(matches)
    candidates = [o for o in eligible_offers(once, m, oslo_date(now)) if o.id not in asked]
    return propose_wave(once, candidates, open_places, asked, matches, m, window,
                        stand_in={"for_date": day, "stands_in_for": standing_id})


def absences_ahead(m: Matching) -> list[tuple[str, str]]:
    """(standing match, date) for every date from today on that a confirmed volunteer reported absent, a
    stand-in's one date standing for its standing match's."""
    today = m.today().isoformat()
    return [(match.get("stands_in_for") or match["_id"], match.get("for_date") or day)
            for match in m.repo.absent_from(today) for day, record in match["occurrences"].items()
            if day >= today and record["status"] == ABSENT]


def doubled(standing: dict[str, Any], matches: list[dict[str, Any]], schedule: Schedule,
            now: datetime) -> list[dict[str, Any]]:
    """The live stand-in matches of the standing volunteer for the same need on a date the standing assignment
    serves and that has not begun: the dates that volunteer would otherwise hold twice."""
    twice = []
    for match in matches:
        if (match["offer_id"] != standing["offer_id"] or not lifecycle.is_stand_in(match)
                or match["status"] not in lifecycle.LIVE):
            continue
        found = occurrences.on(schedule, date.fromisoformat(match["for_date"]))
        if found is not None and found.period.start > now and occurrences.served(standing, [found]):
            twice.append(match)
    return twice


def _fold_once(m: Matching, stand_in_id: str, standing_id: str) -> None:
    """Fold one stand-in match into the standing match, while that lasts; an absence its volunteer said on it is said
    again on the standing match first (the same record again changes nothing, so running this again finishes what a
    crash in between left)."""
    now = m.clock()
    stand_in, standing = m.repo.matches.get(stand_in_id), m.repo.matches.get(standing_id)
    if standing["status"] != lifecycle.CONFIRMED:  # ended meanwhile: the stand-in keeps its date
        return
    day = stand_in["for_date"]
    if stand_in["status"] == lifecycle.CONFIRMED and is_absent(stand_in, day):
        save_change(m.repo, lifecycle.record(standing, day, {"status": ABSENT, "by": lifecycle.VOLUNTEER}, now))
    save_change(m.repo, lifecycle.fold(stand_in, standing_id, now))


def fold_into(standing_id: str, m: Matching) -> int:
    """Once a standing match is confirmed, its volunteer's stand-in dates for the same need belong to it: each such
    stand-in match is closed (lifecycle.fold) and the date is held once, on the standing match. Returns how many.

    A date the volunteer had said they cannot come as stand-in becomes an absence of the standing match, which asks
    its own stand-in. When the folded match stood in for another volunteer still standing (a need with more
    places), its match.cancelled hands that absence to the next candidate, as any stand-in called off does: one
    person cannot fill two places on one date.
    """
    standing = m.repo.matches.get(standing_id)
    if standing is None or standing["status"] != lifecycle.CONFIRMED or lifecycle.is_stand_in(standing):
        return 0
    need = m.needs.get(standing["need_id"])
    if need is None or need.schedule is None:
        return 0
    twice = doubled(standing, m.repo.matches_for_need(standing["need_id"]), need.schedule, m.clock())
    for stand_in in twice:
        retrying(partial(_fold_once, m, stand_in["_id"], standing_id))
    return len(twice)


def held_twice(live: list[dict[str, Any]], today: str) -> set[str]:
    """The confirmed standing matches (from ids and statuses of live matches) whose volunteer also has a live
    stand-in match for the same need on a date from today on: the ones fold_into may have something to do for (a
    past stand-in stays live, served, and is never folded)."""
    standing = {(x["need_id"], x["offer_id"]): x["_id"] for x in live
                if x["status"] == lifecycle.CONFIRMED and not lifecycle.is_stand_in(x)}
    return {standing[(x["need_id"], x["offer_id"])] for x in live
            if lifecycle.is_stand_in(x) and x["for_date"] >= today and (x["need_id"], x["offer_id"]) in standing}
