"""Staff statistics: where demand is not being met, per district."""
from __future__ import annotations

from services.matcher.stats import compute


def need(need_id: str, district: str, needed: int = 2, status: str = "open") -> dict:
    return {"_id": need_id, "district": district, "volunteers_needed": needed, "status": status,
            "published_at": "2026-03-02T09:00:00+00:00"}


def match(need_id: str, status: str, created: str = "2026-03-02T09:30:00+00:00", slots: int = 1) -> dict:
    return {"need_id": need_id, "status": status, "slots": slots, "created_at": created}


def row(stats: dict, district: str) -> dict:
    return next(r for r in stats["districts"] if r["district"] == district)


def test_unfilled_slots_count_what_confirmed_matches_have_not_covered():
    stats = compute([need("n1", "fjell", needed=4)], [match("n1", "confirmed", slots=2), match("n1", "proposed")],
                    {"n1": 2})
    assert row(stats, "fjell")["unfilled_slots"] == 2
    assert row(stats, "fjell")["proposals"] == 2 and row(stats, "fjell")["confirmed_matches"] == 1


def test_a_need_nobody_can_take_is_counted_as_without_candidates():
    stats = compute([need("n1", "svelvik"), need("n2", "svelvik")], [], {"n1": 0, "n2": 4})
    assert row(stats, "svelvik")["needs_without_candidates"] == 1


def test_median_minutes_from_publication_to_first_proposal():
    needs = [need("n1", "konnerud"), need("n2", "konnerud"), need("n3", "konnerud")]
    # n1's first proposal (5 minutes) is the median, and it is neither its first nor its last match listed.
    matches = [match("n1", "proposed", "2026-03-02T09:25:00+00:00"), match("n1", "declined", "2026-03-02T09:05:00+00:00"),
               match("n1", "expired", "2026-03-02T09:30:00+00:00"),
               match("n2", "proposed", "2026-03-02T10:00:00+00:00"), match("n3", "proposed", "2026-03-02T09:02:00+00:00")]
    assert row(compute(needs, matches, {}), "konnerud")["median_minutes_to_first_proposal"] == 5.0


def test_closed_needs_do_not_count_as_open_demand():
    stats = compute([need("n1", "fjell", status="closed")], [], {})
    assert row(stats, "fjell")["open_needs"] == 0 and row(stats, "fjell")["unfilled_slots"] == 0


def test_every_district_is_listed_even_without_needs():
    assert len(compute([], [], {})["districts"]) == 10
