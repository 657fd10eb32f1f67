"""Marshmallow schemas for the matcher's HTTP boundary."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from shared.directory import is_uuid
from shared.occurrences import ABSENT, ATTENDED, MAX_RANGE_DAYS, NO_SHOW, PLANNED, RECORDED, UNRECORDED
from shared.schemas import CalendarDate, QuerySchema, StrictSchema
from services.matcher.lifecycle import ROLES, STATUSES


ONE_FILTER = {"format": "uuid", "description": "Give exactly one of need_id and offer_id (not expressed above)."}


class MatchesQuery(QuerySchema):
    need_id = fields.String(validate=validate.Length(max=64), metadata=ONE_FILTER)
    offer_id = fields.String(validate=validate.Length(max=64), metadata=ONE_FILTER)

    @validates("need_id", "offer_id")
    def _an_id(self, value, data_key, **kwargs):
        if not is_uuid(value):
            raise ValidationError("Must be an id (a UUID such as 0b8e2a4c-5f1d-4c3a-9e7b-2d6f8a1c3e5b).")

    @validates_schema
    def _one_filter(self, data, **kwargs):
        if ("need_id" in data) == ("offer_id" in data):
            raise ValidationError("Give exactly one of need_id and offer_id.")


class NeedSummary(StrictSchema):
    """What a side of a match is told of its need, whether or not the need is still public."""

    title = fields.String()
    description = fields.String()
    district = fields.String(metadata={"description": "The district's code (GET /districts on the needs service)."})
    schedule = fields.Dict(metadata={
        "description": "The need's schedule as the needs service gives it: weekly (weekday, start_time, end_time, "
                       "optionally from_date and until_date) or a single period (start, end)."})


class MatchOut(StrictSchema):
    id = fields.String()
    need_id = fields.String()
    offer_id = fields.String()
    organisation_id = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    slots = fields.Integer()
    score = fields.Float()
    reasons = fields.Dict()
    accepted_by = fields.List(fields.String())
    created_at = fields.String()
    updated_at = fields.String()
    expires_at = fields.String(metadata={"description": "When the side the proposal waits for must have answered."})
    accepted_at = fields.String(metadata={"description": "When the volunteer accepted."})
    confirmed_at = fields.String()
    declined_by = fields.String()
    cancel_reason = fields.String()
    for_date = fields.String(metadata={"description": "A stand-in match: the one date (YYYY-MM-DD) it covers."})
    stands_in_for = fields.String(metadata={"description": "A stand-in match: the standing match it stands in for."})
    occurrences = fields.Dict(keys=fields.String(), values=fields.Dict(), metadata={
        "description": "What was recorded per occurrence date: status (attended, no_show, absent), minutes, by, "
                       "recorded_at, reason (paused)."})
    certificate = fields.Dict(metadata={
        "description": "The police certificate the organisation saw on confirming: seen_on (date), role (the need); "
                       "never the document."})
    ended_at = fields.String()
    ended_by = fields.String(validate=validate.OneOf(ROLES))
    attended_minutes = fields.Integer(metadata={"description": "Minutes of the occurrences recorded as attended."})
    need = fields.Nested(NeedSummary, metadata={
        "description": "In GET /matches and GET /matches/{match_id}, to the volunteer and the organisation of the "
                       "match: its need's title, district and schedule, also once the need is no longer public (a "
                       "one-off need closes as over when its period begins). Left out while the needs service "
                       "cannot give it, and to staff and services."})
    certificate_seen_before = fields.String(metadata={
        "format": "date",
        "description": "In GET /matches and GET /matches/{match_id}, to the organisation while the match waits for "
                       "its confirmation of a need that requires a police certificate: the date (YYYY-MM-DD) it saw "
                       "this volunteer's certificate on an earlier match for the need (a stand-in), which confirming "
                       "without certificate_seen_on carries over. Left out when there is none, when that one is "
                       "older than the organisation accepts, or while its limit cannot be fetched."})


class PersonContact(StrictSchema):
    name = fields.String()
    email = fields.String()
    phone = fields.String(allow_none=True)


class OrganisationContact(StrictSchema):
    id = fields.String()
    name = fields.String()
    unit = fields.String(allow_none=True, metadata={"description": "A municipal service's unit."})
    contact = fields.Nested(PersonContact)


class MatchContact(StrictSchema):
    id = fields.String(metadata={"description": "The match."})
    volunteer = fields.Nested(PersonContact, metadata={
        "description": "To the organisation once the volunteer has accepted (while the match is live), and to staff."})
    organisation = fields.Nested(OrganisationContact, metadata={
        "description": "To the volunteer once the match is confirmed, and to staff."})


class MatchList(StrictSchema):
    items = fields.List(fields.Nested(MatchOut))


class AnswerForm(QuerySchema):
    answer = fields.String(required=True, validate=validate.OneOf(["accept", "decline"]))


class AcceptIn(StrictSchema):
    """The organisation's confirmation of a need that requires a police certificate says when it saw it."""

    accepts_empty = True
    certificate_seen_on = CalendarDate(metadata={
        "description": "The date the organisation saw the volunteer's police certificate: required when the "
                       "organisation confirms a need that requires one, refused otherwise."})


