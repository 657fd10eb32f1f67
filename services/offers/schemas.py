"""Marshmallow schemas for the offers service's HTTP boundary."""
from __future__ import annotations

from datetime import date

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from shared import reference
from shared.schemas import (SESSION_TOKEN, EmailAddress, NonEmptyPatch, PageQuery, Phone, SkillCode, SlotSchema,
                            StrictSchema, confirmation_requested_at_field, sign_in_requested_at_field,
                            Text, UniqueList, district_field, languages_field, page_schema, skills_field)
from services.offers.model import STATUSES, channel_problems

CHANNELS = ("email", "sms")
OFFER_DISTRICTS = (*reference.DISTRICTS, reference.ALL_DISTRICTS)


def _birth_year_range() -> validate.Range:
    this_year = date.today().year
    return validate.Range(this_year - 110, this_year - 10, error="Give a birth year between {min} and {max}.")


class VolunteerSchema(StrictSchema):
    name = Text(required=True)
    email = EmailAddress(required=True)
    phone = Phone(allow_none=True)
    birth_year = fields.Integer(strict=True, allow_none=True, metadata={
        "description": "From 110 to 10 years before this year (checked against the year at the time of asking)."})
    languages = languages_field(load_default=lambda: ["nb"])

    @validates("birth_year")
    def _plausible(self, value, **kwargs):
        if value is not None:
            _birth_year_range()(value)


class OfferIn(StrictSchema):
    volunteer = fields.Nested(VolunteerSchema, required=True)
    skills = skills_field(min_items=1, required=True)
    districts = UniqueList(fields.String(metadata={"enum": list(OFFER_DISTRICTS)}), required=True,
                           validate=validate.Length(min=1, max=11),
                           metadata={"description": "District codes (GET /districts), or \"all\" for the whole "
                                                    "municipality."})
    availability = fields.List(fields.Nested(SlotSchema), required=True, validate=validate.Length(min=1, max=50))
    police_certificate = fields.Boolean(load_default=False)
    max_active_matches = fields.Integer(strict=True, load_default=1, validate=validate.Range(1, 20))
    headcount = fields.Integer(strict=True, load_default=1, validate=validate.Range(1, 200))
    contact_channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)), load_default=lambda: ["email"],
                                   validate=validate.Length(min=1, max=2), metadata={
        "description": "How the volunteer is told of matches. Not expressed above: \"sms\" needs a volunteer.phone "
                       "that can receive SMS (a mobile number); on a change, the offer the change makes is checked."})
    note = Text(max_length=2000, min_length=0, multiline=True, allow_none=True)

    @validates("districts")
    def _districts(self, value, **kwargs):
        allowed = set(OFFER_DISTRICTS)
        unknown = [d for d in value if d not in allowed]
        if unknown:
            raise ValidationError(f"Unknown district(s) {', '.join(map(str, unknown))}; see GET /districts, or use \"all\".")

    @validates_schema
    def _channels_reach_the_volunteer(self, data, partial=False, **kwargs):
        """A new offer's channels are checked here; a change is checked against the offer it makes (model)."""
        if not partial and (problems := channel_problems(data)):
            raise ValidationError(problems)


class OfferPatch(NonEmptyPatch, OfferIn):
    """A partial change; loaded with partial=True."""


class OfferOut(StrictSchema):
    id = fields.String(attribute="_id")
    status = fields.String(validate=validate.OneOf(STATUSES))
    volunteer = fields.Dict()
    skills = fields.List(fields.String())
    districts = fields.List(fields.String())
    availability = fields.List(fields.Dict())
    police_certificate = fields.Boolean()
    max_active_matches = fields.Integer()
    headcount = fields.Integer()
    contact_channels = fields.List(fields.String())
    note = fields.String(allow_none=True)
    pending_email = fields.String(metadata={"description": "A new e-mail address waiting to be confirmed; "
                                                           "the confirmed one stays in use until then."})
    created_at = fields.String()
    updated_at = fields.String()
    published_at = fields.String(metadata={"description": "When the address was confirmed and the offer opened."})
    withdrawn_at = fields.String()
    withdrawn_reason = fields.String(metadata={"description": "'unconfirmed' when erased because the address "
                                                              "was not confirmed within 7 days."})
    confirmation_requested_at = confirmation_requested_at_field("an address")
    sign_in_requested_at = sign_in_requested_at_field()


class OfferCreated(OfferOut):
    manage_token = fields.String(metadata={"description": "Shown once; the volunteer's credential for this offer."})


class OfferSession(StrictSchema):
    token = fields.String(metadata=SESSION_TOKEN)
    offer_id = fields.String(metadata={"description": "The offer the session is for."})
    expires_at = fields.String(metadata={"description": "When the session ends."})


class OffersQuery(PageQuery):
    district = district_field()
    skill = SkillCode()
    status = fields.String(validate=validate.OneOf(STATUSES))


OfferPage = page_schema(OfferOut)
