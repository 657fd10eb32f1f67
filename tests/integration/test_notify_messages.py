"""Notify tells each side of a match what the event calls for, once, in their language, on the channels they chose."""
from __future__ import annotations

from datetime import timedelta
from functools import partial
from types import SimpleNamespace

import pytest

from shared.clock import to_iso
from shared.consume import ConsumeLoop
from shared.events import MATCHES_TOPIC, parse_event
from shared.kafka import Subscription
from services.notify.delivery import deliver_due
from services.notify.handlers import EVENT_HANDLERS, on_match_accepted, on_match_event
from services.notify.worker import GROUP_ID
from tests.integration.notify_fixtures import NEED_TITLE, add_pair, answer_link, match_event
from tests.integration.notify_fixtures import (  # noqa: F401  (fixtures, found by name)
    clock, directory, make_notifier, notifier, notify_config, notify_db, sms_sink)

TITLE_NB, TITLE_EN = f"«{NEED_TITLE}»", f"“{NEED_TITLE}”"

# event, its data, the volunteer's subject in bokmål and in English, the organisation's subject (None: not told)
EVENTS = [
    pytest.param("match.proposed", {}, f"Kan du hjelpe Fjell bo- og omsorgssenter med {TITLE_NB}?",
                 f"Could you help Fjell bo- og omsorgssenter with {TITLE_EN}?",
                 f"Vi har funnet en mulig frivillig til {TITLE_NB}", id="proposed"),
    pytest.param("match.accepted", {"by": "volunteer"}, None, None,
                 f"Kari Nordmann har takket ja til {TITLE_NB} – bekreft innen ons. 4.3. kl. 12.00",
                 id="accepted-by-volunteer"),
    pytest.param("match.confirmed", {}, f"Takk! Du er med på {TITLE_NB}", f"Thank you! You're on board for {TITLE_EN}",
                 f"Bekreftet: Kari Nordmann hjelper dere med {TITLE_NB}", id="confirmed"),
    pytest.param("match.declined", {"by": "volunteer"}, "Takk for svaret ditt", "Thanks for your answer",
                 f"Vi leter videre etter en frivillig til {TITLE_NB}", id="declined-by-volunteer"),
    pytest.param("match.declined", {"by": "organisation"}, f"Forespørselen om {TITLE_NB} er trukket tilbake",
                 f"The request about {TITLE_EN} has been withdrawn", None, id="declined-by-organisation"),
    pytest.param("match.declined", {"by": "organisation", "accepted_by": ["volunteer"]},
                 f"{TITLE_NB} blir ikke noe av denne gangen", f"{TITLE_EN} won't go ahead this time", None,
                 id="declined-by-organisation-after-the-volunteer-accepted"),
    pytest.param("match.expired", {}, f"Svarfristen for {TITLE_NB} har gått ut",
                 f"The deadline for {TITLE_EN} has passed",
                 f"Vi leter videre etter en frivillig til {TITLE_NB}", id="expired"),
    pytest.param("match.expired", {"accepted_by": ["volunteer"]}, f"{TITLE_NB} ble ikke bekreftet i tide",
                 f"{TITLE_EN} was not confirmed in time", f"Forslaget til {TITLE_NB} har falt bort",
                 id="expired-waiting-for-the-organisation"),
    pytest.param("match.cancelled", {"reason": "offer_withdrawn", "was_confirmed": True}, None, None,
                 f"Avtalen om {TITLE_NB} er avlyst", id="cancelled-offer-withdrawn"),
    pytest.param("match.cancelled", {"reason": "need_closed", "was_confirmed": True}, f"{TITLE_NB} er avlyst",
                 f"{TITLE_EN} has been cancelled", None, id="cancelled-need-closed"),
    pytest.param("match.cancelled", {"reason": "offer_withdrawn", "was_confirmed": False}, None, None,
                 f"Den frivillige til {TITLE_NB} kan likevel ikke", id="proposal-cancelled-offer-withdrawn"),
    pytest.param("match.cancelled", {"reason": "need_closed", "was_confirmed": False},
                 f"Forespørselen om {TITLE_NB} er trukket tilbake", f"The request about {TITLE_EN} has been withdrawn",
                 None, id="proposal-cancelled-need-closed"),
]
LANGUAGES = [pytest.param(("nb",), "nb", id="nb"), pytest.param(("en", "ar"), "en", id="en+ar"),
             pytest.param(("nn", "en"), "nb", id="nn+en")]


def _subjects(mail: list) -> list[str]:
    return [m.message["subject"] for m in mail]