class EmptyIn(StrictSchema):
    accepts_empty = True


class OccurrenceIn(StrictSchema):
    status = fields.String(required=True, validate=validate.OneOf(RECORDED), metadata={
        "description": "attended or no_show (the organisation, once the occurrence has begun); absent (the "
                       "volunteer, before it begins)."})
    minutes = fields.Integer(strict=True, validate=validate.Range(1, 24 * 60), metadata={
        "description": "With attended: how long the volunteer was there; by default the slot's length. Only with "
                       "attended."})

    OPENAPI = {"anyOf": [{"properties": {"status": {"enum": [ATTENDED]}}}, {"not": {"required": ["minutes"]}}]}

    @validates_schema
    def _minutes_with_attendance(self, data, **kwargs):
        if "minutes" in data and data["status"] != ATTENDED:
            raise ValidationError("Only an attended occurrence has minutes.", "minutes")


class StandInRef(StrictSchema):
    match_id = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))


class OccurrenceOut(StrictSchema):
    date = fields.String(metadata={"description": "The Oslo date, YYYY-MM-DD."})
    start = fields.String()
    end = fields.String()
    status = fields.String(validate=validate.OneOf((PLANNED, UNRECORDED, ATTENDED, NO_SHOW, ABSENT)), metadata={
        "description": "planned (ahead, nothing said), unrecorded (begun, nothing recorded), or what was recorded."})
    minutes = fields.Integer(metadata={"description": "Recorded minutes, else the slot's length."})
    reason = fields.String(metadata={"description": "paused, for an absence that is part of a pause."})
    stand_in = fields.Nested(StandInRef, allow_none=True, metadata={
        "description": "The latest stand-in asked for a date the volunteer cannot come."})


class OccurrenceList(StrictSchema):
    items = fields.List(fields.Nested(OccurrenceOut))


def _range_checked(data: dict, first: str, last: str) -> None:
    """Both dates given in order and at most a year apart."""
    if first in data and last in data:
        if data[last] < data[first]:
            raise ValidationError(f"Must not be before '{first}'.", last)
        if (data[last] - data[first]).days > MAX_RANGE_DAYS:
            raise ValidationError(f"At most {MAX_RANGE_DAYS} days after '{first}'.", last)


class OccurrencesQuery(QuerySchema):
    from_ = CalendarDate(data_key="from", metadata={"description": "First date; by default four weeks ago."})
    to = CalendarDate(metadata={"description": "Last date; by default eight weeks ahead."})

    @validates_schema
    def _range(self, data, **kwargs):
        _range_checked(data, "from_", "to")


class PauseIn(StrictSchema):
    from_ = CalendarDate(data_key="from", required=True, metadata={"description": "The first date away."})
    until = CalendarDate(required=True, metadata={"description": "The last date away: on or after from, at most "
                                                                 "366 days after it (not expressed above)."})
