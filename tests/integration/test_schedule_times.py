"""A time without an offset means the same instant at the boundary as in the rules, daylight-saving jumps included,
so a need the needs service accepts is one the matcher can read."""
from __future__ import annotations

from services.matcher.model import NeedView
from shared.timeslots import parse_schedule, slot_minutes
from tests.integration.conftest import post_need, register_organisation


def test_a_period_written_inside_the_skipped_spring_hour_is_stored_as_the_rules_read_it(needs_client, needs_db):
    organisation = register_organisation(needs_client)
    need = post_need(needs_client, organisation["api_key"],
                     schedule={"start": "2027-03-28T02:30:00", "end": "2027-03-28T03:30:00"})
    stored = needs_db.needs.find_one({"_id": need["id"]})["schedule"]
    assert stored["start"].startswith("2027-03-28T03:00:00+02:00")
    assert slot_minutes(parse_schedule(stored).slot) == 30
    assert NeedView.from_data({**need, "schedule": stored}).schedule is not None


def test_a_period_that_lies_wholly_in_the_skipped_hour_is_refused(needs_client):
    organisation = register_organisation(needs_client)
    response = needs_client.post("/needs", headers={"Authorization": f"Bearer {organisation['api_key']}"}, json={
        "title": "Nattevakt", "skills": ["visiting_friend"], "district": "fjell",
        "schedule": {"start": "2027-03-28T02:10:00", "end": "2027-03-28T02:50:00"}})
    assert response.status_code == 422, response.get_data(as_text=True)
