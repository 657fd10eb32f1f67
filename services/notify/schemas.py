"""Marshmallow schemas for the notify service's HTTP boundary."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates

from shared.directory import is_uuid
from shared.schemas import QuerySchema, StrictSchema


class NotificationsQuery(QuerySchema):
    match_id = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"format": "uuid"})

    @validates("match_id")
    def _an_id(self, value, **kwargs):
        if not is_uuid(value):
            raise ValidationError("Must be an id (a UUID such as 0b8e2a4c-5f1d-4c3a-9e7b-2d6f8a1c3e5b).")


class AttemptOut(StrictSchema):
    at = fields.String()
    attempt = fields.Integer()
    outcome = fields.String()


class NotificationOut(StrictSchema):
    id = fields.String(attribute="_id")
    match_id = fields.String()
    event_type = fields.String(allow_none=True, metadata={"description": "The match event; null for a reminder."})
    role = fields.String()
    kind = fields.String()
    channel = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    lang = fields.String()
    reason = fields.String()
    created_at = fields.String()
    updated_at = fields.String()
    sent_at = fields.String()
    next_attempt_at = fields.String()
    occurrence_start = fields.String(metadata={"description": "For a reminder, the start of the occurrence (UTC)."})
    log = fields.List(fields.Nested(AttemptOut))


class NotificationList(StrictSchema):
    items = fields.List(fields.Nested(NotificationOut))
