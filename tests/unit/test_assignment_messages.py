"""Notify's rules for assignments: who is told what, which reminders are due, and which mails carry a calendar."""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

import icalendar
import pytest

from shared.config import Config
from shared.events import Event
from shared.timeslots import OSLO
from services.notify import digests, model
from services.notify.delivery import Parties, calendar_file
from services.notify.handlers import EVENT_HANDLERS
from services.notify.messages import render, to_gsm7

WEEKLY = {"weekday": 2, "start_time": "17:30", "end_time": "19:00", "from_date": "2026-01-06",
          "until_date": "2026-06-30"}
MATCH_ID = "5b0f8d3e-9c1a-4e2b-8f7d-6a5c4b3e2d1f"
CONTEXT = {"need_title": "Besøksvenn", "district_name": "Fjell", "schedule": WEEKLY,
           "organisation_name": "Fjell bo- og omsorgssenter"}


def event(type_: str, **data: Any) -> Event:
    return Event(type=type_, subject=MATCH_ID, source="/services/matcher",
                 data={"id": MATCH_ID, "need_id": "n1", "offer_id": "o1", "organisation_id": "org1", **data})


def oslo(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=OSLO)


@pytest.mark.parametrize("type_, data, told", [
    ("match.proposed", {"for_date": "2026-03-10", "stands_in_for": "m0"}, [("volunteer", "stand_in_proposal")]),
    ("match.ended", {"by": "volunteer"}, [("organisation", "ended_organisation"), ("volunteer", "ended_by_volunteer")]),
    ("match.ended", {"by": "organisation"}, [("volunteer", "ended_volunteer"),
                                             ("organisation", "ended_by_organisation")]),
    ("match.absence_reported", {"date": "2026-03-10", "reason": "absent"}, [("organisation", "absence_organisation")]),
    ("match.paused", {"from": "2026-03-09", "until": "2026-03-29", "dates": ["2026-03-10"]},
     [("organisation", "paused_organisation")]),
    ("match.certificate_expired", {"seen_on": "2024-01-10", "max_age_months": 24},
     [("organisation", "certificate_expired_organisation")]),
    ("match.occurrence_recorded", {"date": "2026-03-10", "occurrence_status": "attended", "minutes": 90}, []),
    ("match.confirmed", {"for_date": "2026-03-10"}, [("volunteer", "confirmed_volunteer"),
                                                      ("organisation", "confirmed_organisation")]),
])
def test_each_assignment_event_tells_the_side_that_did_not_act_and_an_ending_is_confirmed_to_who_ended_it(type_, data, told):
    assert model.recipients(event(type_, **data)) == told


def test_every_match_event_that_tells_someone_is_handled_and_a_recorded_occurrence_is_not_consumed():
    told = ["match.proposed", "match.accepted", "match.confirmed", "match.declined", "match.expired",
            "match.cancelled", "match.ended", "match.absence_reported", "match.paused", "match.certificate_expired"]

    assert [t for t in told if t not in EVENT_HANDLERS] == []
    assert "match.occurrence_recorded" not in EVENT_HANDLERS
    assert model.recipients(event("match.something_new")) == []


def test_a_notification_keeps_the_dates_and_numbers_its_message_says_and_nothing_else():
    paused = event("match.paused", **{"from": "2026-03-09", "until": "2026-03-29", "dates": ["2026-03-10"]})

    doc = model.new_notification(paused, "organisation", "paused_organisation", "email", "now")

    assert doc["facts"] == {"from": "2026-03-09", "until": "2026-03-29"}
    assert "facts" not in model.new_notification(event("match.ended", by="volunteer"), "organisation",
                                                  "ended_organisation", "email", "now")


FOLDED = {"reason": "covered_by_assignment", "covered_by": "m-standing", "for_date": "2026-03-10",
          "stands_in_for": "m-other"}


