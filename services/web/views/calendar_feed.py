"""A person's calendar feed, for volunteers and organisations alike: the private address a calendar subscribes
to (its live assignments), how to add it, and a new address in place of one that has been shared too widely."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm

from services.web.apiclient import api
from services.web.session import ORGANISATION, VOLUNTEER, Person, requires
from services.web.texts import tr

# the person's kind -> (this page, the renewal page, the page to go back to)
ENDPOINTS = {VOLUNTEER: ("volunteer.calendar_feed", "volunteer.renew_calendar_feed", "volunteer.home"),
             ORGANISATION: ("organisation.calendar_feed", "organisation.renew_calendar_feed", "organisation.needs")}


def _feed_page(who: Person):
    feed = api().get("matcher", "/calendar-feed", who.token) or {}
    page, renew, back = ENDPOINTS[who.kind]
    return render_template("calendar_feed.html", feed=feed, renew=renew, back=back)


def _renew_page(who: Person):
    """What a new address means, asked once; the button makes it, and the old one stops working."""
    page, renew, back = ENDPOINTS[who.kind]
    form = FlaskForm()
    if form.validate_on_submit():
        api().post("matcher", "/calendar-feed/renew", who.token)
        flash(tr("Du har fått en ny kalenderlenke. Den gamle virker ikke lenger: legg inn den nye i kalenderen din.",
                 "You have a new calendar link. The old one no longer works: add the new one to your calendar."))
        return redirect(url_for(page))
    return render_template("calendar_renew.html", form=form, page=page)


volunteer_feed = requires(VOLUNTEER)(_feed_page)
volunteer_renew = requires(VOLUNTEER)(_renew_page)
organisation_feed = requires(ORGANISATION)(_feed_page)
organisation_renew = requires(ORGANISATION)(_renew_page)