@pytest.mark.parametrize("languages, lang", LANGUAGES)
@pytest.mark.parametrize("event_type, data, volunteer_nb, volunteer_en, organisation", EVENTS)
def test_each_side_gets_what_the_event_calls_for_in_their_language(
        event_type, data, volunteer_nb, volunteer_en, organisation, languages, lang, notifier, directory, smtp_server):
    pair = add_pair(directory, languages=languages)

    on_match_event(match_event(event_type, pair, **data), notifier)

    volunteer = volunteer_nb if lang == "nb" else volunteer_en
    assert _subjects(smtp_server.to(pair.volunteer_email)) == ([volunteer] if volunteer else [])
    assert _subjects(smtp_server.to(pair.contact_email)) == ([organisation] if organisation else [])


def test_proposal_to_the_volunteer_carries_the_answer_link(notifier, directory, smtp_server):
    pair = add_pair(directory)

    on_match_event(match_event("match.proposed", pair), notifier)

    [mail] = smtp_server.to(pair.volunteer_email)
    assert answer_link(notifier, pair, "volunteer") in mail.text()


def test_a_proposal_for_a_need_requiring_a_police_certificate_links_the_confirmation_of_purpose(
        notifier, directory, smtp_server):
    pair = add_pair(directory)
    directory.needs[pair.need_id]["requirements"] = {"police_certificate": True,
                                                     "certificate_basis": "helse- og omsorgstjenesteloven § 5-4"}

    on_match_event(match_event("match.proposed", pair), notifier)

    [mail] = smtp_server.to(pair.volunteer_email)
    certificate_url = answer_link(notifier, pair, "volunteer") + "/politiattest"
    assert "Oppdraget krever politiattest" in mail.text() and certificate_url in mail.text()
    assert f'<a href="{certificate_url}">' in mail.message.get_body(("html",)).get_content()
    assert "politiattest" not in smtp_server.to(pair.contact_email)[0].text()


def test_the_confirmations_link_min_side_and_vare_behov_where_the_assignment_is_looked_after(
        notifier, directory, smtp_server):
    pair = add_pair(directory, status="confirmed")

    on_match_event(match_event("match.confirmed", pair), notifier)

    web = notifier.config.web_url.rstrip("/")
    for address, page, words in ((pair.volunteer_email, "/min-side", "Min side"),
                                 (pair.contact_email, "/vare-behov", "Våre behov")):
        [mail] = smtp_server.to(address)
        assert words in mail.text() and f"{web}{page}" in mail.text().splitlines()  # a line of its own
        assert f'<a href="{web}{page}">{words}</a>' in mail.message.get_body(("html",)).get_content()


@pytest.mark.parametrize("channels, phone, gateway, email_expected, sms_expected", [
    pytest.param(("email", "sms"), True, True, True, True, id="email-and-sms"),
    pytest.param(("email",), True, True, True, False, id="email-only"),
    pytest.param(("sms",), True, True, False, True, id="sms-only"),
    pytest.param(("email", "sms"), False, True, True, False, id="sms-without-phone"),
    pytest.param(("email", "sms"), True, False, True, False, id="sms-without-gateway"),
    pytest.param(("sms",), True, False, True, False, id="sms-only-without-gateway-falls-back-to-email"),
    pytest.param(("sms",), False, True, True, False, id="sms-only-without-phone-falls-back-to-email"),
])
def test_messages_go_only_on_channels_the_person_chose_and_can_be_reached_on(
        channels, phone, gateway, email_expected, sms_expected, make_notifier, directory, smtp_server, sms_sink):
    notifier = make_notifier(sms_gateway_url=sms_sink.url if gateway else None)
    pair = add_pair(directory, channels=channels)
    if not phone:
        directory.offers[pair.offer_id]["volunteer"]["phone"] = None

    on_match_event(match_event("match.proposed", pair), notifier)

    assert len(smtp_server.to(pair.volunteer_email)) == int(email_expected)
    assert len(sms_sink.to(pair.volunteer_phone)) == int(sms_expected)
    statuses = {n["channel"]: n["status"] for n in notifier.repo.for_match(pair.match_id) if n["role"] == "volunteer"}
    assert statuses == {"email": "sent" if email_expected else "skipped", "sms": "sent" if sms_expected else "skipped"}


def test_a_volunteer_who_gave_no_phone_is_not_told_the_organisation_gets_one(notifier, directory, smtp_server):
    pair = add_pair(directory, languages=("en",))
    directory.offers[pair.offer_id]["volunteer"]["phone"] = None

    on_match_event(match_event("match.proposed", pair), notifier)

    [mail] = smtp_server.to(pair.volunteer_email)
    assert "phone" not in mail.text() and "your name and e-mail address to" in mail.text()


