"""A match's life as pure rules: proposed, accepted by each side, confirmed, declined, expired, cancelled."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shared.errors import Conflict
from services.matcher import lifecycle
from services.matcher.lifecycle import ORGANISATION, VOLUNTEER

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
TTL = timedelta(hours=48)


def proposal() -> dict:
    return lifecycle.propose("need-1", "org-1", "offer-1", 1, 0.9, {"skills": ["driving"]}, NOW, TTL).doc


def test_a_proposal_expires_after_the_time_to_live_and_records_one_event():
    change = lifecycle.propose("need-1", "org-1", "offer-1", 1, 0.9, {}, NOW, TTL)
    assert change.doc["status"] == "proposed"
    assert change.doc["expires_at"] == "2026-03-04T09:00:00.000000+00:00"
    assert [e.type for e in change.events] == ["match.proposed"]


def accepted(at: datetime = NOW) -> dict:
    return lifecycle.accept(proposal(), VOLUNTEER, at, TTL).doc


def test_the_volunteer_accepting_is_not_yet_a_confirmation_and_the_organisation_is_asked_next():
    change = lifecycle.accept(proposal(), VOLUNTEER, NOW, TTL)
    assert change.doc["status"] == "proposed" and change.doc["accepted_by"] == [VOLUNTEER]
    assert lifecycle.waiting_for(change.doc) == ORGANISATION
    assert [(e.type, e.data["by"]) for e in change.events] == [("match.accepted", VOLUNTEER)]


def test_the_organisation_gets_a_fresh_answer_time_from_the_moment_the_volunteer_accepts():
    later = NOW + timedelta(hours=40)
    change = lifecycle.accept(proposal(), VOLUNTEER, later, TTL)
    assert change.doc["expires_at"] == "2026-03-06T01:00:00.000000+00:00"
    assert change.events[0].data["expires_at"] == change.doc["expires_at"]
    assert change.doc["accepted_at"] == change.events[0].data["accepted_at"] == "2026-03-04T01:00:00.000000+00:00"


def test_the_organisation_cannot_accept_before_the_volunteer_has():
    with pytest.raises(Conflict, match="volunteer has not accepted"):
        lifecycle.accept(proposal(), ORGANISATION, NOW, TTL)


def test_the_organisation_accepting_after_the_volunteer_confirms():
    change = lifecycle.accept(accepted(), ORGANISATION, NOW, TTL)
    assert change.doc["status"] == "confirmed" and lifecycle.confirms(change)
    assert lifecycle.waiting_for(change.doc) is None
    assert [e.type for e in change.events] == ["match.accepted", "match.confirmed"]


@pytest.mark.parametrize("role", [VOLUNTEER, ORGANISATION])
def test_accepting_twice_changes_nothing(role):
    once = accepted() if role == VOLUNTEER else lifecycle.accept(accepted(), ORGANISATION, NOW, TTL).doc
    again = lifecycle.accept(once, role, NOW + timedelta(hours=1), TTL)
    assert again.events == () and again.doc == once


def test_the_organisation_may_decline_after_the_volunteer_accepted():
    change = lifecycle.decline(accepted(), ORGANISATION, NOW)
    assert change.doc["status"] == "declined"
    assert [(e.type, e.data["by"]) for e in change.events] == [("match.declined", ORGANISATION)]


def test_an_unanswered_organisation_lets_the_proposal_expire_and_the_event_says_the_volunteer_had_accepted():
    change = lifecycle.expire(accepted(), NOW + TTL)
    assert change.doc["status"] == "expired"
    assert change.events[0].data["accepted_by"] == [VOLUNTEER]


@pytest.mark.parametrize("role", [VOLUNTEER, ORGANISATION])
def test_either_side_may_decline_a_proposal(role):
    change = lifecycle.decline(proposal(), role, NOW)
    assert change.doc["status"] == "declined" and change.doc["declined_by"] == role
    assert [(e.type, e.data["by"]) for e in change.events] == [("match.declined", role)]


def test_a_confirmed_match_can_no_longer_be_declined():
    confirmed = lifecycle.accept(accepted(), ORGANISATION, NOW, TTL).doc
    with pytest.raises(Conflict):
        lifecycle.decline(confirmed, VOLUNTEER, NOW)


def test_an_expired_proposal_cannot_be_accepted_even_before_the_sweep_marks_it():
    with pytest.raises(Conflict):
        lifecycle.accept(proposal(), VOLUNTEER, NOW + TTL, TTL)


@pytest.mark.parametrize("hours, expired", [(47.9, False), (48, True)])
def test_a_proposal_expires_exactly_at_its_deadline(hours, expired):
    change = lifecycle.expire(proposal(), NOW + timedelta(hours=hours))
    assert (change.doc["status"] == "expired") is expired
    assert len(change.events) == int(expired)


@pytest.mark.parametrize("status, cancellable", [("proposed", True), ("confirmed", True), ("declined", False),
                                                  ("expired", False), ("cancelled", False)])
def test_only_live_matches_are_cancelled(status, cancellable):
    change = lifecycle.cancel({**proposal(), "status": status}, "need_closed", NOW)
    assert change.doc["status"] == ("cancelled" if cancellable else status)
    assert [e.data.get("reason") for e in change.events] == (["need_closed"] if cancellable else [])


@pytest.mark.parametrize("match, was_confirmed", [
    (proposal(), False), (accepted(), False),
    (lifecycle.accept(accepted(), ORGANISATION, NOW, TTL).doc, True)], ids=["proposed", "accepted", "confirmed"])
def test_a_cancellation_says_whether_an_agreement_or_a_proposal_was_called_off(match, was_confirmed):
    [event] = lifecycle.cancel(match, "need_closed", NOW).events
    assert event.data["was_confirmed"] is was_confirmed


def test_match_events_carry_ids_and_numbers_only():
    event = lifecycle.propose("need-1", "org-1", "offer-1", 1, 0.9, {}, NOW, TTL).events[0]
    assert set(event.data) == {"id", "need_id", "offer_id", "organisation_id", "status", "slots", "expires_at", "score"}


LEASE = timedelta(minutes=10)


def hold(match_id: str, slots: int = 1, until: datetime = NOW + LEASE) -> dict:
    return {"match_id": match_id, "slots": slots, "until": lifecycle.to_iso(until)}


def states(match: dict | None = None, **others: str) -> dict[str, dict]:
    """The need's matches as the repository reports them: their status and slots."""
    found = {match_id: {"status": status, "slots": 1} for match_id, status in others.items()}
    return {**found, match["_id"]: {"status": "proposed", "slots": match["slots"]}} if match else found


