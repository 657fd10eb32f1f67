"""HTTP endpoints of assignments' calendars: one assignment as iCalendar, and each person's private feed."""
from __future__ import annotations

from flask import Response
from marshmallow import fields

from shared.errors import NotFound
from shared.http import BEARER, ServiceBlueprint, deps, error_responses
from shared.schemas import StrictSchema
from shared.timeslots import oslo_date
from services.matcher import access, calendars
from services.matcher.callers import who
from services.matcher.feeds import Feeds

blp = ServiceBlueprint("calendars", __name__, description="Assignments as iCalendar, and private calendar feeds")

CALENDAR = "text/calendar; charset=utf-8"


class CalendarFeedOut(StrictSchema):
    url = fields.String(metadata={"description": "The feed's private address; anyone caller has it can read the feed."})
    webcal_url = fields.String(metadata={"description": "The same address as webcal://, which calendar apps "
                                                        "open as a subscription."})


def _calendar_responses(ok: str, refusals: dict[int, str]) -> dict:
    return {"200": {"description": ok, "content": {"text/calendar": {"schema": {"type": "string"}}}},
            **error_responses(refusals)}


FEED_REFUSALS = error_responses({401: "No valid token", 403: "Staff and services have no feed"})


def _ics(body: bytes, filename: str | None = None) -> Response:
    response = Response(body, content_type=CALENDAR)
    response.headers["Cache-Control"] = "private"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blp.route("/matches/<match_id>/calendar.ics")
@blp.doc(security=BEARER, responses=_calendar_responses(
    "The assignment as one event (a weekly need as one recurring event in Europe/Oslo); once it ended or was "
    "cancelled, its cancellation (METHOD:CANCEL, the same UID)",
    {401: "No valid token", 404: "No such match, or not the caller's", 409: "Not an assignment (never confirmed)",
     503: "The needs or offers service cannot be reached"}))
def match_calendar(match_id):
    """Either side of the match, or staff: the assignment to put in a calendar. The volunteer's copy leaves out
    the dates they said they cannot come; the organisation's names the volunteer."""
    d = deps()
    caller = who()
    match = d.repo.matches.get(access.match_id_of(match_id))
    if match is None:
        raise NotFound("No such match.")
    side = access.authorize(caller, access.READ, match)
    return _ics(calendars.match_calendar(match, side, d.clients, d.config.web_url), f"oppdrag-{match['_id']}.ics")


@blp.route("/calendar-feed")
@blp.response(200, CalendarFeedOut)
@blp.doc(security=BEARER, responses=FEED_REFUSALS)
def get_feed():
    """The address of the caller's private feed (a volunteer's: their offer's assignments; an organisation's: its
    needs' assignments). It stays the same until renewed."""
    return calendars.feed_links(deps().config, Feeds(deps().repo.db), who())


@blp.route("/calendar-feed/renew", methods=["POST"])
@blp.response(200, CalendarFeedOut)
@blp.doc(security=BEARER, responses=FEED_REFUSALS)
def renew_feed():
    """A new address for the caller's feed; the old one answers 404 from now on."""
    return calendars.feed_links(deps().config, Feeds(deps().repo.db), who(), renew=True)


@blp.route("/calendar/<code>.ics")
@blp.doc(responses=_calendar_responses(
    "The person's live assignments: confirmed ones, and confirmed stand-ins whose date is today or later",
    {404: "A forged, unknown or renewed feed address", 503: "The needs or offers service cannot be reached"}))
def feed(code):
    """A private calendar feed, for calendar apps to subscribe to; the code in the address is the credential."""
    d = deps()
    feeds = Feeds(d.repo.db)
    kind, owner_id = calendars.read_feed_code(d.config, feeds, code)
    body = calendars.feed_calendar(kind, feeds.confirmed_matches(kind, owner_id), d.clients, d.config.web_url,
                                   oslo_date(d.clock()))
    return _ics(body)
