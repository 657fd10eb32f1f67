"""Marshmallow schemas for the needs service's HTTP boundary."""
from __future__ import annotations

from marshmallow import fields, validate

from shared.schemas import (SESSION_TOKEN, EmailAddress, NonEmptyPatch, PageQuery, Phone, ScheduleSchema, SkillCode,
                            confirmation_requested_at_field, sign_in_requested_at_field,
                            StrictSchema, Text, district_field, languages_field, page_schema, skills_field)
from services.needs.model import KINDS, NEED_STATUSES

CERTIFICATE_MAX_AGE = {"description": "How old, in months, a volunteer's police certificate may be when the "
                                      "organisation confirms a match (1 to 120); null: no limit of its own.",
                       "example": 36}


def certificate_max_age_field(**kwargs) -> fields.Integer:
    """An organisation's limit on a police certificate's age, in months, or null."""
    return fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, 120), metadata=CERTIFICATE_MAX_AGE,
                          **kwargs)


class ContactSchema(StrictSchema):
    name = Text(required=True)
    email = EmailAddress(required=True)
    phone = Phone(allow_none=True)


ORG_NUMBER = {
    "pattern": r"^[0-9]{3} ?[0-9]{3} ?[0-9]{3}$", "example": "974760673",
    "description": "A Norwegian organisation number: nine digits, together or in groups of three (\"974 760 673\"; "
                   "the service drops any white space). Not expressed above: the ninth is the modulus-11 check "
                   "digit of the first eight, weighted 3, 2, 7, 6, 5, 4, 3, 2: 11 minus the weighted sum modulo 11, "
                   "0 for 11; a number whose check would be 10 is not valid."}


class OrganisationIn(StrictSchema):
    OPENAPI = {"anyOf": [{"title": "not a municipal service",
                          "properties": {"kind": {"enum": [k for k in KINDS if k != "municipal_service"]}}},
                         {"title": "a municipal service names its unit", "required": ["unit"],
                          "properties": {"unit": {"type": "string"}}}]}

    name = Text(required=True)
    org_number = fields.String(required=True, validate=validate.Length(max=20), metadata=ORG_NUMBER)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    unit = Text(allow_none=True, metadata={"description": "The unit of a municipal service (required for one), such "
                                                          "as \"Fjell bo- og omsorgssenter\"."})
    contact = fields.Nested(ContactSchema, required=True)
    certificate_max_age_months = certificate_max_age_field()


class OrganisationPatch(NonEmptyPatch, StrictSchema):
    """The organisation's settings; for now only certificate_max_age_months (any other field is refused)."""

    certificate_max_age_months = certificate_max_age_field()


class OrganisationOut(StrictSchema):
    id = fields.String(attribute="_id")
    name = fields.String()
    org_number = fields.String()
    kind = fields.String()
    unit = fields.String(allow_none=True)
    verified = fields.Boolean()
    certificate_max_age_months = certificate_max_age_field(dump_default=None)
    contact_confirmed = fields.Boolean(metadata={"description": "Whether the contact has confirmed the e-mail address "
                                                               "through the link sent to it; staff verify only after."})
    created_at = fields.String()
    contact = fields.Nested(ContactSchema, metadata={"description": "Only for the organisation itself, staff and services."})
    confirmation_requested_at = confirmation_requested_at_field("the contact address")
    sign_in_requested_at = sign_in_requested_at_field()


class OrganisationCreated(OrganisationOut):
    api_key = fields.String(metadata={"description": "Shown once; keep it: it is the organisation's credential."})


class OrganisationSession(StrictSchema):
    token = fields.String(metadata=SESSION_TOKEN)
    organisation_id = fields.String(metadata={"description": "The organisation the session is for."})
    expires_at = fields.String(metadata={"description": "When the session ends."})


class RequirementsSchema(StrictSchema):
    police_certificate = fields.Boolean(load_default=False)
    min_age = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0, 100))
    languages = languages_field(load_default=list)
    certificate_basis = Text(max_length=300, min_length=0, allow_none=True, metadata={
        "description": "The legal basis for asking for a police certificate, e.g. \"helse- og "
                       "omsorgstjenesteloven § 5-4\"; printed on the volunteer's confirmation of purpose. Only "
                       "with police_certificate true (422 otherwise); blank or null removes it, and so does "
                       "setting police_certificate to false. Served over HTTP only, never in events."})


class NeedIn(StrictSchema):
    title = Text(required=True, max_length=140)
    description = Text(max_length=4000, min_length=0, multiline=True, load_default="")
    skills = skills_field(load_default=list)
    district = district_field(required=True)
    schedule = fields.Nested(ScheduleSchema, required=True)
    volunteers_needed = fields.Integer(strict=True, load_default=1, validate=validate.Range(1, 100))
    requirements = fields.Nested(RequirementsSchema, load_default=dict)


class NeedPatch(NonEmptyPatch, NeedIn):
    """A partial change; loaded with partial=True."""


class NeedOut(StrictSchema):
    id = fields.String(attribute="_id")
    organisation_id = fields.String()
    status = fields.String(validate=validate.OneOf(NEED_STATUSES))
    title = fields.String()
    description = fields.String()
    skills = fields.List(fields.String())
    district = fields.String()
    schedule = fields.Dict()
    volunteers_needed = fields.Integer()
    requirements = fields.Dict()
    created_at = fields.String()
    updated_at = fields.String()
    published_at = fields.String(allow_none=True)


class OrganisationsQuery(PageQuery):
    verified = fields.Boolean(metadata={"description": "Only organisations staff have (true) or have not (false) "
                                                       "verified."})
    contact_confirmed = fields.Boolean(metadata={"description": "Only organisations whose contact has (true) or has "
                                                                "not (false) confirmed the e-mail address."})


OrganisationPage = page_schema(OrganisationOut)


class NeedsQuery(PageQuery):
    district = district_field()
    skill = SkillCode()


NeedPage = page_schema(NeedOut)