@pytest.mark.parametrize("was_confirmed, told, method", [
    (True, [("volunteer", "stand_in_folded_volunteer"), ("organisation", "stand_in_folded_organisation")], "CANCEL"),
    (False, [("volunteer", "stand_in_folded_volunteer")], None),
])
def test_a_stand_in_date_taken_over_by_the_volunteers_standing_match_is_told_by_email_to_whose_calendar_has_it(
        was_confirmed, told, method):
    folded = event("match.cancelled", **FOLDED, was_confirmed=was_confirmed)

    assert model.recipients(folded) == told  # an organisation never shown a stand-in's date hears nothing of it
    for role, kind in told:
        assert model.channels_for(kind) == ("email",)
        doc = model.new_notification(folded, role, kind, "email", "now")
        assert model.calendar_method(doc) == method  # a stand-in never confirmed put no event in the calendar


@pytest.mark.parametrize("lang, words, not_said", [
    ("nb", ("«Besøksvenn» tir. 10.3. kl. 17.30–19.00 hører nå til den faste avtalen med Kari Nordmann",
            "Kari Nordmann skulle stille én gang på «Besøksvenn» hos Fjell bo- og omsorgssenter (Drammen kommune)",
            "Kari Nordmann kommer som avtalt tirsdag 10. mars 2026 kl. 17.30–19.00",
            "Vedlegget fjerner den egne kalenderhendelsen for denne datoen"),
     ("avlyst", "ny frivillig", "en annen frivillig")),
    ("en", ("“Besøksvenn” on Tue 10 Mar 17:30–19:00 is now part of the regular arrangement with Kari Nordmann",
            "Kari Nordmann was to stand in once for “Besøksvenn” with "
            "Fjell bo- og omsorgssenter (Drammen kommune)",
            "Kari Nordmann comes as agreed on Tuesday 10 March 2026, 17:30–19:00",
            "The attachment removes the separate calendar event for this date"),
     ("cancelled", "new volunteer", "another volunteer")),
])
def test_the_organisation_is_told_the_stand_in_date_is_now_on_the_volunteers_standing_arrangement(
        lang, words, not_said):
    """Whether someone new is asked for another volunteer's absence the stand-in covered is not in the event, so
    the message promises nobody."""
    message = render("stand_in_folded_organisation", lang, {
        **CONTEXT, "organisation_name": "Fjell bo- og omsorgssenter (Drammen kommune)", "for_date": "2026-03-10",
        "volunteer_name": "Kari Nordmann", "page_url": "https://x/vare-behov"})

    for text in words:
        assert text in f"{message.subject}\n{message.text}" and text in message.html
    for text in not_said:
        assert text not in message.text and text not in message.html


@pytest.mark.parametrize("lang, words, not_said", [
    ("nb", ("«Besøksvenn» tir. 10.3. kl. 17.30–19.00 hører nå til det faste oppdraget ditt",
            "Du kommer som avtalt tirsdag 10. mars 2026 kl. 17.30–19.00",
            "Vedlegget fjerner den egne kalenderhendelsen for denne datoen"),
     ("avlyst", "trenger ikke møte")),
    ("en", ("“Besøksvenn” on Tue 10 Mar 17:30–19:00 is now part of your regular assignment",
            "You come as agreed on Tuesday 10 March 2026, 17:30–19:00",
            "The attachment removes the separate calendar event for this date"),
     ("cancelled", "don't need to turn up")),
])
def test_the_volunteer_is_told_their_stand_in_date_is_now_on_their_standing_assignment_and_they_come(
        lang, words, not_said):
    message = render("stand_in_folded_volunteer", lang, {**CONTEXT, "for_date": "2026-03-10", "was_confirmed": True,
                                                         "page_url": "https://x/min-side"})

    for text in words:
        assert text in f"{message.subject}\n{message.text}" and text in message.html
    for text in not_said:
        assert text not in message.text and text not in message.html


