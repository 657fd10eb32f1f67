"""The staff pages' small forms (offer filters, looking up a match) and the words for the APIs' codes."""
from __future__ import annotations

from typing import Mapping

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, ValidationError
from wtforms.validators import InputRequired

from shared.directory import is_uuid
from services.web.catalogue import district_choices, skill_choices
from services.web.texts import lazy, tr

OFFER_STATUSES = {"pending_confirmation": lazy("Venter på bekreftet adresse", "Waiting for address confirmation"),
                  "open": lazy("Aktiv", "Active"), "withdrawn": lazy("Trukket tilbake", "Withdrawn")}
MATCH_STATUSES = {"proposed": lazy("Foreslått", "Proposed"), "confirmed": lazy("Bekreftet", "Confirmed"),
                  "declined": lazy("Avslått", "Declined"), "expired": lazy("Utløpt", "Expired"),
                  "cancelled": lazy("Avlyst", "Cancelled"), "ended": lazy("Avsluttet", "Ended")}
KINDS = {"association": lazy("Forening eller lag", "Association"), "foundation": lazy("Stiftelse", "Foundation"),
         "volunteer_centre": lazy("Frivilligsentral", "Volunteer centre"), "company": lazy("Bedrift", "Company"),
         "municipal_service": lazy("Kommunal tjeneste", "Municipal service")}
ROLES = {"volunteer": lazy("Frivillig", "Volunteer"), "organisation": lazy("Organisasjon", "Organisation")}
CHANNELS = {"email": lazy("E-post", "E-mail"), "sms": lazy("SMS", "Text message")}
EVENTS = {"match.proposed": lazy("Foreslått", "Proposed"), "match.accepted": lazy("Godtatt", "Accepted"),
          "match.confirmed": lazy("Bekreftet", "Confirmed"), "match.declined": lazy("Avslått", "Declined"),
          "match.expired": lazy("Utløpt", "Expired"), "match.cancelled": lazy("Avlyst", "Cancelled"),
          None: lazy("Påminnelse", "Reminder")}
DELIVERY = {"pending": lazy("Venter", "Waiting"), "held": lazy("Holdt tilbake (stilletid)", "Held (quiet hours)"),
            "retrying": lazy("Prøver igjen", "Retrying"), "sending": lazy("Sendes", "Sending"),
            "sent": lazy("Sendt", "Sent"), "failed": lazy("Feilet", "Failed"),
            "skipped": lazy("Ikke sendt", "Not sent")}


FOLDED = "covered_by_assignment"  # a stand-in closed because its date is on the volunteer's own standing match
FOLDED_WORD = lazy("Del av fast oppdrag", "Part of the standing assignment")


def match_word(match: Mapping) -> str:
    """A match's status in words. A stand-in closed because its date became part of the same volunteer's
    standing assignment was not called off, so it does not read «Avlyst»."""
    if match.get("status") == "cancelled" and match.get("cancel_reason") == FOLDED:
        return str(FOLDED_WORD)
    return word(MATCH_STATUSES, match.get("status"))


def word(table: dict, code: object) -> str:
    """The words for a code, or the code itself when it is new to the pages."""
    return str(table[code]) if code in table else str(code or "–")


class OfferFilter(FlaskForm):
    """The offers listing's filters, a GET form."""

    class Meta:
        csrf = False  # it changes nothing

    district = SelectField(lazy("Bydel", "District"), default="")
    skill = SelectField(lazy("Ferdighet", "Skill"), default="")
    status = SelectField(lazy("Status", "Status"), default="")


def offer_filter(args: Mapping[str, str]) -> OfferFilter:
    form = OfferFilter(formdata=args)
    form.district.choices = [("", tr("Alle bydeler", "All districts")), *district_choices()]
    form.skill.choices = [("", tr("Alle", "All")), *skill_choices()]
    form.status.choices = [("", tr("Alle", "All")), *((code, str(words)) for code, words in OFFER_STATUSES.items())]
    return form


def _an_id(form: FlaskForm, field: StringField) -> None:
    field.data = (field.data or "").strip().lower()
    if not is_uuid(field.data):
        raise ValidationError(tr("Skriv treff-ID-en slik den står på treffets side, for eksempel "
                                 "0b8e2a4c-5f1d-4c3a-9e7b-2d6f8a1c3e5b.",
                                 "Enter the match id as it appears on the match's page, such as "
                                 "0b8e2a4c-5f1d-4c3a-9e7b-2d6f8a1c3e5b."))


class MatchLookup(FlaskForm):
    """Look up one match by its id, a GET form on the dashboard."""

    class Meta:
        csrf = False  # it changes nothing

    treff = StringField(lazy("Treff-ID", "Match id"), validators=[
        InputRequired(lazy("Skriv treff-ID-en.", "Enter the match id.")), _an_id])
