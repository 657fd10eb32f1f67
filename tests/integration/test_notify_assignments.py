"""Assignments as notify sends them: calendar files in the confirmation and cancellation mails, stand-in
proposals for one date, the organisation told of absences, and reminders that leave out absent dates."""
from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

import icalendar
import pytest
from dateutil.rrule import rrulestr

from deploy import standins
from shared.clock import to_iso
from shared.consume import ConsumeLoop
from shared.kafka import Publisher, Subscription, ensure_topics
from shared.timeslots import OSLO
from services.notify.delivery import deliver_due
from services.notify.digests import plan_digests
from services.notify.handlers import (EVENT_HANDLERS, on_absence, on_match_confirmed, on_match_ended, on_match_event,
                                      plan_reminders)
from tests.conftest import wait_until
from tests.integration.notify_fixtures import add_pair, match_event
from tests.integration.notify_fixtures import (  # noqa: F401  (fixtures, found by name)
    clock, directory, make_notifier, notifier, notify_config, notify_db, sms_sink)

MONDAY_EVENING = datetime(2026, 3, 2, 18, 0, tzinfo=OSLO)


def _confirmed(notifier, directory, clock, **match):
    pair = add_pair(directory, status="confirmed")
    directory.matches[pair.match_id].update(confirmed_at=to_iso(clock.now), **match)
    on_match_confirmed(match_event("match.confirmed", pair, **match), notifier)
    return pair


def _calendar(mail) -> tuple[icalendar.Calendar, object]:
    [part] = list(mail.message.iter_attachments())
    return icalendar.Calendar.from_ical(part.get_payload(decode=True)), part


def _reminders(mailbox) -> list[str]:
    return [m.message["subject"] for m in mailbox if m.message["subject"].startswith("Påminnelse")]


def test_the_confirmation_mail_carries_the_weekly_assignment_at_the_same_wall_clock_time_across_summer_time(
        notifier, directory, clock, smtp_server):
    pair = _confirmed(notifier, directory, clock)

    [mail] = smtp_server.to(pair.volunteer_email)
    cal, part = _calendar(mail)
    assert (part.get_filename(), part.get_content_type()) == ("oppdrag.ics", "text/calendar")
    assert (part.get_param("method"), part.get_param("charset")) == ("PUBLISH", "utf-8")
    assert str(cal["method"]) == "PUBLISH"
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["uid"]) == f"{pair.match_id}@frivillig.drammen"
    start = vevent.decoded("dtstart")
    assert (start, str(start.tzinfo)) == (datetime(2026, 3, 3, 17, 30, tzinfo=OSLO), "Europe/Oslo")
    dates = rrulestr(vevent["rrule"].to_ical().decode(), dtstart=start)
    before, after = dates[3], dates[4]  # Tuesday 24 March (winter time) and 31 March (summer time since the 29th)
    assert [(d.date().isoformat(), d.astimezone(OSLO).strftime("%H:%M")) for d in (before, after)] == [
        ("2026-03-24", "17:30"), ("2026-03-31", "17:30")]
    assert [d.astimezone(UTC).hour for d in (before, after)] == [16, 15]
    assert dates[-1].date().isoformat() == "2026-06-30"
    [to_organisation] = smtp_server.to(pair.contact_email)
    organisation_event = _calendar(to_organisation)[0].walk("VEVENT")[0]
    assert "Kari Nordmann" in str(organisation_event["description"])


def test_the_confirmation_sms_has_no_attachment_and_the_proposal_mail_none(notifier, directory, clock, smtp_server,
                                                                            sms_sink):
    pair = add_pair(directory, channels=("email", "sms"))
    on_match_event(match_event("match.proposed", pair), notifier)

    [proposal] = smtp_server.to(pair.volunteer_email)
    assert list(proposal.message.iter_attachments()) == []
    assert set(sms_sink.to(pair.volunteer_phone)[0]) == {"to", "text", "key"}


