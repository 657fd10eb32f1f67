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


def earlier_certificate(matches: list[dict[str, Any]], match: dict[str, Any]) -> dict[str, str] | None:
    """The newest certificate the organisation recorded on another match of the same volunteer and need (a stand-in
    match, say): {"seen_on", "match_id"}, or None."""
    seen = [(x["certificate"]["seen_on"], x["_id"]) for x in matches
            if x["_id"] != match["_id"] and x["offer_id"] == match["offer_id"] and x["need_id"] == match["need_id"]
            and (x.get("certificate") or {}).get("seen_on")]
    if not seen:
        return None
    seen_on, match_id = max(seen)
    return {"seen_on": seen_on, "match_id": match_id}


def seen_before(repo: MatcherRepository, match: dict[str, Any]) -> dict[str, str] | None:
    """The certificate the organisation already saw of this match's volunteer for its need (earlier_certificate),
    from the stored matches: a stand-in who takes the standing place is not asked for it again."""
    return earlier_certificate(repo.matches_for_need(match["need_id"]), match)


def carried_over(earlier: dict[str, str], max_age_months: int | None, today: date) -> str | None:
    """The date of the earlier certificate (earlier_certificate) that a confirmation given no date carries over
    (for_confirmation), so the pages can say so beforehand; None when it would be refused as older than allowed."""
    seen_on = date.fromisoformat(earlier["seen_on"])
    return None if seen_on > today or is_too_old(seen_on, max_age_months, today) else earlier["seen_on"]


def _too_old(max_age_months: int | None, earlier: dict[str, str] | None) -> CertificateRefused:
    """The refusal of a certificate older than allowed: one typed in, or one carried over from an earlier match."""
    if earlier is not None:
        seen = earlier["seen_on"]
        return _refuse(f"Attesten dere så {seen} er eldre enn de {max_age_months} månedene dere godtar; skriv "
                       f"datoen dere så en nyere.", f"The certificate you saw on {seen} is older than the "
                       f"{max_age_months} months your organisation accepts; give the date you saw a newer one.")
    return _refuse(f"Dere godtar attester som er høyst {max_age_months} måneder gamle; be den frivillige om en "
                   f"nyere.", f"Your organisation accepts certificates at most {max_age_months} months old; ask the "
                   f"volunteer for a newer one.")


def for_confirmation(need: dict[str, Any] | None, seen_on: date | None, role: str, max_age_months: int | None,
                     now: datetime, earlier: dict[str, str] | None = None) -> dict[str, str] | None:
    """What the organisation's confirmation records of the certificate: nothing when the need asks for none, else
    the date it was seen and the role; InvalidInput without a date, with one in the future or older than allowed.

    Without a date, the certificate it saw earlier of the same volunteer for the same need (seen_before) is carried
    over, with the match it was recorded on, under the same age rule: one grown too old is asked for anew."""
    if not required(need):
        if seen_on is not None:
            raise _refuse("Oppdraget krever ikke politiattest; la datoen stå tom.",
                          "This need asks for no police certificate; leave the date out.")
        return None
    today = oslo_date(now)
    carried = earlier if seen_on is None else None
    if carried is not None:
        seen_on = date.fromisoformat(carried["seen_on"])
    if seen_on is None:
        raise _refuse("Oppdraget krever politiattest: skriv datoen dere så attesten til den frivillige.",
                      "This need requires a police certificate: give the date you saw the volunteer's certificate.")
    if seen_on > today:
        raise _refuse("Datoen dere så attesten kan ikke være fram i tid.",
                      "The date you saw the certificate cannot be in the future.")
    if is_too_old(seen_on, max_age_months, today):
        raise _too_old(max_age_months, carried)
    return {"seen_on": seen_on.isoformat(), "role": role, **({"carried_from": carried["match_id"]} if carried else {})}


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
