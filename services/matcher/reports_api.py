"""HTTP endpoints of reports: attendance and hours per organisation and district."""
from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import fields, validate

from shared.http import BEARER, ServiceBlueprint, deps, error_responses
from shared.schemas import QuerySchema
from shared.timeslots import oslo_date
from shared.wording import organisation_name
from services.matcher import reports
from services.matcher.callers import caller_first, who

blp = ServiceBlueprint("reports", __name__, description="Attendance and hours, for staff and organisations")

CSV_RESPONSES = {
    "200": {"description": "One row per organisation and district, under a header row: "
                           + ",".join(reports.HEADER) + ". No volunteer is named.",
            "content": {"text/csv": {"schema": {"type": "string"}}}},
    **error_responses({401: "No credential, or one nobody issued", 403: "A volunteer's or a service's credential",
                       422: "A date not written YYYY-MM-DD, from after to, or more than three years"}),
}


class HoursQuery(QuerySchema):
    first = fields.String(data_key="from", validate=validate.Length(max=32), metadata={
        "description": "The first date, YYYY-MM-DD (Oslo); default 1 January of the year of `to`."})
    last = fields.String(data_key="to", validate=validate.Length(max=32), metadata={
        "description": "The last date, YYYY-MM-DD (Oslo), included; default today. At most three years after from."})


def _recorded(organisation_id: str | None) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The matches (of one organisation, or all) and the needs of the matcher's read model, by id."""
    repo = deps().repo
    matches = repo.all_matches() if organisation_id is None else repo.matches_of_organisation(organisation_id)
    return matches, {need["_id"]: need for need in repo.all_needs()}


@blp.route("/reports/hours.csv")
@caller_first
@blp.arguments(HoursQuery, location="query")
@blp.doc(security=BEARER, responses=CSV_RESPONSES)
def hours_csv(query):
    """Attended occurrences, no-shows, minutes, hours and volunteers per organisation and district between two
    dates: every organisation's for staff, its own needs' for an organisation."""
    organisation_id = reports.scope_of(who())
    first, last = reports.period(query.get("first"), query.get("last"), oslo_date(deps().clock()))
    found = reports.tallies(*_recorded(organisation_id), first, last, organisation_id)
    clients = deps().clients
    names = {org_id: organisation_name(clients.organisation(org_id) or {}) for org_id in {k[0] for k in found}}
    return Response(reports.to_csv(reports.rows(found, names)), content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{reports.file_name(first, last)}"',
        "Cache-Control": "no-store"})