def test_an_ended_assignment_is_told_to_the_other_side_with_a_cancellation_of_the_same_event(
        notifier, directory, clock, smtp_server):
    pair = _confirmed(notifier, directory, clock)
    confirmation = _calendar(smtp_server.to(pair.volunteer_email)[0])[0].walk("VEVENT")[0]
    directory.matches[pair.match_id].update(status="ended", ended_by="organisation")

    clock.advance(days=3)
    on_match_ended(match_event("match.ended", pair, by="organisation"), notifier)

    mails = smtp_server.to(pair.volunteer_email)
    assert mails[-1].message["subject"] == "«Besøksvenn på Fjell bo- og omsorgssenter» er avsluttet"
    cal, part = _calendar(mails[-1])
    assert part.get_param("method") == "CANCEL" and str(cal["method"]) == "CANCEL"
    [cancelled] = cal.walk("VEVENT")
    assert str(cancelled["uid"]) == str(confirmation["uid"])
    assert (int(cancelled["sequence"]) > int(confirmation["sequence"]), str(cancelled["status"])) == (
        True, "CANCELLED")
    receipt = smtp_server.to(pair.contact_email)[-1]  # the organisation ended it: its receipt takes it out too
    assert receipt.message["subject"] == "Du har avsluttet «Besøksvenn på Fjell bo- og omsorgssenter»"
    receipt_calendar, receipt_part = _calendar(receipt)
    assert receipt_part.get_param("method") == "CANCEL"
    assert str(receipt_calendar.walk("VEVENT")[0]["uid"]) == str(confirmation["uid"])
    assert notifier.repo.assignment(pair.match_id)["status"] == "ended"


def test_a_cancelled_assignment_mail_carries_the_cancellation(notifier, directory, clock, smtp_server):
    pair = _confirmed(notifier, directory, clock)
    directory.matches[pair.match_id]["status"] = "cancelled"

    on_match_event(match_event("match.cancelled", pair, reason="need_closed", was_confirmed=True), notifier)

    cal, part = _calendar(smtp_server.to(pair.volunteer_email)[-1])
    assert part.get_param("method") == "CANCEL"
    assert str(cal.walk("VEVENT")[0]["uid"]) == f"{pair.match_id}@frivillig.drammen"


def test_a_stand_in_is_asked_for_one_date_and_the_organisation_is_not_told_of_the_candidate(
        notifier, directory, clock, smtp_server):
    pair = add_pair(directory)
    answer_by = "2026-03-10T16:30:00+00:00"  # asked less than PROPOSAL_TTL_HOURS ahead: until the date begins
    directory.matches[pair.match_id].update(for_date="2026-03-10", stands_in_for="standing-match",
                                            expires_at=answer_by)

    on_match_event(match_event("match.proposed", pair, for_date="2026-03-10", stands_in_for="standing-match",
                               expires_at=answer_by), notifier)

    [mail] = smtp_server.to(pair.volunteer_email)
    assert mail.message["subject"] == ("Kan du stille én gang for Fjell bo- og omsorgssenter, "
                                       "tir. 10.3. kl. 17.30–19.00?")
    text = mail.message.get_body(("plain",)).get_content()
    assert "Den faste frivillige" in text
    assert "Når: tirsdag 10. mars 2026 kl. 17.30–19.00 (bare denne ene gangen)" in text
    assert "tirsdager" not in text
    assert "/r/" in text
    assert "Svar innen tirsdag 10. mars 2026 kl. 17.30." in text
    assert "De må bekrefte senest tirsdag 10. mars 2026 kl. 17.30." in text and "48 timer" not in text
    assert smtp_server.to(pair.contact_email) == []


