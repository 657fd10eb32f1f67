"""Delivering notifications: one attempt each, with leases, retries, quiet hours and skips.

Before a send, the notification is saved as 'sending' with a lease
(optimistic concurrency: one worker wins). A crash after the server took the message but before
'sent' was saved is the one window left; we close it towards delivery: when the lease runs out the
message is sent again with the same Message-ID (e-mail) or Idempotency-Key (SMS), which receivers
use to drop the copy. Losing a message is worse than a recognisable duplicate.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Callable

from jinja2 import TemplateError

from shared import calendar, links, metrics, occurrences
from shared.clock import to_iso
from shared.config import Config
from shared.directory import Directory, DirectoryUnavailable
from shared.mongo import VersionConflict
from shared.reference import district_name
from shared.wording import organisation_name
from services.notify import model
from services.notify.messages import Attachment, Message, language_for, render
from services.notify.repository import NotifyRepository
from services.notify.senders import PermanentFailure, SmsSender, SmtpSender, TransientFailure

log = logging.getLogger(__name__)

SEND_LEASE = timedelta(seconds=60)
CALENDAR_FILE = "oppdrag.ics"
CERTIFICATE_PAGE = "/politiattest"  # after an answer link: the matcher's printable confirmation of purpose
Save = Callable[..., dict[str, Any]]  # save(n, doc, **changes) -> the stored document


@dataclass
class Notifier:
    """Everything a delivery needs."""

    repo: NotifyRepository
    directory: Directory
    smtp: SmtpSender
    sms: SmsSender
    config: Config
    clock: Callable[[], datetime]


@dataclass(frozen=True)
class Parties:
    """The match and both sides as the owning services know them now (None where unknown or erased)."""

    match: dict[str, Any] | None
    need: dict[str, Any] | None = None
    organisation: dict[str, Any] | None = None
    offer: dict[str, Any] | None = None


def deliver_due(n: Notifier) -> int:
    """Deliver what is due: retries after backoff, SMS held over the night, leases that ran out."""
    due = n.repo.due(to_iso(n.clock()))
    deliver_each([doc["_id"] for doc in due], n)
    return len(due)


def deliver_each(notification_ids: list[str], n: Notifier) -> None:
    """One attempt each; the parties of a match are fetched once for the batch. A lost race with another
    worker is fine; a delivery that breaks is logged, stays due, and holds up none of the others."""
    parties: dict[str, Parties] = {}
    for notification_id in notification_ids:
        try:
            _deliver(notification_id, n, parties)
        except VersionConflict:
            continue
        except Exception as exc:  # an unforeseen error in one delivery must not stop the rest
            log.exception("delivering %s failed; it counts as an attempt", notification_id)
            _count_unexpected(notification_id, n, exc)


def _count_unexpected(notification_id: str, n: Notifier, exc: Exception) -> None:
    """An attempt that broke before the send: counted, retried after backoff, given up after the last."""
    try:
        doc = n.repo.notifications.get(notification_id)
        if doc is None or doc["status"] in model.FINAL:
            return
        outcome = f"retry after an unexpected error: {type(exc).__name__}"
        retry_later(n, {**doc, "attempts": doc["attempts"] + 1}, n.clock(), outcome)
    except Exception:  # the database itself may be what failed; the notification stays due
        log.exception("could not record the failed attempt of %s", notification_id)


def _parties(match_id: str, n: Notifier, fetched: dict[str, Parties]) -> Parties:
    """The match and both sides, asked of their owning services once per batch."""
    if match_id not in fetched:
        match = n.directory.match(match_id)
        fetched[match_id] = Parties(None) if match is None else Parties(
            match, n.directory.need(match["need_id"]), n.directory.organisation(match["organisation_id"]),
            n.directory.offer(match["offer_id"]))
    return fetched[match_id]


def _context(doc: dict[str, Any], p: Parties, config: Config) -> dict[str, Any]:
    """Template values, fetched at send time so that nothing personal is stored here. A value nobody has is left
    out rather than made blank, so a message that needs it fails to render instead of going out without it."""
    need, organisation, facts = p.need or {}, p.organisation or {}, doc.get("facts") or {}
    volunteer = model.person_of(model.VOLUNTEER, p.offer, None) or {}
    contact = organisation.get("contact") or {}
    values = {
        "need_title": need.get("title"), "need_description": need.get("description"),
        "district_name": district_name(need["district"]) if need.get("district") else None,
        "schedule": need.get("schedule"), "organisation_name": organisation_name(organisation),
        "volunteer_name": volunteer.get("name"), "volunteer_email": volunteer.get("email"),
        "volunteer_phone": volunteer.get("phone"), "contact_name": contact.get("name"),
        "contact_email": contact.get("email"), "contact_phone": contact.get("phone"),
        **_links(doc, need, config), "expires_at": p.match.get("expires_at"),
        "occurrence_start": doc.get("occurrence_start"), "answer_hours": f"{config.proposal_ttl_hours:g}",
        "for_date": facts.get("for_date") or p.match.get("for_date"), "absent_on": facts.get("date"),
        "paused_from": facts.get("from"), "paused_until": facts.get("until"),
        "certificate_seen_on": facts.get("seen_on"), "certificate_max_age_months": facts.get("max_age_months"),
        "was_confirmed": facts.get("was_confirmed"),
    }
    if values["for_date"] and occurrences.status_on(p.match, values["for_date"]) == occurrences.ABSENT:
        values["absent_that_day"] = True  # the stand-in said they cannot come on their date
    return {key: value for key, value in values.items() if value not in (None, "", {})}


def _links(doc: dict[str, Any], need: dict[str, Any], config: Config) -> dict[str, str | bool]:
    """The links a message may carry: the side's answer page; for a need that requires a police certificate, that
    it does (the organisation must see the certificate before it confirms) and the volunteer's confirmation of
    purpose (printed from the answer page); and the side's own pages on the web (Min side, Våre behov), where an
    assignment is looked after."""
    respond_url = links.answer_url(config, doc["match_id"], doc["role"])
    values = {"respond_url": respond_url,
              "page_url": f"{config.web_url.rstrip('/')}{calendar.PAGES[doc['role']][1]}"}
    if (need.get("requirements") or {}).get("police_certificate"):
        values["police_certificate"] = True
        if doc["role"] == model.VOLUNTEER:
            values["certificate_url"] = f"{respond_url}{CERTIFICATE_PAGE}"
    return values


def calendar_file(doc: dict[str, Any], p: Parties, n: Notifier) -> Attachment | None:
    """The assignment as a calendar file for this e-mail (to add it, or to cancel it), made now from the parties;
    None for a message that carries none, or when the need's schedule yields no event (the mail goes without)."""
    method = model.calendar_method(doc)
    if method is None:
        return None
    volunteer = model.person_of(model.VOLUNTEER, p.offer, None) or {}
    try:
        entry = calendar.assignment_entry(p.match, p.need or {}, organisation_name(p.organisation or {}),
                                          doc["role"], volunteer.get("name"), n.config.web_url)
    except (KeyError, ValueError) as exc:
        log.warning("no calendar file for %s: %s", doc["_id"], exc)
        return None
    data = calendar.calendar([entry], method, now=n.clock())
    return Attachment(CALENDAR_FILE, f"text/calendar; method={method}; charset=utf-8", data)


