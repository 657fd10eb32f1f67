"""Marshmallow building blocks for the HTTP boundary, shared by the offers and needs services."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timezone
from typing import Any

from email_validator import EmailNotValidError, validate_email
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from shared import phones, reference
from shared.timeslots import oslo_instant

TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
YEARS_PATTERN = r"^(20[0-9]{2}|2100)-"  # PLAUSIBLE_YEARS as the start of an ISO date, for the documentation
_CONTROL = r"\u0000-\u001f\u007f-\u009f\u2028\u2029"  # what _is_control refuses: categories Cc, Zl and Zp
_CONTROL_BUT_LINE_BREAKS = r"\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029"


class StrictSchema(Schema):
    """Unknown fields are rejected with a message naming them."""

    class Meta:
        unknown = RAISE


class NonEmptyPatch:
    """Mixed into a PATCH schema: an empty change is refused."""

    OPENAPI = {"minProperties": 1}

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one field to change.")


class QuerySchema(Schema):
    """Query strings: unknown parameters are ignored, as browsers and proxies add their own."""

    class Meta:
        unknown = EXCLUDE


NAME_MAX_LENGTH = 200  # a person's, an organisation's or a unit's name: the default limit of Text


class Text(fields.String):
    """A string that is trimmed, must not be blank, and has a length limit.

    Single-line by default (names, titles): no line breaks or other control characters, which would put
    made-up lines into mail headers and bodies. A multi-line text (a description, a note) keeps line
    breaks, stored as \\n, but no other control characters.
    """

    def __init__(self, max_length: int = NAME_MAX_LENGTH, min_length: int = 1, multiline: bool = False, **kwargs: Any):
        metadata = {"pattern": _text_pattern(multiline, blank=min_length == 0), **kwargs.pop("metadata", {})}
        super().__init__(validate=validate.Length(min=min_length, max=max_length), metadata=metadata, **kwargs)
        self.multiline = multiline

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if self.multiline:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if any(_is_control(char) and not (self.multiline and char == "\n") for char in text):
            raise ValidationError("Must not contain control characters; line breaks are fine." if self.multiline
                                  else "Must be one line, without line breaks or other control characters.")
        return text


def _text_pattern(multiline: bool, blank: bool) -> str:
    """What Text accepts, as a regular expression for the documentation: no control characters (line breaks
    allowed in a multi-line text), and, unless blank is allowed, at least one character that is not white space
    (the length limit counts the text without the white space around it)."""
    refused = _CONTROL_BUT_LINE_BREAKS if multiline else _CONTROL
    return f"^[^{refused}]*$" if blank else f"^[^{refused}]*[^\\s{refused}][^{refused}]*$"


def _is_control(char: str) -> bool:
    """Control characters (tab, CR, LF, NUL, ...) and the Unicode line and paragraph separators."""
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


class Phone(fields.String):
    """A valid phone number, read as written in Norway (region NO) and stored in E.164: "912 34 567" and
    "0047 91234567" are "+4791234567"; another country's number needs its country code."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("metadata", {"description": "As written in Norway (\"912 34 567\", \"+47 912 34 567\"), "
                                                      "or with + and the country code; stored and answered in E.164.",
                                       "example": "+4791234567"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return phones.to_e164(super()._deserialize(value, attr, data, **kwargs))
        except phones.InvalidPhone as exc:
            raise ValidationError(str(exc)) from None


class EmailAddress(fields.String):
    """An e-mail address as email-validator reads it, without asking DNS, stored in the form it normalises to
    (the domain in lower case, Unicode NFC); the part before the @ keeps its case, and lookups ignore case."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("validate", validate.Length(max=254))
        kwargs.setdefault("metadata", {
            "format": "email", "example": "kari@example.no",
            "description": "An address as email-validator reads it, without a DNS lookup: one @, a domain with a "
                           "dot, no display name, quotes or IP address, and no special-use domain (.local, "
                           ".test, .invalid, localhost, ...). Answered normalised: the domain in lower case."})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        try:
            return validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValidationError(f"Not a valid e-mail address: {exc}") from None


SKILL_CODES = {"enum": list(reference.SKILLS),
               "description": "A skill code (GET /skills). A label or synonym of one, in any case, is read as its "
                              "code too."}


class SkillCode(fields.String):
    """A skill code, or any label or synonym of one, stored as the code."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("metadata", SKILL_CODES)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return reference.resolve_skill(text)
        except reference.UnknownSkill as exc:
            hint = f" Closest: {', '.join(exc.suggestions)}." if exc.suggestions else ""
            raise ValidationError(f"Unknown skill {text.strip()!r}.{hint} See GET /skills.") from None


class UniqueList(fields.List):
    """A list whose repeated items are dropped, first occurrence kept."""

    def _deserialize(self, value, attr, data, **kwargs):
        return list(dict.fromkeys(super()._deserialize(value, attr, data, **kwargs)))


def skills_field(min_items: int = 0, **kwargs: Any) -> fields.List:
    """A de-duplicated list of skill codes."""
    return UniqueList(SkillCode(), validate=validate.Length(min=min_items, max=30), **kwargs)


