"""The hours report as a spreadsheet file, for an organisation (its own needs) and for staff (every
organisation): a form of two dates, and the matcher's CSV passed on as a download made for Norwegian Excel
(see hours_csv)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask import Response, render_template, request

from services.web import hours_csv
from services.web.apiclient import ApiError, api
from services.web.assignment_forms import REPORT_OTHER, REPORT_TO_BEFORE, REPORT_TOO_LONG, HoursForm
from services.web.assignments import oslo_today, report_problem
from services.web.form_values import calendar_day
from services.web.forms import show_api_errors, summary
from services.web.session import ORGANISATION, STAFF, Person, requires

MESSAGES = {"to_before": ("til", REPORT_TO_BEFORE), "too_long": ("til", REPORT_TOO_LONG), "other": ("fra", REPORT_OTHER)}
BACK = {ORGANISATION: "organisation.needs", STAFF: "staff.dashboard"}


def _hours(who: Person):
    """The form; sent (its dates in the address), the file, or the form again with what is wrong."""
    today = oslo_today(datetime.now(timezone.utc))
    asked = "fra" in request.args or "til" in request.args
    form = HoursForm(formdata=request.args if asked else None,
                     data=None if asked else {"fra": date(today.year, 1, 1).isoformat(), "til": today.isoformat()})
    if asked and form.validate():
        first, last = calendar_day(form.fra.data), calendar_day(form.til.data)
        params = {"from": first and first.isoformat(), "to": last and last.isoformat()}
        try:
            found = api().download("matcher", "/reports/hours.csv", who.token, **params)
        except ApiError as error:
            if error.status != 422:
                raise
            field, message = MESSAGES[report_problem(first, last, today)]
            show_api_errors(form, error, lambda path: (field, str(message)) if path in ("from", "to") else None)
        else:
            name = f"timer-{params['from'] or 'start'}-{params['to'] or today.isoformat()}.csv"
            return Response(hours_csv.for_excel(found.body), content_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return render_template("hours_report.html", form=form, back=BACK[who.kind]), 422 if summary(form) else 200


organisation_hours = requires(ORGANISATION)(_hours)
staff_hours = requires(STAFF)(_hours)