def test_stand_in_requests_withdrawn_when_the_assignment_ends_come_one_mail_per_date_each_naming_it(
        notifier, directory, smtp_server):
    first = add_pair(directory)
    second = replace(first, match_id=str(uuid.uuid4()))  # the same volunteer, asked for another date too
    withdrawn = []
    for pair, day in ((first, "2026-03-10"), (second, "2026-03-17")):
        directory.matches[pair.match_id] = {**directory.matches[first.match_id], "id": pair.match_id,
                                            "status": "cancelled", "for_date": day, "stands_in_for": "standing"}
        withdrawn.append(match_event("match.cancelled", pair, reason="assignment_ended", was_confirmed=False,
                                     for_date=day, stands_in_for="standing"))

    for event in withdrawn + withdrawn:  # each delivered twice
        on_match_event(event, notifier)

    subjects = sorted(m.message["subject"] for m in smtp_server.to(first.volunteer_email))
    title = "«Besøksvenn på Fjell bo- og omsorgssenter»"
    assert subjects == [f"Forespørselen om {title} tir. {day}.3. kl. 17.30–19.00 er trukket tilbake"
                        for day in (10, 17)]


STAND_IN_DATE = "2026-03-10"


def _folded_by_the_matcher(directory, stand_in, standing):
    """The matcher's own view once it has closed the stand-in match (covered_by_assignment)."""
    directory.matches[stand_in.match_id].update(status="cancelled", cancel_reason="covered_by_assignment",
                                                covered_by=standing.match_id)


def _given_the_standing_place(notifier, directory, clock, stand_in, matcher_folded=True, was_confirmed=True):
    """The stand-in's volunteer confirmed now for the standing place of the same need: the matcher closes the
    stand-in match (covered_by_assignment), here at once unless matcher_folded is False. Returns the standing match
    and the stand-in's match.cancelled, which notify has not seen yet."""
    standing = replace(stand_in, match_id=str(uuid.uuid4()))
    view = {k: v for k, v in directory.matches[stand_in.match_id].items() if k not in ("for_date", "stands_in_for")}
    directory.matches[standing.match_id] = {**view, "id": standing.match_id, "status": "confirmed",
                                            "confirmed_at": to_iso(clock.now)}
    on_match_confirmed(match_event("match.confirmed", standing), notifier)
    if matcher_folded:
        _folded_by_the_matcher(directory, stand_in, standing)
    return standing, match_event("match.cancelled", stand_in, reason="covered_by_assignment",
                                 was_confirmed=was_confirmed, covered_by=standing.match_id, for_date=STAND_IN_DATE,
                                 stands_in_for="other-match")


def test_a_stand_in_given_the_standing_place_is_told_once_they_come_as_agreed_and_the_date_leaves_as_an_event(
        notifier, directory, clock, smtp_server):
    stand_in = _confirmed(notifier, directory, clock, for_date=STAND_IN_DATE, stands_in_for="other-match")
    standing, folded = _given_the_standing_place(notifier, directory, clock, stand_in)
    told_before = len(smtp_server.to(stand_in.volunteer_email)), len(smtp_server.to(stand_in.contact_email))

    EVENT_HANDLERS["match.cancelled"](folded, notifier)
    EVENT_HANDLERS["match.cancelled"](folded, notifier)  # redelivered

    [mail] = smtp_server.to(stand_in.volunteer_email)[told_before[0]:]
    assert mail.message["subject"] == ("«Besøksvenn på Fjell bo- og omsorgssenter» tir. 10.3. kl. 17.30–19.00 "
                                       "hører nå til det faste oppdraget ditt")
    text = mail.message.get_body(("plain",)).get_content()
    assert "Du kommer som avtalt tirsdag 10. mars 2026 kl. 17.30–19.00" in text and "avlyst" not in text
    cal, part = _calendar(mail)
    assert part.get_param("method") == "CANCEL"
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["uid"]) == f"{stand_in.match_id}@frivillig.drammen" and "rrule" not in vevent
    assert len(smtp_server.to(stand_in.contact_email)) == told_before[1] + 1  # the organisation's, below
    assert [(n["kind"], n["channel"]) for n in notifier.repo.for_match(stand_in.match_id)
            if n["kind"] != "confirmed_volunteer" and n["role"] == "volunteer"] == [
        ("stand_in_folded_volunteer", "email")]
    clock.now = datetime(2026, 3, 9, 18, 0, tzinfo=OSLO)
    plan_reminders(notifier)
    assert _reminders(smtp_server.to(stand_in.volunteer_email)) == [
        "Påminnelse: «Besøksvenn på Fjell bo- og omsorgssenter» starter tir. 10.3. kl. 17.30"]
    assert {n["match_id"] for n in notifier.repo.db.notifications.find({"kind": "reminder", "status": "sent"})} == {
        standing.match_id}


