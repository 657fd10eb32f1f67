"""Where demand is not being met: per-district figures for municipal staff."""
from __future__ import annotations

from statistics import median
from typing import Any, Iterable

from shared.clock import from_iso
from shared.occurrences import stand_in_date, tally
from shared.reference import DISTRICTS
from services.matcher.lifecycle import CONFIRMED
from shared.occurrences import hours


def compute(needs: Iterable[dict[str, Any]], matches: Iterable[dict[str, Any]],
            candidate_counts: dict[str, int]) -> dict[str, Any]:
    """Per district: open needs, unfilled slots, needs without any candidate, proposals, confirmed assignments and,
    apart, confirmed stand-ins, median minutes to first proposal, and the occurrences attended and the hours they
    gave (recorded on matches of any status). A stand-in match is no assignment and fills no slot of its need."""
    by_need: dict[str, list[dict[str, Any]]] = {}
    for match in matches:
        by_need.setdefault(match["need_id"], []).append(match)
    rows = {code: {"district": code, "open_needs": 0, "unfilled_slots": 0, "needs_without_candidates": 0,
                   "proposals": 0, "confirmed_matches": 0, "confirmed_stand_ins": 0, "attended_occurrences": 0,
                   "_minutes": 0, "_waits": []}
            for code in DISTRICTS}
    for need in needs:
        row = rows.get(need.get("district"))
        if row is None:
            continue
        own = by_need.get(need["_id"], [])
        assigned = [m for m in own if m["status"] == CONFIRMED and not stand_in_date(m)]
        confirmed = sum(m["slots"] for m in assigned)
        row["proposals"] += len(own)
        row["confirmed_matches"] += len(assigned)
        row["confirmed_stand_ins"] += sum(1 for m in own if m["status"] == CONFIRMED and stand_in_date(m))
        attended = tally(own)
        row["attended_occurrences"] += attended.attended
        row["_minutes"] += attended.minutes
        if need.get("status") == "open":
            row["open_needs"] += 1
            row["unfilled_slots"] += max(0, need.get("volunteers_needed", 1) - confirmed)
            row["needs_without_candidates"] += candidate_counts.get(need["_id"], 0) == 0
        if own and need.get("published_at"):
            first = min(from_iso(m["created_at"]) for m in own)
            row["_waits"].append((first - from_iso(need["published_at"])).total_seconds() / 60)
    minutes = 0
    for row in rows.values():
        waits = row.pop("_waits")
        row["median_minutes_to_first_proposal"] = round(median(waits), 1) if waits else None
        minutes += row["_minutes"]
        row["attended_hours"] = float(hours(row.pop("_minutes")))
    items = list(rows.values())
    totals = {k: sum(r[k] for r in items) for k in ("open_needs", "unfilled_slots", "needs_without_candidates",
                                                       "proposals", "confirmed_matches", "confirmed_stand_ins",
                                                       "attended_occurrences")}
    return {"districts": items, "totals": {**totals, "attended_hours": float(hours(minutes))}}


def by_district(repo) -> dict[str, Any]:
    """The figures from the matcher's read model and matches."""
    return compute(repo.all_needs(), repo.all_matches(), repo.candidate_counts())
