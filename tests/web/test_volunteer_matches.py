"""Min side's sorting of a volunteer's matches and the next dates of an assignment."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from shared.config import Config
from services.web.app import create_app
from services.web.views.volunteer_matches import (ASKED, BUSY, CONFIRMED, EARLIER, EARLIER_SHOWN, FULL, WAITING,
                                                  Facts, capacity, group, next_dates)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday
LATER, EARLIER_TIME = "2026-03-04T09:00:00+00:00", "2026-03-01T09:00:00+00:00"


def match(name, status="proposed", accepted_by=(), expires_at=LATER, updated_at="2026-03-01T00:00:00+00:00"):
    return {"id": name, "need_id": f"need-{name}", "status": status, "accepted_by": list(accepted_by),
            "expires_at": expires_at, "updated_at": updated_at}


def names(groups):
    return {kind: [m["id"] for m in found] for kind, found in groups.items()}


def test_matches_are_sorted_by_what_the_volunteer_can_do_about_them():
    groups = group([match("ask"), match("theirs", accepted_by=["volunteer"]), match("agreed", "confirmed"),
                    match("no", "declined"), match("late", expires_at=EARLIER_TIME), match("off", "cancelled")], NOW)
    assert names(groups) == {ASKED: ["ask"], WAITING: ["theirs"], CONFIRMED: ["agreed"],
                             EARLIER: ["no", "late", "off"]}


def test_newest_first_and_only_the_latest_earlier_ones():
    old = [match(f"old-{i}", "expired", updated_at=f"2026-02-{10 + i:02d}T00:00:00+00:00") for i in range(8)]
    groups = group(old + [match("a", updated_at="2026-02-01T00:00:00+00:00"),
                          match("b", updated_at="2026-02-02T00:00:00+00:00")], NOW)
    assert names(groups)[ASKED] == ["b", "a"]
    assert names(groups)[EARLIER] == [f"old-{i}" for i in range(7, 7 - EARLIER_SHOWN, -1)]


@pytest.mark.parametrize(("matches", "max_active", "said"), [
    ([match("agreed", "confirmed")], 1, FULL),
    ([match("a", "confirmed"), match("b", "confirmed"), match("ask")], 2, FULL),
    ([match("agreed", "confirmed"), match("theirs", accepted_by=["volunteer"])], 2, BUSY),
    ([match("ask")], 1, BUSY),
    ([match("agreed", "confirmed")], 2, None),
    ([match("agreed", "confirmed"), match("off", "ended"), match("late", expires_at=EARLIER_TIME)], 2, None),
    ([], 1, None),
], ids=["one of one agreed", "two of two agreed", "a proposal makes up the rest", "a proposal alone",
        "room for one more", "what is over does not count", "nothing yet"])
def test_min_side_knows_when_the_volunteer_has_as_many_as_they_asked_for(matches, max_active, said):
    assert capacity(group(matches, NOW), max_active) == said


def test_the_next_three_dates_of_a_weekly_assignment_are_in_oslo_time_within_its_dates():
    schedule = {"weekday": 2, "start_time": "17:30", "end_time": "19:00", "from_date": "2026-03-10",
                "until_date": "2026-04-30"}
    found = next_dates(schedule, datetime(2026, 3, 17, 17, 0, tzinfo=timezone.utc))  # 18:00 in Oslo, under way
    assert [(o.start.date().isoformat(), f"{o.start:%H:%M}") for o in found] == [
        ("2026-03-24", "17:30"), ("2026-03-31", "17:30"), ("2026-04-07", "17:30")]  # summer time from 29 March


def test_a_weekly_assignment_near_its_end_has_fewer_dates_left():
    schedule = {"weekday": 1, "start_time": "10:00", "end_time": "11:00", "until_date": "2026-03-09"}
    assert [o.start.date().isoformat() for o in next_dates(schedule, NOW)] == ["2026-03-02", "2026-03-09"]


def test_a_single_period_is_its_own_date():
    schedule = {"start": "2026-06-05T10:00:00+02:00", "end": "2026-06-05T16:00:00+02:00"}
    [period] = next_dates(schedule, NOW)
    assert period.start.isoformat() == "2026-06-05T10:00:00+02:00"


class Organisations:
    """The needs service's answers to GET /organisations/{id}, counting the calls."""

    def __init__(self, found: dict[str, dict]):
        self.found, self.calls = found, 0

    def get(self, service: str, path: str, token: str | None = None, **params):
        self.calls += 1
        return self.found[path.rsplit("/", 1)[1]]


def test_a_matchs_organisation_is_named_as_everywhere_else_and_read_once():
    app = create_app(Config(web_session_keys=("unit-test-key-" + "k" * 32,), testing=True))
    app.extensions["api"] = api = Organisations({
        "fjell": {"name": "Drammen kommune", "unit": "Fjell bo- og omsorgssenter"},
        "lag": {"name": "Konnerud Sanitetsforening", "unit": None}})
    with app.app_context():
        facts = Facts()
        assert facts.organisation("fjell") == "Fjell bo- og omsorgssenter (Drammen kommune)"
        assert facts.organisation("fjell") == "Fjell bo- og omsorgssenter (Drammen kommune)"
        assert facts.organisation("lag") == "Konnerud Sanitetsforening"
    assert api.calls == 2


def test_a_one_off_stand_in_takes_no_place_among_the_volunteers_matches():
    stand_ins = [{"id": f"s{i}", "status": "confirmed", "for_date": "2026-03-10", "updated_at": "2026-03-01"}
                 for i in range(2)]
    assert capacity(group(stand_ins, NOW), 1) is None