def _save(n: Notifier, doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    updated = {**doc, **changes, "updated_at": to_iso(n.clock())}
    events = (model.outcome_event(updated),) if changes.get("status") in (model.SENT, model.FAILED) else ()
    saved = n.repo.notifications.save(updated, events)
    metrics.notification_outcome(doc["channel"], changes.get("status"))
    return saved


def logged(doc: dict[str, Any], now: datetime, outcome: str) -> list[dict[str, Any]]:
    """The notification's log with this attempt's outcome added."""
    return [*doc.get("log", []), {"at": to_iso(now), "attempt": doc["attempts"], "outcome": outcome[:300]}]


def _deliver(notification_id: str, n: Notifier, fetched: dict[str, Parties]) -> None:
    doc = n.repo.notifications.get(notification_id)
    now = n.clock()
    if doc is None or doc["status"] in model.FINAL or doc["next_attempt_at"] > to_iso(now):
        return
    try:
        parties = _parties(doc["match_id"], n, fetched)
    except DirectoryUnavailable as exc:
        retry_later(n, doc, now, f"contact details unavailable: {exc}", count_attempt=False)
        return
    person = model.person_of(doc["role"], parties.offer, parties.organisation)
    address, unreachable, fallback = model.reach(doc["channel"], person, n.sms.enabled)
    volunteer_known = model.person_of(model.VOLUNTEER, parties.offer, None) is not None
    reason = model.skip_reason(doc, parties.match, parties.need, now, volunteer_known) or unreachable
    if reason:
        _save(n, doc, status=model.SKIPPED, reason=reason, log=logged(doc, now, f"skipped: {reason}"))
        return
    if doc["channel"] == model.SMS and model.in_quiet_hours(now):
        until = to_iso(model.end_of_quiet_hours(now))
        _save(n, doc, status=model.HELD, next_attempt_at=until, log=logged(doc, now, f"held until {until}"))
        return
    lang = "nb" if doc["role"] == model.ORGANISATION else language_for(person.get("languages", []))
    try:
        message = replace(render(doc["kind"], lang, _context(doc, parties, n.config)),
                          attachment=calendar_file(doc, parties, n))
    except (KeyError, ValueError, TemplateError) as exc:
        _save(n, doc, status=model.FAILED, log=logged(doc, now, f"cannot render: {exc!r}"))
        return
    if fallback:
        doc = {**doc, "reason": fallback, "log": logged(doc, now, f"{fallback}: no chosen channel can be used")}
    send_and_record(n, doc, address, message, lang, now)


def send_and_record(n: Notifier, doc: dict[str, Any], address: str, message: Message, lang: str, now: datetime,
                    save: Save = _save, retry_unexpected: bool = True) -> None:
    """Send once under a lease and record the outcome: sent, failed, or retried after backoff. An unforeseen
    error while sending counts as a transient failure, or is raised when retry_unexpected is False."""
    doc = save(n, doc, status=model.SENDING, attempts=doc["attempts"] + 1, next_attempt_at=to_iso(now + SEND_LEASE))
    try:
        send(doc, address, message, n)
    except PermanentFailure as exc:
        save(n, doc, status=model.FAILED, log=logged(doc, now, f"failed: {exc}"))
        return
    except TransientFailure as exc:
        retry_later(n, doc, now, f"retry: {exc}", save=save)
        return
    except Exception as exc:  # a fault of ours or a library's: counted like a transient failure, then given up
        if not retry_unexpected:
            raise
        log.exception("sending %s failed unexpectedly", doc["_id"])
        retry_later(n, doc, now, f"retry after an unexpected error: {type(exc).__name__}", save=save)
        return
    save(n, doc, status=model.SENT, sent_at=to_iso(n.clock()), lang=lang, log=logged(doc, now, "sent"))


def send(doc: dict[str, Any], address: str, message: Message, n: Notifier) -> None:
    """Hand the message to the mail server or the SMS gateway, keyed so that a receiver can drop a resend."""
    if doc["channel"] == model.EMAIL:
        domain = n.config.smtp_from.rpartition("@")[2] or "localhost"
        n.smtp.send(address, message, model.message_id(doc["_id"], domain))
    else:
        n.sms.send(address, message.sms, doc["_id"])


def retry_later(n: Notifier, doc: dict[str, Any], now: datetime, outcome: str, count_attempt: bool = True,
                save: Save = _save) -> None:
    """Try again after backoff; give up once the last counted attempt has failed."""
    if count_attempt and doc["attempts"] >= n.config.notify_max_attempts:
        save(n, doc, status=model.FAILED, log=logged(doc, now, f"gave up: {outcome}"))
        return
    wait = model.backoff_seconds(max(1, doc["attempts"]), n.config.notify_retry_base_seconds)
    save(n, doc, status=model.RETRYING, next_attempt_at=to_iso(now + timedelta(seconds=wait)),
          log=logged(doc, now, outcome))
