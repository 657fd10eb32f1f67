"""Marshmallow schemas for the matcher's HTTP boundary."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from shared.directory import is_uuid
from shared.schemas import QuerySchema, StrictSchema
from services.matcher.lifecycle import STATUSES


class MatchesQuery(QuerySchema):
    need_id = fields.String(validate=validate.Length(max=64))
    offer_id = fields.String(validate=validate.Length(max=64))

    @validates("need_id", "offer_id")
    def _an_id(self, value, data_key, **kwargs):
        if not is_uuid(value):
            raise ValidationError("Must be an id (a UUID such as 0b8e2a4c-5f1d-4c3a-9e7b-2d6f8a1c3e5b).")

    @validates_schema
    def _one_filter(self, data, **kwargs):
        if ("need_id" in data) == ("offer_id" in data):
            raise ValidationError("Give exactly one of need_id and offer_id.")


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
