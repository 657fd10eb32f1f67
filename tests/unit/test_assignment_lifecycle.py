"""A confirmed match's life after confirmation, as pure rules: occurrences recorded, absences, pauses, the end, the
police certificate on confirming (carried over from a stand-in), the reminder when it grows too old, and a stand-in's
date folded into its volunteer's standing match."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from shared.errors import Conflict, InvalidInput
from shared.timeslots import parse_schedule
from services.matcher import certificates, lifecycle, stand_ins
from services.matcher.lifecycle import ORGANISATION, VOLUNTEER

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=timezone.utc)
TTL = timedelta(hours=48)
NEED = {"requirements": {"police_certificate": True}}


def confirmed(**fields) -> dict:
    change = lifecycle.propose("need", "org", "offer", 1, 0.9, {}, NOW - timedelta(days=7), TTL)
    return {**change.doc, "status": "confirmed", "accepted_by": [ORGANISATION, VOLUNTEER],
            "confirmed_at": (NOW - timedelta(days=6)).isoformat(), **fields}


def test_recording_an_occurrence_stores_it_with_one_event_and_the_same_record_again_changes_nothing():
    change = lifecycle.record(confirmed(), "2026-03-03", {"status": "attended", "by": ORGANISATION, "minutes": 80}, NOW)
    [event] = change.events
    assert (event.type, event.data["date"], event.data["occurrence_status"], event.data["minutes"]) == (
        "match.occurrence_recorded", "2026-03-03", "attended", 80)
    again = lifecycle.record(change.doc, "2026-03-03", {"status": "attended", "by": ORGANISATION, "minutes": 80},
                             NOW + timedelta(hours=1))
    assert again.events == () and again.doc == change.doc
    assert lifecycle.attended_minutes(change.doc) == 80


def test_an_absence_is_its_own_event_and_marks_the_last_absent_date():
    change = lifecycle.record(confirmed(), "2026-03-10", {"status": "absent", "by": VOLUNTEER}, NOW)
    assert [e.type for e in change.events] == ["match.absence_reported"]
    assert change.doc["last_absence"] == "2026-03-10" and change.doc["status"] == "confirmed"


def test_a_pause_reports_each_date_not_yet_absent_once():
    first = lifecycle.record(confirmed(), "2026-03-10", {"status": "absent", "by": VOLUNTEER}, NOW).doc
    change = lifecycle.pause(first, ["2026-03-10", "2026-03-17"], "2026-03-09", "2026-03-20", NOW)
    [event] = change.events
    assert (event.type, event.data["dates"], event.data["from"], event.data["until"]) == (
        "match.paused", ["2026-03-17"], "2026-03-09", "2026-03-20")
    assert change.doc["occurrences"]["2026-03-17"]["reason"] == "paused" and change.doc["last_absence"] == "2026-03-17"
    assert lifecycle.pause(change.doc, ["2026-03-10", "2026-03-17"], "2026-03-09", "2026-03-20", NOW).events == ()


@pytest.mark.parametrize("status", ["proposed", "declined", "expired", "cancelled"])
def test_only_a_confirmed_assignment_ends_or_pauses(status):
    with pytest.raises(Conflict):
        lifecycle.end(confirmed(status=status), VOLUNTEER, NOW)
    with pytest.raises(Conflict):
        lifecycle.pause(confirmed(status=status), ["2026-03-10"], "2026-03-10", "2026-03-10", NOW)


def test_a_stand_in_is_not_ended_but_its_date_reported_absent():
    with pytest.raises(Conflict, match="absent"):
        lifecycle.end(confirmed(for_date="2026-03-10", stands_in_for="standing"), VOLUNTEER, NOW)


def test_ending_says_who_ended_it_and_ending_again_changes_nothing():
    change = lifecycle.end(confirmed(), ORGANISATION, NOW)
    assert (change.doc["status"], change.doc["ended_by"], [e.type for e in change.events]) == (
        "ended", ORGANISATION, ["match.ended"])
    assert change.events[0].data["by"] == ORGANISATION
    assert lifecycle.end(change.doc, VOLUNTEER, NOW).events == ()


def test_a_stand_in_carries_its_date_and_standing_match_in_every_event():
    change = lifecycle.propose("need", "org", "offer-2", 1, 0.8, {}, NOW, TTL,
                               stand_in={"for_date": "2026-03-10", "stands_in_for": "standing"})
    assert lifecycle.is_stand_in(change.doc)
    assert {k: change.events[0].data[k] for k in ("for_date", "stands_in_for")} == {
        "for_date": "2026-03-10", "stands_in_for": "standing"}
    assert "for_date" not in lifecycle.propose("need", "org", "offer", 1, 0.8, {}, NOW, TTL).events[0].data


def test_the_organisations_confirmation_keeps_the_certificate_it_saw():
    waiting = {**confirmed(status="proposed", accepted_by=[VOLUNTEER]), "expires_at": (NOW + TTL).isoformat()}
    certificate = certificates.for_confirmation(NEED, date(2026, 3, 1), "Besøksvenn", 12, NOW)
    change = lifecycle.accept(waiting, ORGANISATION, NOW, TTL, certificate)
    assert change.doc["status"] == "confirmed"
    assert change.doc["certificate"] == {"seen_on": "2026-03-01", "role": "Besøksvenn",
                                         "recorded_at": "2026-03-09T12:00:00.000000+00:00"}


@pytest.mark.parametrize("need, seen_on, limit, refused", [
    (NEED, None, None, "give the date"),
    (NEED, date(2026, 3, 10), None, "future"),
    (NEED, date(2025, 3, 8), 12, "at most 12 months"),
    ({"requirements": {"police_certificate": False}}, date(2026, 3, 1), None, "no police certificate"),
])
def test_a_certificate_date_that_does_not_fit_is_refused_on_its_field(need, seen_on, limit, refused):
    with pytest.raises(InvalidInput) as raised:
        certificates.for_confirmation(need, seen_on, "Besøksvenn", limit, NOW)
    assert refused in raised.value.message and certificates.FIELD in raised.value.fields


def test_a_certificate_exactly_at_the_limit_is_still_accepted_and_none_is_asked_without_one():
    assert certificates.for_confirmation(NEED, date(2025, 3, 9), "Besøksvenn", 12, NOW)["seen_on"] == "2025-03-09"
    assert certificates.for_confirmation({"requirements": {}}, None, "Besøksvenn", 12, NOW) is None


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2026, 11, 15), 3, date(2027, 2, 15)), (date(2026, 3, 9), 0, date(2026, 3, 9)),
])
def test_months_after_keeps_the_day_or_the_months_last(day, months, expected):
    assert certificates.months_after(day, months) == expected


def test_a_certificate_too_old_is_reminded_of_once_and_only_while_the_assignment_lasts():
    match = confirmed(certificate={"seen_on": "2025-01-01", "role": "Besøksvenn"})
    change = lifecycle.certificate_expired(match, 12, NOW)
    [event] = change.events
    assert (event.type, event.data["seen_on"], event.data["max_age_months"]) == (
        "match.certificate_expired", "2025-01-01", 12)
    assert lifecycle.certificate_expired(change.doc, 12, NOW).events == ()
    assert lifecycle.certificate_expired({**match, "status": "ended"}, 12, NOW).events == ()


def test_a_certificate_seen_on_the_volunteers_stand_in_is_carried_over_to_their_standing_match():
    stand_in = confirmed(_id="stand-in", for_date="2026-03-03", stands_in_for="gone",
                         certificate={"seen_on": "2026-02-20", "role": "Besøksvenn"})
    older = confirmed(_id="older", for_date="2026-01-06", certificate={"seen_on": "2025-12-01", "role": "Besøksvenn"})
    someone_else = confirmed(_id="other", offer_id="other-offer", certificate={"seen_on": "2026-03-01", "role": "x"})
    standing = confirmed(_id="standing", status="proposed")
    earlier = certificates.earlier_certificate([older, stand_in, someone_else, standing], standing)
    assert earlier == {"seen_on": "2026-02-20", "match_id": "stand-in"}
    assert certificates.for_confirmation(NEED, None, "Besøksvenn", 12, NOW, earlier) == {
        "seen_on": "2026-02-20", "role": "Besøksvenn", "carried_from": "stand-in"}
    assert certificates.for_confirmation(NEED, date(2026, 3, 8), "Besøksvenn", 12, NOW, earlier) == {
        "seen_on": "2026-03-08", "role": "Besøksvenn"}  # a newer one typed in wins


def test_a_carried_over_certificate_keeps_the_organisations_age_limit():
    earlier = {"seen_on": "2025-03-01", "match_id": "stand-in"}
    with pytest.raises(InvalidInput) as raised:
        certificates.for_confirmation(NEED, None, "Besøksvenn", 12, NOW, earlier)
    assert "2025-03-01" in raised.value.message and certificates.FIELD in raised.value.fields
    assert certificates.for_confirmation(NEED, None, "Besøksvenn", None, NOW, earlier)["seen_on"] == "2025-03-01"


@pytest.mark.parametrize(("seen_on", "limit", "carried"), [
    ("2026-02-20", 12, "2026-02-20"), ("2025-03-01", 12, None), ("2025-03-01", None, "2025-03-01")],
    ids=["within the limit", "older than the limit", "no limit"])
def test_the_pages_are_told_beforehand_the_certificate_a_confirmation_without_a_date_would_carry_over(
        seen_on, limit, carried):
    earlier = {"seen_on": seen_on, "match_id": "stand-in"}
    assert certificates.carried_over(earlier, limit, NOW.date()) == carried


def test_folding_a_stand_in_closes_it_quietly_naming_the_standing_match_and_again_changes_nothing():
    stand_in = confirmed(for_date="2026-03-10", stands_in_for="gone")
    change = lifecycle.fold(stand_in, "standing", NOW)
    [event] = change.events
    assert (change.doc["status"], change.doc["cancel_reason"], change.doc["covered_by"]) == (
        "cancelled", "covered_by_assignment", "standing")
    assert (event.type, event.data["reason"], event.data["covered_by"], event.data["for_date"],
            event.data["was_confirmed"]) == ("match.cancelled", "covered_by_assignment", "standing", "2026-03-10", True)
    assert lifecycle.fold(change.doc, "standing", NOW).events == ()


WEEKLY = parse_schedule({"weekday": 2, "start_time": "17:30", "end_time": "19:00"})


def test_only_the_volunteers_live_stand_ins_on_dates_the_standing_match_serves_ahead_are_held_twice():
    standing = confirmed(_id="standing", confirmed_at=NOW.isoformat())  # Monday 9 March, 12:00 UTC
    ahead = confirmed(_id="ahead", for_date="2026-03-17", stands_in_for="gone")
    asked = confirmed(_id="asked", status="proposed", for_date="2026-03-24", stands_in_for="gone")
    before = confirmed(_id="before", for_date="2026-03-03", stands_in_for="gone")  # before the standing match
    declined = confirmed(_id="declined", status="declined", for_date="2026-03-31", stands_in_for="gone")
    other = confirmed(_id="other", offer_id="other-offer", for_date="2026-03-10", stands_in_for="gone")
    matches = [standing, ahead, asked, before, declined, other]
    assert [x["_id"] for x in stand_ins.doubled(standing, matches, WEEKLY, NOW)] == ["ahead", "asked"]
    begun = NOW + timedelta(days=8, hours=5)  # Tuesday 17 March 17:00 UTC, after 17:30 in Oslo
    assert [x["_id"] for x in stand_ins.doubled(standing, matches, WEEKLY, begun)] == ["asked"]
    assert stand_ins.held_twice(matches, "2026-03-09") == {"standing"}
    assert stand_ins.held_twice([standing, before], "2026-03-09") == set()  # served, never folded
    assert stand_ins.held_twice([ahead, other], "2026-03-09") == set()