@pytest.mark.parametrize("kind, channel, method", [
    ("confirmed_volunteer", "email", "PUBLISH"), ("confirmed_organisation", "email", "PUBLISH"),
    ("cancelled_volunteer", "email", "CANCEL"), ("cancelled_organisation", "email", "CANCEL"),
    ("ended_volunteer", "email", "CANCEL"), ("ended_organisation", "email", "CANCEL"),
    ("confirmed_volunteer", "sms", None), ("ended_organisation", "sms", None),
    ("withdrawn_volunteer", "email", None), ("proposal", "email", None), ("reminder", "email", None),
    ("absence_organisation", "email", None), ("stand_in_folded_organisation", "email", "CANCEL"),
])
def test_only_confirmation_and_cancellation_mails_carry_a_calendar(kind, channel, method):
    assert model.calendar_method({"kind": kind, "channel": channel}) == method


def test_a_standing_assignment_is_not_reminded_of_a_date_the_volunteer_said_they_cannot_come():
    assignment = {"_id": MATCH_ID, "absent": {"2026-03-10": "absent"}}

    assert model.reminder_starts(WEEKLY, oslo(3, 9, 18), assignment=assignment) == []
    assert model.reminder_starts(WEEKLY, oslo(3, 16, 18), assignment=assignment) == [oslo(3, 17, 17, 30)]


def test_a_stand_in_is_reminded_of_its_one_date_only():
    stand_in = model.new_assignment(event("match.confirmed", for_date="2026-03-17"), "now")

    assert model.reminder_starts(WEEKLY, oslo(3, 9, 18), assignment=stand_in) == []
    assert model.reminder_starts(WEEKLY, oslo(3, 16, 18), assignment=stand_in) == [oslo(3, 17, 17, 30)]
    assert model.reminder_starts(WEEKLY, oslo(3, 23, 18), assignment=stand_in) == []


def test_a_stand_in_assignment_is_over_once_its_date_has_begun():
    stand_in = {"for_date": "2026-03-17"}

    assert not model.schedule_over(WEEKLY, oslo(3, 17, 17, 0), stand_in)
    assert model.schedule_over(WEEKLY, oslo(3, 17, 17, 30), stand_in)
    assert not model.schedule_over(WEEKLY, oslo(3, 17, 17, 30))


STANDING = {"_id": "m-standing", "need_id": "n1", "offer_id": "o1", "status": "active"}
STAND_IN = {**STANDING, "_id": "m-stand-in", "for_date": "2026-03-10"}


def _reminded(match: dict[str, Any], status: str, channel: str = "email", day: int = 10) -> dict[str, Any]:
    return {**model.new_reminder(match, oslo(3, day, 17, 30), channel, "then"), "status": status}


@pytest.mark.parametrize("twin_reminder, planned", [
    pytest.param(None, ("pending", None), id="none"),
    pytest.param(_reminded(STAND_IN, "sent"), ("skipped", "reminded_as_stand_in"), id="sent"),
    pytest.param(_reminded(STAND_IN, "sending"), None, id="being-sent"),
    pytest.param(_reminded(STAND_IN, "pending"), None, id="planned-this-round"),
    pytest.param(_reminded(STAND_IN, "held"), None, id="held-overnight"),
    pytest.param(_reminded(STAND_IN, "retrying"), None, id="retrying"),
    pytest.param(_reminded(STAND_IN, "skipped"), ("pending", None), id="skipped"),
    pytest.param(_reminded(STAND_IN, "failed"), ("pending", None), id="failed"),
    pytest.param(_reminded(STAND_IN, "sent", channel="sms"), ("pending", None), id="other-channel"),
])
def test_a_standing_match_reminds_of_a_date_only_if_its_stand_in_match_did_not_and_will_not(twin_reminder, planned):
    twin_reminders = [twin_reminder] if twin_reminder else []

    doc = model.reminder_to_plan(STANDING, oslo(3, 10, 17, 30), "email", "now", twin_reminders)

    assert (doc if doc is None else (doc["status"], doc.get("reason"))) == planned
    if doc is not None:
        assert doc["_id"] == model.reminder_id("m-standing", oslo(3, 10, 17, 30), "email")