def test_the_organisation_is_told_a_confirmed_stand_ins_date_is_now_on_the_standing_match_and_loses_its_event(
        notifier, directory, clock, smtp_server):
    stand_in = _confirmed(notifier, directory, clock, for_date=STAND_IN_DATE, stands_in_for="other-match")
    [published] = _calendar(smtp_server.to(stand_in.contact_email)[0])[0].walk("VEVENT")
    directory.organisations[stand_in.organisation_id].update(name="Drammen kommune", unit="Fjell bo- og omsorgssenter")
    standing, folded = _given_the_standing_place(notifier, directory, clock, stand_in)
    told_before = len(smtp_server.to(stand_in.contact_email))

    EVENT_HANDLERS["match.cancelled"](folded, notifier)
    EVENT_HANDLERS["match.cancelled"](folded, notifier)  # redelivered

    [mail] = smtp_server.to(stand_in.contact_email)[told_before:]
    assert mail.message["subject"] == ("«Besøksvenn på Fjell bo- og omsorgssenter» tir. 10.3. kl. 17.30–19.00 "
                                       "hører nå til den faste avtalen med Kari Nordmann")
    text = mail.message.get_body(("plain",)).get_content()
    assert "hos Fjell bo- og omsorgssenter (Drammen kommune), tirsdag 10. mars 2026 kl. 17.30–19.00" in text
    assert "Kari Nordmann kommer som avtalt tirsdag 10. mars 2026 kl. 17.30–19.00" in text and "avlyst" not in text
    cal, part = _calendar(mail)
    assert (part.get_param("method"), str(cal["method"])) == ("CANCEL", "CANCEL")
    [cancelled] = cal.walk("VEVENT")
    assert str(cancelled["uid"]) == str(published["uid"]) == f"{stand_in.match_id}@frivillig.drammen"
    assert "rrule" not in cancelled and int(cancelled["sequence"]) > int(published["sequence"])
    assert [(n["kind"], n["channel"]) for n in notifier.repo.for_match(stand_in.match_id)
            if n["role"] == "organisation" and n["kind"] != "confirmed_organisation"] == [
        ("stand_in_folded_organisation", "email")]


def test_the_organisation_hears_nothing_of_a_stand_in_only_proposed_when_the_standing_match_takes_the_date(
        notifier, directory, clock, smtp_server):
    stand_in = add_pair(directory)
    directory.matches[stand_in.match_id].update(for_date=STAND_IN_DATE, stands_in_for="other-match",
                                                accepted_by=["volunteer"])
    standing, folded = _given_the_standing_place(notifier, directory, clock, stand_in, was_confirmed=False)
    told_before = len(smtp_server.to(stand_in.contact_email)), len(smtp_server.to(stand_in.volunteer_email))

    EVENT_HANDLERS["match.cancelled"](folded, notifier)

    assert smtp_server.to(stand_in.contact_email)[told_before[0]:] == []
    [told] = smtp_server.to(stand_in.volunteer_email)[told_before[1]:]
    assert list(told.message.iter_attachments()) == []  # no event was ever in a calendar