def languages_field(**kwargs: Any) -> fields.List:
    """A list of ISO 639-1 language codes."""
    return UniqueList(
        fields.String(validate=validate.OneOf(sorted(reference.LANGUAGES), error="Not an ISO 639-1 language code.")),
        validate=validate.Length(max=20), **kwargs,
    )


def district_field(**kwargs: Any) -> fields.String:
    """One of the ten district codes."""
    return fields.String(validate=validate.OneOf(list(reference.DISTRICTS), error="Unknown district; see GET /districts."), **kwargs)


class ClockTime(fields.String):
    """A wall-clock time written HH:MM."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("metadata", {"pattern": TIME_PATTERN.pattern, "example": "17:30",
                                       "description": "Europe/Oslo wall-clock time, HH:MM on the 24-hour clock."})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not TIME_PATTERN.fullmatch(text):
            raise ValidationError("Use HH:MM, 24-hour clock (e.g. 17:30).")
        return text


PLAUSIBLE_YEARS = range(2000, 2101)


class Instant(fields.DateTime):
    """An ISO 8601 date-time in the years 2000-2100; without an offset it is Europe/Oslo wall-clock time."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("metadata", {"pattern": YEARS_PATTERN, "example": "2026-06-05T10:00:00+02:00",
                                       "description": "ISO 8601, in the years 2000 to 2100; without an offset, "
                                                      "Europe/Oslo wall-clock time."})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.year not in PLAUSIBLE_YEARS:
            raise ValidationError("Give a time between the years 2000 and 2100.")
        return moment if moment.tzinfo else oslo_instant(moment)

    def _serialize(self, value, attr, obj, **kwargs):
        return value if isinstance(value, str) else super()._serialize(value, attr, obj, **kwargs)


class CalendarDate(fields.Date):
    """An ISO 8601 date (YYYY-MM-DD) between 2000 and 2100."""

    def __init__(self, **kwargs: Any):
        metadata = {"pattern": YEARS_PATTERN, "example": "2026-06-30", **kwargs.pop("metadata", {})}
        metadata.setdefault("description", "YYYY-MM-DD, in the years 2000 to 2100.")
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if day.year not in PLAUSIBLE_YEARS:
            raise ValidationError("Give a date between the years 2000 and 2100.")
        return day


def check_slot(data: dict[str, Any], now: datetime, weekly_extras: tuple[str, ...] = ()) -> None:
    """Either a weekly slot or a single period, with its end after its start; raises ValidationError by field."""
    weekly_keys = {"weekday", "start_time", "end_time", *weekly_extras}
    period_keys = {"start", "end"}
    given = set(data)
    if given & period_keys and given & weekly_keys:
        raise ValidationError("Give either weekday/start_time/end_time or start/end, not both.")
    if given & period_keys:
        missing = period_keys - given
        if missing:
            raise ValidationError({m: ["Missing data for required field."] for m in missing})
        if data["end"] <= data["start"]:
            raise ValidationError({"end": ["Must be after start."]})
        if data["end"] <= now:
            raise ValidationError({"end": ["Must not be in the past."]})
        return
    missing = {"weekday", "start_time", "end_time"} - given
    if missing:
        raise ValidationError({m: ["Missing data for required field."] for m in sorted(missing)})
    if data["end_time"] <= data["start_time"]:
        raise ValidationError({"end_time": ["Must be after start_time."]})


def either_weekly_or_period(weekly_extras: tuple[str, ...] = ()) -> dict[str, Any]:
    """For the documentation: the fields of a weekly slot, or those of a single period, never both."""
    weekly, period = ["weekday", "start_time", "end_time"], ["start", "end"]
    def none_of(names: list[str]) -> dict[str, Any]:
        return {"not": {"anyOf": [{"required": [name]} for name in names]}}
    return {"oneOf": [{"title": "weekly", "required": weekly, **none_of(period)},
                      {"title": "period", "required": period, **none_of(weekly + list(weekly_extras))}]}


class SlotSchema(StrictSchema):
    """A weekly slot {weekday, start_time, end_time} or a single period {start, end}."""

    OPENAPI = {**either_weekly_or_period(),
               "description": "Weekly (weekday, start_time, end_time) or a single period (start, end). Not "
                              "expressed above: end_time is after start_time; end is after start and not past."}

    weekday = fields.Integer(strict=True, validate=validate.Range(1, 7, error="Use 1 (Monday) to 7 (Sunday)."))
    start_time = ClockTime()
    end_time = ClockTime()
    start = Instant()
    end = Instant()

    @validates_schema
    def _one_kind(self, data, **kwargs):
        check_slot(data, datetime.now(timezone.utc))

    @post_load
    def _as_json(self, data, **kwargs):
        return slot_to_json(data)