def test_a_stand_in_match_does_not_remind_of_its_date_once_the_standing_match_did():
    reminded = [_reminded(STANDING, "sent")]

    doc = model.reminder_to_plan(STAND_IN, oslo(3, 10, 17, 30), "email", "now", reminded)

    assert (doc["status"], doc["reason"]) == ("skipped", "reminded_on_standing_match")


def test_the_twins_of_an_assignment_are_the_volunteers_live_and_folded_matches_of_the_need():
    ended = {"status": "ended", "ended_reason": "covered_by_assignment"}
    others = [STANDING, STAND_IN, {**STAND_IN, **ended, "_id": "folded"},
              {**STAND_IN, **ended, "_id": "withdrawn", "ended_reason": "assignment_ended"},
              {**STAND_IN, "_id": "other-volunteer", "offer_id": "o2"},
              {**STAND_IN, "_id": "other-need", "need_id": "n2"}]

    assert [twin["_id"] for twin in model.twins(STANDING, others)] == ["m-stand-in", "folded"]


def test_a_reminder_planned_before_the_absence_was_reported_is_skipped_at_send_time():
    reminder = model.new_reminder({"_id": MATCH_ID}, oslo(3, 10, 17, 30), "email", "now")
    match = {"status": "confirmed", "occurrences": {"2026-03-10": {"status": "absent", "by": "volunteer"}}}

    assert model.skip_reason(reminder, match, {"schedule": WEEKLY}, oslo(3, 9, 18)) == "absent"
    assert model.skip_reason(reminder, {"status": "confirmed"}, {"schedule": WEEKLY}, oslo(3, 9, 18)) is None


@pytest.mark.parametrize("accepted_by, reason", [([], "stand_in_not_accepted"), (["volunteer"], None)])
def test_the_organisation_hears_nothing_of_a_stand_in_candidate_before_they_accepted(accepted_by, reason):
    declined = model.new_notification(event("match.declined", by="volunteer"), "organisation",
                                      "declined_organisation", "email", "now")
    match = {"status": "declined", "for_date": "2026-03-10", "accepted_by": accepted_by}

    assert model.skip_reason(declined, match, {"schedule": WEEKLY}, oslo(3, 9, 18)) == reason


@pytest.mark.parametrize("lang, words", [
    ("nb", ("Den faste frivillige", "kan ikke komme tirsdag 10. mars 2026 kl. 17.30–19.00",
            "bare denne ene datoen", "Når: tirsdag 10. mars 2026 kl. 17.30–19.00 (bare denne ene gangen)")),
    ("en", ("The regular volunteer", "can't come on Tuesday 10 March 2026, 17:30–19:00", "this one date only",
            "When: Tuesday 10 March 2026, 17:30–19:00 (this one time only)")),
])
def test_a_stand_in_proposal_is_for_one_date_because_the_usual_volunteer_cannot_come(lang, words):
    message = render("stand_in_proposal", lang, {**CONTEXT, "for_date": "2026-03-10", "respond_url": "https://x/r/c",
                                                 "expires_at": "2026-03-08T11:00:00Z", "answer_hours": "48"})

    for text in words:
        assert text in message.text
    assert "tirsdager" not in message.text and "Tuesdays" not in message.text
    assert message.sms.endswith(" https://x/r/c")


@pytest.mark.parametrize("lang, deadline, fixed", [
    ("nb", "De må bekrefte senest tirsdag 10. mars 2026 kl. 17.30.", "timer"),
    ("en", "They must confirm by Tuesday 10 March 2026 at 17:30 at the latest.", "hours"),
])
def test_a_stand_in_asked_shortly_before_the_date_is_told_the_organisation_must_answer_before_it_begins(
        lang, deadline, fixed):
    """The matcher gives no answer time past the date's start: neither the volunteer (who is asked to answer by
    then) nor, after a yes, the organisation has the full PROPOSAL_TTL_HOURS."""
    context = {**CONTEXT, "for_date": "2026-03-10", "respond_url": "https://x/r/c", "answer_hours": "48",
               "expires_at": "2026-03-10T16:30:00Z"}  # asked on the Monday: answer by the start, Tuesday 17.30

    message = render("stand_in_proposal", lang, context)

    assert deadline in message.text and deadline in message.html
    assert f"48 {fixed}" not in message.text + message.html