@pytest.mark.parametrize("stand_in_reminded_first", [True, False], ids=["stand-in-reminded-before", "same-round"])
def test_reminders_planned_between_the_standing_confirmation_and_the_fold_remind_of_the_date_once(
        stand_in_reminded_first, notifier, directory, clock, smtp_server):
    stand_in = _confirmed(notifier, directory, clock, for_date=STAND_IN_DATE, stands_in_for="other-match")
    clock.now = datetime(2026, 3, 9, 17, 45, tzinfo=OSLO)
    if stand_in_reminded_first:
        plan_reminders(notifier)
    clock.advance(minutes=5)
    standing, folded = _given_the_standing_place(notifier, directory, clock, stand_in, matcher_folded=False)

    for _ in range(2):  # rounds of planning before the matcher's fold reaches notify
        clock.advance(minutes=1)
        plan_reminders(notifier)
    _folded_by_the_matcher(directory, stand_in, standing)
    EVENT_HANDLERS["match.cancelled"](folded, notifier)
    clock.advance(minutes=1)
    plan_reminders(notifier)

    assert _reminders(smtp_server.to(stand_in.volunteer_email)) == [
        "Påminnelse: «Besøksvenn på Fjell bo- og omsorgssenter» starter tir. 10.3. kl. 17.30"]


def test_a_stand_in_whose_confirmation_notify_sees_after_the_standing_matchs_is_not_reminded_of_the_date_again(
        notifier, directory, clock, smtp_server):
    stand_in = add_pair(directory, status="confirmed")
    directory.matches[stand_in.match_id].update(for_date=STAND_IN_DATE, stands_in_for="other-match",
                                                confirmed_at=to_iso(clock.now))
    clock.now = datetime(2026, 3, 9, 17, 45, tzinfo=OSLO)
    standing, folded = _given_the_standing_place(notifier, directory, clock, stand_in, matcher_folded=False)
    plan_reminders(notifier)

    on_match_confirmed(match_event("match.confirmed", stand_in, for_date=STAND_IN_DATE, stands_in_for="other-match"),
                       notifier)  # its event came later, from another partition
    clock.advance(minutes=1)
    plan_reminders(notifier)

    assert len(_reminders(smtp_server.to(stand_in.volunteer_email))) == 1


def test_a_stand_in_already_reminded_of_the_date_is_not_reminded_again_once_the_standing_match_holds_it(
        notifier, directory, clock, smtp_server):
    stand_in = _confirmed(notifier, directory, clock, for_date=STAND_IN_DATE, stands_in_for="other-match")
    clock.now = datetime(2026, 3, 9, 18, 0, tzinfo=OSLO)
    plan_reminders(notifier)

    clock.advance(hours=1)
    standing, folded = _given_the_standing_place(notifier, directory, clock, stand_in)
    EVENT_HANDLERS["match.cancelled"](folded, notifier)
    clock.advance(hours=1)
    plan_reminders(notifier)

    assert len(_reminders(smtp_server.to(stand_in.volunteer_email))) == 1
    [kept] = [n for n in notifier.repo.for_match(standing.match_id)
              if n["kind"] == "reminder" and n["channel"] == "email"]
    assert (kept["status"], kept["reason"]) == ("skipped", "reminded_as_stand_in")


def test_the_organisation_is_told_of_an_absence_and_the_volunteer_is_not_reminded_of_that_date(
        notifier, directory, clock, smtp_server):
    clock.now = datetime(2026, 3, 2, 12, 0, tzinfo=OSLO)
    pair = _confirmed(notifier, directory, clock)
    directory.matches[pair.match_id]["occurrences"] = {"2026-03-03": {"status": "absent", "by": "volunteer"}}
    absence = match_event("match.absence_reported", pair, date="2026-03-03", reason="absent")

    on_absence(absence, notifier)
    on_absence(absence, notifier)
    clock.now = MONDAY_EVENING
    assert plan_reminders(notifier) == 0

    told = smtp_server.to(pair.contact_email)[-1]
    assert told.message["subject"] == "Kari Nordmann kan ikke komme tir. 3.3. kl. 17.30–19.00"
    assert "Vi spør nå en annen frivillig" in told.message.get_body(("plain",)).get_content()
    assert len(smtp_server.to(pair.contact_email)) == 2  # the confirmation and the absence, once
    assert notifier.repo.assignment(pair.match_id)["absent"] == {"2026-03-03": "absent"}
    clock.advance(days=7)
    plan_reminders(notifier)
    assert [s.split(" starter ")[1] for s in _reminders(smtp_server.to(pair.volunteer_email))] == [
        "tir. 10.3. kl. 17.30"]


