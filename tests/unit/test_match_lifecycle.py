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


def test_one_side_accepting_is_not_yet_a_confirmation():
    change = lifecycle.accept(proposal(), VOLUNTEER, NOW)
    assert change.doc["status"] == "proposed" and change.doc["accepted_by"] == [VOLUNTEER]
    assert [e.type for e in change.events] == ["match.accepted"]


@pytest.mark.parametrize("first, second", [(VOLUNTEER, ORGANISATION), (ORGANISATION, VOLUNTEER)])
def test_both_sides_accepting_in_any_order_confirms(first, second):
    half = lifecycle.accept(proposal(), first, NOW).doc
    change = lifecycle.accept(half, second, NOW)
    assert change.doc["status"] == "confirmed"
    assert [e.type for e in change.events] == ["match.accepted", "match.confirmed"]


def test_accepting_twice_changes_nothing():
    half = lifecycle.accept(proposal(), VOLUNTEER, NOW).doc
    assert lifecycle.accept(half, VOLUNTEER, NOW).events == ()


@pytest.mark.parametrize("role", [VOLUNTEER, ORGANISATION])
def test_either_side_may_decline_a_proposal(role):
    change = lifecycle.decline(proposal(), role, NOW)
    assert change.doc["status"] == "declined" and change.doc["declined_by"] == role
    assert [(e.type, e.data["by"]) for e in change.events] == [("match.declined", role)]


def test_a_confirmed_match_can_no_longer_be_declined():
    confirmed = lifecycle.accept(lifecycle.accept(proposal(), VOLUNTEER, NOW).doc, ORGANISATION, NOW).doc
    with pytest.raises(Conflict):
        lifecycle.decline(confirmed, VOLUNTEER, NOW)


def test_an_expired_proposal_cannot_be_accepted_even_before_the_sweep_marks_it():
    with pytest.raises(Conflict):
        lifecycle.accept(proposal(), VOLUNTEER, NOW + TTL)


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


def test_match_events_carry_ids_and_numbers_only():
    event = lifecycle.propose("need-1", "org-1", "offer-1", 1, 0.9, {}, NOW, TTL).events[0]
    assert set(event.data) == {"id", "need_id", "offer_id", "organisation_id", "status", "slots", "expires_at", "score"}