@pytest.mark.parametrize("kind", ["stand_in_proposal", "proposal", "candidate_found"])
def test_a_date_far_enough_ahead_leaves_the_organisation_its_full_answer_time(kind):
    context = {**CONTEXT, "for_date": "2026-03-10", "respond_url": "https://x/r/c", "answer_hours": "48",
               "expires_at": "2026-03-06T16:30:00Z"}
    if kind != "stand_in_proposal":
        context = {**context, "for_date": None,
                   "schedule": {"start": "2026-03-10T17:30:00+01:00", "end": "2026-03-10T19:00:00+01:00"}}

    assert "48 timer" in render(kind, "nb", context).text
    assert "48 timer" not in render(kind, "nb", {**context, "expires_at": "2026-03-08T17:30:00Z"}).text


@pytest.mark.parametrize("kind", ["withdrawn_volunteer", "cancelled_volunteer"])
@pytest.mark.parametrize("lang, day", [("nb", "tir. {}.3. kl. 17.30–19.00"), ("en", "Tue {} Mar 17:30–19:00")])
def test_stand_in_requests_withdrawn_for_several_dates_each_name_their_date_in_subject_and_sms(kind, lang, day):
    long = {**CONTEXT, "need_title": "Besøksvenn og turvenn for beboere på skjermet avdeling i andre etasje",
            "organisation_name": "Fjell bo- og omsorgssenter (Drammen kommune), avdeling for langtidsopphold"}

    messages = [render(kind, lang, {**long, "for_date": f"2026-03-{d}"}) for d in ("10", "17")]

    for message, date in zip(messages, ("10", "17")):
        assert day.format(date) in message.subject and to_gsm7(day.format(date)) in message.sms
    assert messages[0].subject != messages[1].subject and messages[0].sms != messages[1].sms


@pytest.mark.parametrize("lang, subjects", [
    ("nb", {"confirmed_volunteer": "Takk! Du er med på «Besøksvenn» tir. {}.3. kl. 17.30–19.00",
            "confirmed_organisation": "Bekreftet: Kari hjelper dere med «Besøksvenn» tir. {}.3. kl. 17.30–19.00"}),
    ("en", {"confirmed_volunteer": "Thank you! You're on board for “Besøksvenn” on Tue {} Mar 17:30–19:00",
            "confirmed_organisation":
                "Confirmed: Kari is helping you with “Besøksvenn” on Tue {} Mar 17:30–19:00"}),
])
def test_a_stand_ins_confirmations_name_its_date_in_the_subject_and_a_standing_ones_do_not(lang, subjects):
    context = {**CONTEXT, "volunteer_name": "Kari", "volunteer_email": "k@example.no", "contact_name": "Ola",
               "contact_email": "o@example.no", "page_url": "https://x/min-side"}

    for kind, subject in subjects.items():
        for day in ("10", "17"):
            assert render(kind, lang, {**context, "for_date": f"2026-03-{day}"}).subject == subject.format(day)
        standing = render(kind, lang, context).subject
        assert standing.endswith("Besøksvenn»" if lang == "nb" else "Besøksvenn”") and "17:30" not in standing


@pytest.mark.parametrize("kind", ["confirmed_volunteer", "confirmed_organisation", "volunteer_accepted"])
def test_a_stand_ins_later_messages_give_the_one_date_not_the_weekly_schedule(kind):
    context = {**CONTEXT, "for_date": "2026-03-10", "volunteer_name": "Kari", "volunteer_email": "k@example.no",
               "contact_name": "Ola", "contact_email": "o@example.no", "respond_url": "https://x/r/c",
               "expires_at": "2026-03-08T11:00:00Z", "page_url": "https://x/min-side"}

    text = render(kind, "nb", context).text

    assert "Når: tirsdag 10. mars 2026 kl. 17.30–19.00 (bare denne ene gangen)" in text
    assert "tirsdager" not in text