def test_a_municipal_service_is_named_by_its_unit_and_the_municipality(notifier, directory, smtp_server):
    pair = add_pair(directory)
    directory.organisations[pair.organisation_id].update(name="Drammen kommune", unit="Fjell bo- og omsorgssenter")

    on_match_event(match_event("match.proposed", pair), notifier)

    [mail] = smtp_server.to(pair.volunteer_email)
    assert "".join(mail.message["subject"].split()).startswith("KanduhjelpeFjellbo-ogomsorgssenter(Drammenkommune)")
    assert "Fjell bo- og omsorgssenter (Drammen kommune)" in mail.text()


def test_a_volunteer_whose_only_chosen_channel_is_off_gets_one_mail_recorded_as_a_fallback(
        make_notifier, directory, smtp_server, sms_sink):
    notifier = make_notifier(sms_gateway_url=None)
    pair = add_pair(directory, channels=("sms",))

    on_match_event(match_event("match.proposed", pair), notifier)
    on_match_event(match_event("match.confirmed", pair), notifier)

    assert len(smtp_server.to(pair.volunteer_email)) == 2
    mails = [n for n in notifier.repo.for_match(pair.match_id) if n["role"] == "volunteer" and n["channel"] == "email"]
    assert [(n["status"], n["reason"]) for n in mails] == [("sent", "email_fallback")] * 2
    assert all(any(entry["outcome"].startswith("email_fallback") for entry in n["log"]) for n in mails)


def test_organisation_gets_email_only_as_it_chose_no_other_channel(notifier, directory, smtp_server, sms_sink):
    pair = add_pair(directory, channels=("email", "sms"))

    on_match_event(match_event("match.proposed", pair), notifier)

    assert len(smtp_server.to(pair.contact_email)) == 1
    assert sms_sink.to(pair.contact_phone) == []


@pytest.mark.parametrize("event_type, data", [("match.proposed", {}), ("match.confirmed", {}),
                                              ("match.declined", {"by": "volunteer"})],
                         ids=["proposed", "confirmed", "declined"])
def test_same_event_delivered_three_times_yields_one_message_per_person_and_channel(
        event_type, data, notifier, directory, smtp_server, sms_sink):
    pair = add_pair(directory, channels=("email", "sms"))
    handlers = {etype: partial(handler, n=notifier) for etype, handler in EVENT_HANDLERS.items()}
    loop = ConsumeLoop(notifier.config, Subscription(GROUP_ID, handlers), publisher=None)
    value = match_event(event_type, pair, **data).to_json()

    for offset in range(3):
        loop.process(SimpleNamespace(topic=MATCHES_TOPIC, partition=0, offset=offset,
                                     key=pair.match_id.encode(), value=value))

    assert len(smtp_server.to(pair.volunteer_email)) == 1
    assert len(sms_sink.to(pair.volunteer_phone)) == 1
    assert len(smtp_server.to(pair.contact_email)) == 1
    assert len(notifier.repo.for_match(pair.match_id)) == 4


@pytest.mark.parametrize("erased", [None, {"id": "tombstone", "status": "withdrawn", "withdrawn_at": "2026-03-02"}],
                         ids=["unknown", "withdrawn-tombstone"])
def test_erased_volunteer_is_not_contacted(erased, notifier, directory, smtp_server, sms_sink):
    pair = add_pair(directory, channels=("email", "sms"))
    directory.offers[pair.offer_id] = erased

    on_match_event(match_event("match.proposed", pair), notifier)

    assert smtp_server.to(pair.volunteer_email) == [] and sms_sink.to(pair.volunteer_phone) == []
    volunteer = [n for n in notifier.repo.for_match(pair.match_id) if n["role"] == "volunteer"]
    assert {(n["status"], n["reason"]) for n in volunteer} == {("skipped", "erased")}
    assert len(smtp_server.to(pair.contact_email)) == 1


def test_outcome_events_carry_no_address_phone_or_name(notifier, directory, smtp_server, sms_sink):
    pair = add_pair(directory, channels=("email", "sms"))
    smtp_server.refuse.add(pair.contact_email)
    try:
        for event_type in ("match.proposed", "match.confirmed"):
            on_match_event(match_event(event_type, pair), notifier)
    finally:
        smtp_server.refuse.discard(pair.contact_email)

    docs = notifier.repo.for_match(pair.match_id)
    events = [parse_event(entry["value"]) for doc in docs for entry in doc["outbox"]]
    assert {e.type for e in events} == {"notification.sent", "notification.failed"}
    personal = [pair.volunteer_email, pair.volunteer_phone, pair.contact_email, pair.contact_phone,
                "Kari Nordmann", "Ola Hansen"]
    raw = [entry["value"] for doc in docs for entry in doc["outbox"]]
    assert [p for p in personal for value in raw if p in value] == []
    assert [p for p in personal for doc in docs if p in str(doc["log"])] == []


