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


def occurrences(minutes: tuple[int, ...] = (), no_show: int = 0, absent: int = 0) -> dict:
    """Recorded occurrences on successive Tuesdays: attended with these minutes, then no-shows, then absences."""
    days = iter(f"2026-03-{day:02d}" for day in range(3, 32, 7))
    recorded = {next(days): {"status": "attended", "minutes": m, "by": "organisation"} for m in minutes}
    recorded.update({next(days): {"status": "no_show", "by": "organisation"} for _ in range(no_show)})
    recorded.update({next(days): {"status": "absent", "by": "volunteer"} for _ in range(absent)})
    return recorded


def worked(need_id: str, status: str = "confirmed", **recorded) -> dict:
    return {**match(need_id, status), "offer_id": f"offer-of-{need_id}", "occurrences": occurrences(**recorded)}


def test_attended_occurrences_and_their_hours_are_counted_per_district_and_in_total():
    needs = [need("n1", "fjell"), need("n2", "fjell"), need("n3", "konnerud")]
    matches = [worked("n1", minutes=(90, 90), no_show=1, absent=1), worked("n2", "ended", minutes=(45,)),
               worked("n3", minutes=(20,))]
    stats = compute(needs, matches, {})
    assert (row(stats, "fjell")["attended_occurrences"], row(stats, "fjell")["attended_hours"]) == (3, 3.8)
    assert (row(stats, "konnerud")["attended_occurrences"], row(stats, "konnerud")["attended_hours"]) == (1, 0.3)
    assert (stats["totals"]["attended_occurrences"], stats["totals"]["attended_hours"]) == (4, 4.1)


def test_a_district_where_nothing_was_attended_shows_zero_hours():
    stats = compute([need("n1", "svelvik")], [worked("n1", no_show=2), match("n1", "proposed")], {})
    assert (row(stats, "svelvik")["attended_occurrences"], row(stats, "svelvik")["attended_hours"]) == (0, 0.0)
    assert row(stats, "bragernes")["attended_hours"] == 0.0


def test_a_confirmed_stand_in_fills_no_slot_of_its_need():
    stand_in = {**match("n1", "confirmed"), "for_date": "2026-03-10", "stands_in_for": "m1"}
    stats = compute([need("n1", "fjell", needed=2)], [match("n1", "confirmed"), stand_in], {})
    assert row(stats, "fjell")["unfilled_slots"] == 1



def test_confirmed_matches_count_assignments_and_stand_ins_are_counted_apart():
    stand_in = {**match("n1", "confirmed"), "for_date": "2026-03-10", "stands_in_for": "m1"}
    stats = compute([need("n1", "fjell")], [match("n1", "confirmed"), stand_in, {**stand_in, "for_date": "2026-03-17"}],
                    {})
    assert (row(stats, "fjell")["confirmed_matches"], row(stats, "fjell")["confirmed_stand_ins"]) == (1, 2)
    assert (stats["totals"]["confirmed_matches"], stats["totals"]["confirmed_stand_ins"]) == (1, 2)
