"""Våre behov: the state of each slot of a need, from its matches."""
from __future__ import annotations

import pytest

from services.web.views.organisation_overview import slot_states, waits_for_organisation


def match(status: str, accepted_by: tuple[str, ...] = (), slots: int = 1) -> dict:
    return {"status": status, "accepted_by": list(accepted_by), "slots": slots}


def test_slots_show_the_most_settled_state_first_and_the_rest_open():
    matches = [match("proposed"), match("confirmed"), match("proposed", ("volunteer",))]
    assert slot_states(4, matches) == ["confirmed", "waiting", "proposed", "open"]


def test_declined_expired_and_cancelled_matches_leave_their_slot_open():
    matches = [match("declined"), match("expired"), match("cancelled", ("volunteer", "organisation"))]
    assert slot_states(2, matches) == ["open", "open"]


def test_a_group_offer_takes_as_many_slots_as_it_brings():
    assert slot_states(3, [match("confirmed", slots=2)]) == ["confirmed", "confirmed", "open"]


def test_more_live_matches_than_slots_never_show_more_slots():
    assert slot_states(1, [match("confirmed"), match("proposed")]) == ["confirmed"]


@pytest.mark.parametrize("m, waits", [(match("proposed", ("volunteer",)), True), (match("proposed"), False),
                                      (match("confirmed", ("volunteer", "organisation")), False)])
def test_only_a_proposal_the_volunteer_accepted_waits_for_the_organisation(m, waits):
    assert waits_for_organisation(m) is waits