def test_a_pause_tells_the_organisation_its_period_and_leaves_its_dates_unreminded(notifier, directory, clock,
                                                                                   smtp_server):
    pair = _confirmed(notifier, directory, clock)
    on_absence(match_event("match.paused", pair, **{"from": "2026-03-02", "until": "2026-03-15",
                                                          "dates": ["2026-03-03", "2026-03-10"]}), notifier)

    for day in (2, 9):
        clock.now = datetime(2026, 3, day, 18, 0, tzinfo=OSLO)
        assert plan_reminders(notifier) == 0
    text = smtp_server.to(pair.contact_email)[-1].message.get_body(("plain",)).get_content()
    assert "fra og med mandag 2. mars 2026 til og med søndag 15. mars 2026" in text


def test_a_reminder_planned_before_the_absence_was_reported_is_not_sent(make_notifier, directory, clock,
                                                                        smtp_server):
    clock.now = MONDAY_EVENING
    down = make_notifier(smtp_port=standins.free_port())
    pair = _confirmed(down, directory, clock)
    plan_reminders(down)
    directory.matches[pair.match_id]["occurrences"] = {"2026-03-03": {"status": "absent", "by": "volunteer"}}

    clock.advance(hours=1)
    deliver_due(make_notifier())

    assert _reminders(smtp_server.to(pair.volunteer_email)) == []
    [reminder] = [n for n in down.repo.for_match(pair.match_id) if n["kind"] == "reminder" and n["channel"] == "email"]
    assert (reminder["status"], reminder["reason"]) == ("skipped", "absent")


def test_a_stand_in_is_reminded_of_its_one_date_and_no_other(notifier, directory, clock, smtp_server):
    clock.now = datetime(2026, 3, 2, 12, 0, tzinfo=OSLO)
    pair = _confirmed(notifier, directory, clock, for_date="2026-03-10", stands_in_for="standing-match")

    for day in (2, 9, 16):
        clock.now = datetime(2026, 3, day, 18, 0, tzinfo=OSLO)
        plan_reminders(notifier)

    assert [s.split(" starter ")[1] for s in _reminders(smtp_server.to(pair.volunteer_email))] == [
        "tir. 10.3. kl. 17.30"]
    assert notifier.repo.assignment(pair.match_id)["status"] == "ended"
    [confirmation] = [m for m in smtp_server.to(pair.volunteer_email) if m.message["subject"].startswith("Takk!")]
    [vevent] = _calendar(confirmation)[0].walk("VEVENT")
    assert vevent.decoded("dtstart") == datetime(2026, 3, 10, 17, 30, tzinfo=OSLO) and "rrule" not in vevent


def test_the_organisation_is_reminded_once_of_a_police_certificate_grown_too_old(notifier, directory, clock,
                                                                                 smtp_server):
    pair = _confirmed(notifier, directory, clock)
    expired = match_event("match.certificate_expired", pair, seen_on="2024-01-10", max_age_months=24)

    on_match_event(expired, notifier)
    on_match_event(expired, notifier)

    reminded = [m for m in smtp_server.to(pair.contact_email) if "Politiattesten" in m.message["subject"]]
    assert [m.message["subject"] for m in reminded] == ["Politiattesten til Kari Nordmann bør ses på nytt"]
    assert "onsdag 10. januar 2024" in reminded[0].message.get_body(("plain",)).get_content()


@pytest.fixture
def broker(tmp_path):
    """A broker of its own, so that the loop reads only this test's events."""
    with standins.kafka(tmp_path) as address:
        yield address


