"""A sign-up form opened or sent again from a session it has already signed in (the back button, a reload, a
second press): nothing is made twice, and the person is sent to their own page with a word on why.

Signing up signs the person in at once, so a volunteer session that still opens a live offer, or any
organisation session, has registered already. Someone registering for another person or organisation signs
out first; the notice says so.
"""
from __future__ import annotations

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

from shared.directory import is_uuid, path_id
from services.web import session as people
from services.web.apiclient import ApiError, ApiUnavailable, api
from services.web.texts import tr

FORMS = {"volunteer.signup": people.VOLUNTEER, "organisation.register": people.ORGANISATION}
HOME = {people.VOLUNTEER: "volunteer.home", people.ORGANISATION: "organisation.needs"}


def _notice(kind: str) -> str:
    if kind == people.VOLUNTEER:
        return tr("Du er allerede registrert som frivillig og logget inn, så vi har ikke laget et nytt tilbud. "
                  "Her ser du tilbudet ditt, og du kan endre det. Skal en annen person melde seg som frivillig, "
                  "må du logge ut først.",
                  "You are already registered as a volunteer and signed in, so we did not make a new offer. "
                  "Here is your offer, and you can change it. If someone else wants to volunteer, sign out first.")
    return tr("Organisasjonen er allerede registrert og du er logget inn, så vi har ikke registrert den på nytt. "
              "Skal du registrere en annen organisasjon, må du logge ut først.",
              "The organisation is already registered and you are signed in, so we did not register it again. "
              "To register another organisation, sign out first.")


def _still_registered(who: people.Person) -> bool:
    """An organisation stays registered; a volunteer's offer may have been withdrawn (by them, by staff, or for
    an address never confirmed), and then they may sign up again."""
    if who.kind != people.VOLUNTEER:
        return True
    if not is_uuid(who.subject_id or ""):
        return False
    try:
        offer = api().get("offers", f"/offers/{path_id(who.subject_id)}", who.token)
    except (ApiError, ApiUnavailable):
        return False  # the session no longer opens an offer, or cannot tell: the form goes on as for anyone
    return (offer or {}).get("status") != "withdrawn"


def already_registered(endpoint: str | None) -> Response | None:
    """The way to Min side or Våre behov, with a notice, when this session has registered already what the form
    at `endpoint` registers; None when the form is for this person to fill in."""
    kind, who = FORMS.get(endpoint or ""), people.person()
    if kind is None or who is None or who.kind != kind or not _still_registered(who):
        return None
    flash(_notice(kind))
    return redirect(url_for(HOME[kind]))