@pytest.mark.parametrize("kind", ["declined_volunteer", "expired_volunteer", "cancelled_volunteer",
                                  "unconfirmed_organisation"])
def test_a_stand_ins_closing_messages_name_the_one_date(kind):
    text = render(kind, "nb", {**CONTEXT, "for_date": "2026-03-10"}).text

    assert "Det gjaldt én dato: tirsdag 10. mars 2026 kl. 17.30–19.00." in text
    assert "Det gjaldt" not in render(kind, "nb", CONTEXT).text


def test_the_organisation_is_told_the_absent_date_and_that_another_volunteer_is_asked():
    message = render("absence_organisation", "nb", {**CONTEXT, "absent_on": "2026-03-10", "volunteer_name": "Kari"})

    assert message.subject == "Kari kan ikke komme tir. 10.3. kl. 17.30–19.00"
    assert "Vi spør nå en annen frivillig om å ta akkurat den gangen." in message.text


def test_the_organisation_is_told_the_period_of_a_pause():
    text = render("paused_organisation", "nb", {**CONTEXT, "paused_from": "2026-03-09", "paused_until": "2026-03-29",
                                                "volunteer_name": "Kari"}).text

    assert "fra og med mandag 9. mars 2026 til og med søndag 29. mars 2026" in text


def test_the_organisation_is_reminded_when_and_how_long_ago_it_saw_the_certificate():
    message = render("certificate_expired_organisation", "en",
                     {**CONTEXT, "volunteer_name": "Kari", "certificate_seen_on": "2024-01-10",
                      "certificate_max_age_months": 24})

    assert "police certificate of Kari" in message.subject
    assert "on Wednesday 10 January 2024. That is more than 24 months ago" in message.text


def _parties(**match: Any) -> Parties:
    view = {"id": MATCH_ID, "need_id": "n1", "offer_id": "o1", "organisation_id": "org1", "status": "confirmed",
            "confirmed_at": "2026-03-02T11:00:00.000000+00:00", **match}
    need = {"id": "n1", "title": "Besøksvenn", "district": "fjell", "schedule": WEEKLY}
    offer = {"id": "o1", "status": "open", "volunteer": {"name": "Kari Nordmann", "email": "k@example.no"}}
    return Parties(view, need, {"name": "Fjell bo- og omsorgssenter"}, offer)


def _notifier() -> SimpleNamespace:
    return SimpleNamespace(config=Config(web_url="https://frivillig.example"), clock=lambda: oslo(3, 2, 12))


def _event_of(attachment) -> icalendar.Event:
    [vevent] = icalendar.Calendar.from_ical(attachment.data).walk("VEVENT")
    return vevent


def test_the_confirmation_mail_carries_the_assignment_to_add_and_the_organisations_names_the_volunteer():
    doc = {"_id": "x", "kind": "confirmed_organisation", "channel": "email", "role": "organisation"}

    attachment = calendar_file(doc, _parties(), _notifier())

    assert (attachment.filename, attachment.content_type) == ("oppdrag.ics",
                                                              "text/calendar; method=PUBLISH; charset=utf-8")
    vevent = _event_of(attachment)
    assert str(vevent["uid"]) == f"{MATCH_ID}@frivillig.drammen"
    assert "Kari Nordmann" in str(vevent["description"])


def test_an_ended_assignments_mail_carries_its_cancellation_with_the_same_uid():
    doc = {"_id": "x", "kind": "ended_volunteer", "channel": "email", "role": "volunteer"}

    attachment = calendar_file(doc, _parties(status="ended"), _notifier())

    assert attachment.content_type == "text/calendar; method=CANCEL; charset=utf-8"
    assert b"METHOD:CANCEL" in attachment.data
    vevent = _event_of(attachment)
    assert (str(vevent["uid"]), str(vevent["status"])) == (f"{MATCH_ID}@frivillig.drammen", "CANCELLED")