def _accepted(pair, notifier, directory, clock, times: int = 1):
    """The volunteer accepts: the match waits for the organisation, with a fresh answer time of 48 hours."""
    expires_at = to_iso(clock.now + timedelta(hours=48))
    directory.matches[pair.match_id].update(accepted_by=["volunteer"], expires_at=expires_at)
    event = match_event("match.accepted", pair, status="proposed", by="volunteer", accepted_at=to_iso(clock.now),
                        expires_at=expires_at)
    for _ in range(times):
        on_match_accepted(event, notifier)


def test_once_the_volunteer_accepts_the_organisation_gets_the_contact_and_its_own_answer_link(
        notifier, directory, clock, smtp_server):
    pair = add_pair(directory)

    _accepted(pair, notifier, directory, clock)

    [mail] = smtp_server.to(pair.contact_email)
    for fact in ("Kari Nordmann", pair.volunteer_email, pair.volunteer_phone, NEED_TITLE,
                 answer_link(notifier, pair, "organisation"), "onsdag 4. mars 2026 kl. 12.00"):
        assert fact in mail.text()
    assert answer_link(notifier, pair, "volunteer") not in mail.text()
    assert smtp_server.to(pair.volunteer_email) == []


def test_the_organisation_is_asked_to_see_the_police_certificate_a_need_requires_before_it_confirms(
        notifier, directory, clock, smtp_server):
    pair = add_pair(directory)
    directory.needs[pair.need_id]["requirements"] = {"police_certificate": True}

    _accepted(pair, notifier, directory, clock)

    [mail] = smtp_server.to(pair.contact_email)
    assert "Dere må ha sett politiattesten til Kari Nordmann før dere bekrefter" in mail.text()
    assert "/politiattest" not in mail.text()


def test_an_organisation_that_has_not_answered_is_reminded_once_at_half_time(notifier, directory, clock, smtp_server):
    pair = add_pair(directory)
    _accepted(pair, notifier, directory, clock)

    clock.advance(hours=23, minutes=59)
    deliver_due(notifier)
    assert len(smtp_server.to(pair.contact_email)) == 1
    clock.advance(minutes=1)
    deliver_due(notifier)
    clock.advance(hours=1)
    deliver_due(notifier)

    subjects = _subjects(smtp_server.to(pair.contact_email))
    assert len(subjects) == 2 and subjects[1].startswith(f"Påminnelse: bekreft Kari Nordmann til {TITLE_NB}")
    assert answer_link(notifier, pair, "organisation") in smtp_server.to(pair.contact_email)[1].text()


@pytest.mark.parametrize("status, accepted_by", [("confirmed", ["organisation", "volunteer"]),
                                                 ("declined", ["volunteer"]), ("cancelled", ["volunteer"])])
def test_no_reminder_goes_to_an_organisation_that_has_answered_or_whose_match_is_off(
        status, accepted_by, notifier, directory, clock, smtp_server):
    pair = add_pair(directory)
    _accepted(pair, notifier, directory, clock)
    directory.matches[pair.match_id].update(status=status, accepted_by=accepted_by)

    clock.advance(hours=25)
    deliver_due(notifier)

    assert len(smtp_server.to(pair.contact_email)) == 1
    [reminder] = [n for n in notifier.repo.for_match(pair.match_id)
                  if n["kind"] == "answer_reminder" and n["channel"] == "email"]
    assert (reminder["status"], reminder["reason"]) == ("skipped", "answered")


def test_the_acceptance_delivered_twice_gives_one_mail_and_one_reminder(notifier, directory, clock, smtp_server):
    pair = add_pair(directory)
    _accepted(pair, notifier, directory, clock, times=2)
    clock.advance(hours=25)
    deliver_due(notifier)

    assert len(smtp_server.to(pair.contact_email)) == 2


def test_an_organisation_is_not_sent_a_volunteer_erased_before_the_mail_went_out(notifier, directory, clock,
                                                                                  smtp_server):
    pair = add_pair(directory)
    directory.offers[pair.offer_id] = {"id": pair.offer_id, "status": "withdrawn"}

    _accepted(pair, notifier, directory, clock)

    assert smtp_server.to(pair.contact_email) == []
    told = [n for n in notifier.repo.for_match(pair.match_id) if n["kind"] == "volunteer_accepted"]
    assert {(n["status"], n.get("reason")) for n in told} == {("skipped", "volunteer_erased")}