def test_a_confirmation_holds_its_slots_while_the_need_has_room():
    match = accepted()
    capacity = lifecycle.hold_slots({"_id": "need-1", "holds": []}, states(match, m0="confirmed"), match, 2, NOW, LEASE)
    assert capacity["holds"] == [hold(match["_id"])]


@pytest.mark.parametrize("others, holds", [({"m0": "confirmed", "m1": "confirmed"}, []),
                                           ({"m0": "confirmed", "m1": "proposed"}, [hold("m1")]),
                                           ({"m1": "proposed"}, [hold("m1", slots=2)])],
                         ids=["confirmed", "a confirmation under way", "a group"])
def test_a_confirmation_that_would_over_fill_the_need_is_refused(others, holds):
    match = accepted()
    with pytest.raises(Conflict, match="all the volunteers"):
        lifecycle.hold_slots({"_id": "need-1", "holds": holds}, states(match, **others), match, 2, NOW, LEASE)


@pytest.mark.parametrize("status", ["confirmed", "cancelled", "expired"])
def test_a_hold_no_longer_counts_once_its_match_is_decided(status):
    match, holds = accepted(), [hold("m0")]
    room = 2 if status == "confirmed" else 1
    capacity = lifecycle.hold_slots({"_id": "need-1", "holds": holds}, states(match, m0=status), match, room, NOW, LEASE)
    assert [h["match_id"] for h in capacity["holds"]] == [match["_id"]]


def test_a_hold_whose_lease_ran_out_no_longer_counts():
    match, holds = accepted(), [hold("lost", until=NOW - timedelta(seconds=1))]
    capacity = lifecycle.hold_slots({"_id": "need-1", "holds": holds}, states(match, lost="proposed"), match, 1, NOW,
                                    LEASE)
    assert [h["match_id"] for h in capacity["holds"]] == [match["_id"]]


def test_a_match_a_racing_answer_has_confirmed_already_needs_no_hold_even_when_it_filled_the_need():
    match = accepted()
    capacity = lifecycle.hold_slots({"_id": "need-1", "holds": []}, {match["_id"]: {"status": "confirmed", "slots": 1}},
                                    match, 1, NOW, LEASE)
    assert capacity["holds"] == []


def test_holding_again_for_the_same_match_changes_nothing_and_releasing_gives_the_slot_back():
    match = accepted()
    once = lifecycle.hold_slots({"_id": "need-1", "holds": []}, states(match), match, 1, NOW, LEASE)
    assert lifecycle.hold_slots(once, states(match), match, 1, NOW, LEASE)["holds"] == once["holds"]
    assert lifecycle.release_slots(once, match["_id"])["holds"] == []


@pytest.mark.parametrize("state, organisation_sees, volunteer_sees", [
    ({"status": "proposed", "accepted_by": []}, False, False),
    ({"status": "proposed", "accepted_by": ["volunteer"]}, True, False),
    ({"status": "confirmed", "accepted_by": ["organisation", "volunteer"]}, True, True),
    ({"status": "declined", "accepted_by": ["volunteer"]}, False, False),
    ({"status": "expired", "accepted_by": ["volunteer"]}, False, False),
    ({"status": "cancelled", "accepted_by": ["organisation", "volunteer"]}, False, False),
])
def test_each_side_sees_the_others_contact_only_as_far_as_the_match_has_come(state, organisation_sees,
                                                                             volunteer_sees):
    assert lifecycle.contact_shown(state, ORGANISATION) is organisation_sees
    assert lifecycle.contact_shown(state, VOLUNTEER) is volunteer_sees