@pytest.mark.parametrize("kind, channel", [("confirmed_volunteer", "sms"), ("proposal", "email"),
                                           ("reminder", "email")])
def test_no_other_message_carries_a_calendar(kind, channel):
    doc = {"_id": "x", "kind": kind, "channel": channel, "role": "volunteer"}

    assert calendar_file(doc, _parties(), _notifier()) is None


def test_a_need_whose_schedule_yields_no_event_sends_its_confirmation_without_a_calendar():
    doc = {"_id": "x", "kind": "confirmed_volunteer", "channel": "email", "role": "volunteer"}

    assert calendar_file(doc, _parties(for_date="2026-03-11"), _notifier()) is None  # a Wednesday: no occurrence


@pytest.mark.parametrize("absence, dates", [
    (event("match.paused", dates=["2026-03-10", "2026-03-17"]), {"2026-03-10": "paused", "2026-03-17": "paused"}),
    (event("match.absence_reported", date="2026-03-10", reason="absent"), {"2026-03-10": "absent"}),
])
def test_an_absence_or_a_pause_names_the_dates_kept_for_the_reminders(absence, dates):
    assert model.absent_dates(absence) == dates


@pytest.mark.parametrize("now, week", [
    (oslo(3, 9, 7, 59), None), (oslo(3, 9, 8, 0), "2026-W11"), (oslo(3, 15, 23, 0), "2026-W11"),
    (datetime(2026, 12, 28, 9, 0, tzinfo=OSLO), "2026-W53"), (datetime(2027, 1, 4, 9, 0, tzinfo=OSLO), "2027-W01"),
])
def test_a_weeks_digest_is_due_from_monday_eight_oclock_oslo_time(now, week):
    assert digests.digest_week(now) == week


def test_the_digest_lists_past_occurrences_since_the_confirmation_with_nothing_recorded():
    match = {"id": MATCH_ID, "status": "confirmed", "confirmed_at": "2026-02-20T10:00:00.000000+00:00",
             "occurrences": {"2026-03-03": {"status": "attended", "minutes": 90}}}
    need = {"title": "Besøksvenn", "schedule": WEEKLY}

    found = digests.unrecorded(match, need, oslo(3, 17, 18))

    assert [item["date"] for item in found] == ["2026-02-24", "2026-03-10", "2026-03-17"]
    ended = {**match, "status": "ended", "ended_at": "2026-03-12T09:00:00.000000+00:00"}
    assert [item["date"] for item in digests.unrecorded(ended, need, oslo(3, 17, 18))] == ["2026-02-24", "2026-03-10"]
    assert digests.unrecorded({**match, "status": "cancelled"}, need, oslo(3, 17, 18)) == []


def test_a_digest_with_nothing_to_say_is_kept_as_skipped_and_names_nobody():
    empty = digests.new_digest("org1", "2026-W11", [], "now")
    full = digests.new_digest("org1", "2026-W11", [{"match_id": MATCH_ID, "date": "2026-03-10",
                                                    "start": "2026-03-10T17:30:00+01:00", "need_title": "B"}], "now")

    assert (empty["_id"], empty["status"], empty["reason"]) == ("digest:org1:2026-W11", "skipped", "nothing_unrecorded")
    assert full["status"] == "pending" and full["_id"] == empty["_id"]


def test_the_digest_says_each_unrecorded_time_and_where_to_record_it():
    message = render("unrecorded_digest", "nb", {
        "organisation_name": "Fjell", "needs_url": "https://x/vare-behov", "weeks": 4,
        "unrecorded": [{"need_title": "Besøksvenn", "start": "2026-03-10T17:30:00+01:00"}]})

    assert message.subject == "Husk å registrere oppmøte: 1 gang uten registrering"
    assert "- Besøksvenn: tirsdag 10. mars 2026 kl. 17.30" in message.text and "https://x/vare-behov" in message.text
