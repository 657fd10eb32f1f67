"""Police certificates, the Norwegian way: the volunteer applies for one and shows it to the organisation, which
records only that it saw it (who: the match's volunteer; which role: the need; which date). The document itself
is never stored. An organisation may say how old a certificate may be; it is reminded, once, when the
certificate of a standing assignment passes that age.
"""
from __future__ import annotations

import calendar
import logging
from datetime import date, datetime
from functools import partial
from typing import Any, Callable

from shared.directory import Directory, DirectoryUnavailable
from shared.clock import to_iso
from shared.errors import Conflict, InvalidInput
from shared.mongo import retrying
from shared.timeslots import oslo_date
from services.matcher import lifecycle
from services.matcher.repository import MatcherRepository
from services.matcher.waves import save_change

log = logging.getLogger(__name__)

FIELD = "certificate_seen_on"


def months_after(day: date, months: int) -> date:
    """The same day so many months later, or the month's last day when it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_too_old(seen_on: date, max_age_months: int | None, today: date) -> bool:
    """Whether a certificate seen that day is older than the organisation allows."""
    return max_age_months is not None and months_after(seen_on, max_age_months) < today


class CertificateRefused(InvalidInput):
    """The confirmation cannot record the certificate date given; `nb` says why in Norwegian, for the pages."""

    def __init__(self, nb: str, en: str):
        super().__init__(en, {FIELD: [en]})
        self.nb = nb


_refuse = CertificateRefused


def required(need: dict[str, Any] | None) -> bool:
    """Whether the need asks for a police certificate (from the matcher's read model)."""
    return bool(((need or {}).get("requirements") or {}).get("police_certificate"))


def for_confirmation(need: dict[str, Any] | None, seen_on: date | None, role: str, max_age_months: int | None,
                     now: datetime) -> dict[str, str] | None:
    """What the organisation's confirmation records of the certificate: nothing when the need asks for none, else
    the date it was seen and the role; InvalidInput without a date, with one in the future or older than allowed."""
    if not required(need):
        if seen_on is not None:
            raise _refuse("Oppdraget krever ikke politiattest; la datoen stå tom.",
                          "This need asks for no police certificate; leave the date out.")
        return None
    today = oslo_date(now)
    if seen_on is None:
        raise _refuse("Oppdraget krever politiattest: skriv datoen dere så attesten til den frivillige.",
                      "This need requires a police certificate: give the date you saw the volunteer's certificate.")
    if seen_on > today:
        raise _refuse("Datoen dere så attesten kan ikke være fram i tid.",
                      "The date you saw the certificate cannot be in the future.")
    if is_too_old(seen_on, max_age_months, today):
        raise _refuse(f"Dere godtar attester som er høyst {max_age_months} måneder gamle; be den frivillige om en "
                      f"nyere.", f"Your organisation accepts certificates at most {max_age_months} months old; ask "
                      f"the volunteer for a newer one.")
    return {"seen_on": seen_on.isoformat(), "role": role}


def _renew_once(repo: MatcherRepository, match_id: str, seen_on: date, max_age_months: int | None,
                now: datetime) -> dict[str, Any]:
    match = repo.matches.get(match_id)
    if match["status"] != lifecycle.CONFIRMED or "certificate" not in match:
        raise Conflict("Only a confirmed assignment whose need requires a police certificate has one to renew.")
    seen = for_confirmation({"requirements": {"police_certificate": True}}, seen_on, match["certificate"]["role"],
                            max_age_months, now)
    renewed = {**match, "certificate": {**seen, "recorded_at": to_iso(now)}, "updated_at": to_iso(now)}
    renewed.pop("certificate_reminded_at", None)
    return repo.matches.save(renewed)  # no event: nobody else acts on it


def renew(repo: MatcherRepository, match_id: str, seen_on: date, max_age_months: int | None,
          now: datetime) -> dict[str, Any]:
    """Record the date the organisation saw a newer certificate; its age is watched (and reminded of) from there."""
    return retrying(partial(_renew_once, repo, match_id, seen_on, max_age_months, now))


def limit_of(directory: Directory, organisation_id: str) -> int | None:
    """How old a certificate the organisation accepts, in months (None: no limit, or it is gone)."""
    return (directory.organisation(organisation_id) or {}).get("certificate_max_age_months")


def _remind_once(repo: MatcherRepository, match_id: str, max_age_months: int, now: datetime) -> bool:
    change = lifecycle.certificate_expired(repo.matches.get(match_id), max_age_months, now)
    save_change(repo, change)
    return bool(change.events)


def remind_expired(repo: MatcherRepository, max_age_of: Callable[[str], int | None], now: datetime) -> int:
    """Record match.certificate_expired, once, for each confirmed assignment whose certificate has passed its
    organisation's limit; returns how many. An organisation that cannot be asked now is asked next round."""
    limits: dict[str, int | None] = {}
    unreachable: set[str] = set()  # asked once a round: its other matches wait for the next round too
    reminded = 0
    for match in repo.confirmed_with_certificate():
        organisation_id = match["organisation_id"]
        if organisation_id in unreachable:
            continue
        if organisation_id not in limits:
            try:
                limits[organisation_id] = max_age_of(organisation_id)
            except DirectoryUnavailable as exc:
                log.warning("certificate ages of organisation %s not checked this round: %s", organisation_id, exc)
                unreachable.add(organisation_id)
                continue
        limit = limits[organisation_id]
        if is_too_old(date.fromisoformat(match["certificate"]["seen_on"]), limit, oslo_date(now)):
            reminded += retrying(partial(_remind_once, repo, match["_id"], limit, now))
    return reminded