class ScheduleSchema(SlotSchema):
    """A need's schedule: a weekly slot with optional from_date/until_date, or a single period."""

    OPENAPI = {**either_weekly_or_period(("from_date", "until_date")),
               "description": "Weekly (weekday, start_time, end_time, optionally from_date and until_date) or a "
                              "single period (start, end). Not expressed above: end_time is after start_time; "
                              "end is after start and not past; until_date is on or after from_date and not "
                              "past."}

    from_date = CalendarDate()
    until_date = CalendarDate()

    @validates_schema
    def _one_kind(self, data, **kwargs):
        check_slot(data, datetime.now(timezone.utc), weekly_extras=("from_date", "until_date"))
        if data.get("from_date") and data.get("until_date") and data["from_date"] > data["until_date"]:
            raise ValidationError({"until_date": ["Must be on or after from_date."]})
        if data.get("until_date") and data["until_date"] < date.today():
            raise ValidationError({"until_date": ["Must not be in the past."]})


def slot_to_json(slot: dict[str, Any]) -> dict[str, Any]:
    """A loaded slot or schedule back in its JSON form (dates and instants as ISO strings)."""
    return {k: v.isoformat() if isinstance(v, (date, datetime)) else v for k, v in slot.items()}


def page_schema(item: type[Schema]) -> type[Schema]:
    """The schema of one page of a listing of `item`."""
    return Schema.from_dict({"items": fields.List(fields.Nested(item)), "total": fields.Integer(),
                             "limit": fields.Integer(), "offset": fields.Integer()},
                            name=f"{item.__name__.removesuffix('Out')}Page")


class PageQuery(QuerySchema):
    """limit/offset pagination for listings."""

    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class TokenIntrospectionIn(Schema):
    """RFC 7662's request, as JSON or form-encoded: the token to ask about (a `token_type_hint` is ignored)."""

    accepts_form = True

    class Meta:
        unknown = EXCLUDE

    token = fields.String(required=True, validate=validate.Length(max=512))
    token_type_hint = fields.String(validate=validate.Length(max=64))


class TokenIntrospectionOut(Schema):
    """RFC 7662's answer: `active`, and for an active token whose it is."""

    active = fields.Boolean(required=True)
    kind = fields.String(metadata={"description": "volunteer, organisation, staff or service"})
    offer_id = fields.String(metadata={"description": "For a volunteer's manage_token or session: their offer."})
    organisation_id = fields.String(metadata={"description": "For an organisation's api_key or session: the "
                                                             "organisation."})


class SignInIn(StrictSchema):
    """Asking for a sign-in link to a confirmed address."""

    email = EmailAddress(required=True)


class SignInAccepted(Schema):
    """The same answer whether or not the address is known."""

    status = fields.String(metadata={"description": "Always 'accepted'."})
    message = fields.String()


class SessionIn(StrictSchema):
    """Opening a session: a sign-in link's code, or no body (or `{}`) with the subject's own credential as the
    bearer token."""

    accepts_empty = True

    code = fields.String(validate=validate.Length(min=1, max=1024), metadata={
        "description": "The code at the end of a sign-in link's address. Without it, the bearer token (the "
                       "subject's own credential) is exchanged for a session."})


class SessionCheckIn(StrictSchema):
    """Asking whether a sign-in link would work, without using it: the code at the end of its address."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class SessionCheckOut(Schema):
    """A sign-in link that would open a session now; one that would not is answered 404 or 410 instead."""

    state = fields.String(metadata={"description": "Always 'usable'."})


SESSION_TOKEN = {"description": "Shown once: a bearer token that stands for the subject's own credential until "
                                "expires_at (12 hours) or DELETE /sessions/current."}


def confirmation_requested_at_field(what: str) -> fields.String:
    """The field that tells notify, and only notify, when the waiting confirmation request of `what` was made."""
    return fields.String(metadata={"description": f"Only to the service token, while {what} waits to be confirmed: "
                                                  "when the waiting confirmation request was made. Notify writes a "
                                                  "request's message only while it is the waiting one; no response "
                                                  "carries a confirmation link."})


def sign_in_requested_at_field() -> fields.String:
    """The field that tells notify, and only notify, when the sign-in link waiting to be used was asked for."""
    return fields.String(metadata={"description": "Only to the service token, while a sign-in link waits to be "
                                                  "used: when it was asked for. No response carries a sign-in link."})


class ErrorDetail(StrictSchema):
    """What went wrong, in the contract's words."""

    code = fields.String(required=True, metadata={
        "description": "Stable, for programs: validation_failed, malformed_request, unauthorized, forbidden, "
                       "not_found, invalid_link, link_expired, link_used, conflict, method_not_allowed, "
                       "body_too_large, too_many_requests, unavailable, ..."})
    message = fields.String(required=True, metadata={"description": "For people."})
    reasons = fields.Dict(data_key="fields", keys=fields.String(),
                          values=fields.List(fields.String(), validate=validate.Length(min=1)), metadata={
        "minProperties": 1,
        "description": "With validation_failed: each field's path (volunteer.email, availability[1].end_time, "
                       "_body for the body as a whole) and its reasons."})


class Error(StrictSchema):
    """Every 4xx and 5xx answer's body."""

    error = fields.Nested(ErrorDetail, required=True)