def test_assignment_events_from_the_broker_reach_the_side_each_is_for(broker, notifier, directory, clock,
                                                                      smtp_server):
    config = notifier.config.with_overrides(kafka_bootstrap_servers=broker)
    ensure_topics(config)
    pair = add_pair(directory, status="confirmed")
    directory.matches[pair.match_id]["confirmed_at"] = to_iso(clock.now)
    publisher = Publisher(config)
    publisher.publish(match_event("match.confirmed", pair))
    publisher.publish(match_event("match.absence_reported", pair, date="2026-03-10", reason="absent"))
    publisher.publish(match_event("match.occurrence_recorded", pair, date="2026-03-03", occurrence_status="attended",
                                  minutes=90))
    publisher.publish(match_event("match.ended", pair, by="volunteer"))
    handlers = {event_type: partial(handler, n=notifier) for event_type, handler in EVENT_HANDLERS.items()}
    loop = ConsumeLoop(config, Subscription(f"notify-{uuid.uuid4()}", handlers), publisher)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: (len(smtp_server.to(pair.contact_email)), len(smtp_server.to(pair.volunteer_email))) == (3, 2),
                   timeout=60)
    finally:
        loop.stop()
        thread.join(timeout=15)

    to_organisation = smtp_server.to(pair.contact_email)
    assert [m.message["subject"] for m in to_organisation] == [
        "Bekreftet: Kari Nordmann hjelper dere med «Besøksvenn på Fjell bo- og omsorgssenter»",
        "Kari Nordmann kan ikke komme tir. 10.3. kl. 17.30–19.00",
        "Kari Nordmann har avsluttet «Besøksvenn på Fjell bo- og omsorgssenter»"]
    methods = [[part.get_param("method") for part in m.message.iter_attachments()] for m in to_organisation]
    assert methods == [["PUBLISH"], [], ["CANCEL"]]
    to_volunteer = smtp_server.to(pair.volunteer_email)  # the confirmation, and the receipt of the end
    assert [[part.get_param("method") for part in m.message.iter_attachments()] for m in to_volunteer] == [
        ["PUBLISH"], ["CANCEL"]]


def _digests(mailbox) -> list:
    return [m for m in mailbox if m.message["subject"].startswith("Husk å registrere")]


def test_each_organisation_gets_one_digest_a_week_of_the_times_nobody_recorded(notifier, directory, clock,
                                                                               smtp_server):
    clock.now = datetime(2026, 2, 23, 12, 0, tzinfo=OSLO)
    pair = _confirmed(notifier, directory, clock)
    directory.matches[pair.match_id]["occurrences"] = {"2026-03-03": {"status": "attended", "minutes": 90}}

    clock.now = datetime(2026, 3, 9, 7, 30, tzinfo=OSLO)
    assert plan_digests(notifier) == 0
    clock.now = datetime(2026, 3, 9, 8, 5, tzinfo=OSLO)
    assert plan_digests(notifier) == 1
    clock.advance(hours=2)
    assert plan_digests(notifier) == 0

    [digest] = _digests(smtp_server.to(pair.contact_email))
    text = digest.message.get_body(("plain",)).get_content()
    assert "- Besøksvenn på Fjell bo- og omsorgssenter: tirsdag 24. februar 2026 kl. 17.30" in text
    assert "3. mars" not in text and "Kari" not in text
    assert f"{notifier.config.web_url}/vare-behov" in text
    clock.now = datetime(2026, 3, 16, 8, 5, tzinfo=OSLO)
    assert plan_digests(notifier) == 1
    assert len(_digests(smtp_server.to(pair.contact_email))) == 2


def test_no_digest_goes_to_an_organisation_that_recorded_everything(notifier, directory, clock, smtp_server):
    clock.now = datetime(2026, 3, 2, 12, 0, tzinfo=OSLO)
    pair = _confirmed(notifier, directory, clock)
    directory.matches[pair.match_id]["occurrences"] = {"2026-03-03": {"status": "no_show"}}

    clock.now = datetime(2026, 3, 9, 8, 5, tzinfo=OSLO)
    assert plan_digests(notifier) == 1  # made once, as skipped, so the week is not worked out again
    assert plan_digests(notifier) == 0

    assert _digests(smtp_server.to(pair.contact_email)) == []
    [kept] = list(notifier.repo.db.digests.find({"subject_id": pair.organisation_id}))
    assert (kept["status"], kept["reason"]) == ("skipped", "nothing_unrecorded")
