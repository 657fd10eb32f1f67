"""The web's application factory (gunicorn: services.web.app:create_app()): pages for people, no data of its own."""
from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.routing import UUIDConverter

from shared import reference
from shared.config import WEB_SECRETS, Config, ConfigError, load_config
from shared.metrics import direct_only, instrument
from services.web import session as people
from services.web.cookie import EncryptedCookieSessionInterface
from services.web.forms import described_by, input_attrs, summary
from services.web.apiclient import ApiClient, ApiError, ApiUnavailable, api
from services.web.texts import language, tr
from services.web.views import BLUEPRINTS
from services.web.views.signed_up import already_registered

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
MAX_BODY_BYTES = 64 * 1024
SESSION_LIFETIME = timedelta(seconds=people.LIFETIME_SECONDS)  # the cookie's own expiry, renewed as it is rewritten
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def session_keys(config: Config) -> list[str]:
    """The keys Flask signs with (the forms' CSRF tokens), derived from WEB_SESSION_KEY's keys (the first signs,
    the rest still verify); the session cookie itself is encrypted under keys of its own from the same keys."""
    if not config.web_session_keys or not all(config.web_session_keys):
        raise ConfigError("configuration: WEB_SESSION_KEY must be set, one or more comma-separated keys, none empty")
    return [hmac.new(key.encode(), b"web-session", hashlib.sha256).hexdigest() for key in config.web_session_keys]


class IdConverter(UUIDConverter):
    """`<id:name>` in a route: only a UUID matches (anything else is the plain 404 page), handed to the view in its
    canonical form as text, so every id the web puts into an API's path is one the APIs accept."""

    def to_python(self, value: str) -> str:
        return str(super().to_python(value))


def create_app(config: Config | None = None) -> Flask:
    config = config or load_config(needs=WEB_SECRETS)
    app = Flask("services.web", template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"))
    app.url_map.converters["id"] = IdConverter
    keys = session_keys(config)
    app.config.update(
        TESTING=config.testing, SECRET_KEY=keys[0], SECRET_KEY_FALLBACKS=keys[1:], MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        SESSION_COOKIE_NAME="frivillig", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.web_url.startswith("https://"), PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        IDLE_MINUTES=config.web_session_idle_minutes, WTF_CSRF_TIME_LIMIT=None,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    app.session_interface = EncryptedCookieSessionInterface(config.web_session_keys)
    app.extensions["api"] = ApiClient(config)
    app.extensions["web_config"] = config
    CSRFProtect(app)
    instrument(app, "web")
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(tr=tr, language=language, person=people.person, district_name=reference.district_name,
                                 skill_label=reference.skill_label, form_summary=summary,
                                 described_by=described_by, input_attrs=input_attrs)
    app.before_request(people.keep_alive)
    app.after_request(_security_headers)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    _health(app)
    _error_pages(app)
    return app


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static" and (people.person() is not None or response.mimetype != "text/html"
                                         or request.method != "GET" or "code" in (request.view_args or {})):
        headers["Cache-Control"] = "no-store"  # personal data, an answer to a form, or a page a link's code opened
    if "code" in (request.view_args or {}):
        headers["Referrer-Policy"] = "no-referrer"
    return response


def _health(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        direct_only()
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        """Ready when every service the pages call answers its /healthz."""
        direct_only()
        down = []
        for service in ("offers", "needs", "matcher", "notify"):
            try:
                api().call("GET", service, "/healthz")
            except (ApiError, ApiUnavailable):
                down.append(service)
        if down:
            body = {"code": "unavailable", "message": f"Not reachable: {', '.join(down)}.",
                    "fields": {name: ["unreachable"] for name in down}}
            return jsonify({"error": body}), 503
        return {"status": "ready"}


def problem_page(status: int, title: str, text: str):
    """A plain page saying what went wrong and what to do, with the right status."""
    return render_template("message.html", title=title, text=text), status


def _error_pages(app: Flask) -> None:
    @app.errorhandler(ApiUnavailable)
    def unavailable(error: ApiUnavailable):
        log.warning("a service is unavailable: %s", error)
        return problem_page(503, tr("Tjenesten er ikke tilgjengelig akkurat nå", "The service is not available right now"),
                            tr("Noe vi er avhengige av svarer ikke. Prøv igjen om litt.",
                               "Something we depend on is not answering. Please try again in a little while."))

    @app.errorhandler(ApiError)
    def refused(error: ApiError):
        if error.status == 429:
            return problem_page(429, tr("For mange forsøk", "Too many attempts"),
                                tr("Vent noen minutter og prøv igjen.", "Please wait a few minutes and try again."))
        if error.status == 401:
            people.sign_out()
            return problem_page(401, tr("Du er ikke logget inn", "You are not signed in"),
                                tr("Innloggingen din har gått ut. Logg inn igjen.",
                                   "Your sign-in has expired. Please sign in again."))
        if error.status in (403, 404):
            return not_found(error)
        if error.status == 410:
            return problem_page(410, tr("Dette finnes ikke lenger", "This is no longer here"),
                                tr("Det du ser etter, er avsluttet eller slettet.",
                                   "What you are looking for has ended or been deleted."))
        if error.status in (400, 422):
            return problem_page(400, tr("Adressen stemmer ikke", "The address is not right"),
                                tr("Noe i adressen kan ikke brukes. Gå tilbake og prøv igjen, eller start fra forsiden.",
                                   "Something in the address cannot be used. Go back and try again, "
                                   "or start from the front page."))
        log.warning("unexpected answer from a service: %s", error)
        return problem_page(409, tr("Det gikk ikke", "That did not work"),
                            tr("Noen kan ha endret dette samtidig. Gå tilbake, last siden på nytt og prøv igjen.",
                               "Someone may have changed this at the same time. Go back, reload and try again."))

    @app.errorhandler(CSRFError)
    def stale_form(error: CSRFError):
        # a sign-up form kept from before signing up (the back button) carries the old session's token
        registered = already_registered(request.endpoint)
        if registered:
            return registered
        return problem_page(400, tr("Skjemaet er utløpt", "The form has expired"),
                            tr("Gå tilbake, last siden på nytt og send skjemaet igjen.",
                               "Go back, reload the page and send the form again."))

    @app.errorhandler(404)
    def not_found(error: Exception):
        return problem_page(404, tr("Fant ikke siden", "Page not found"),
                            tr("Siden finnes ikke, eller du har ikke tilgang til den.",
                               "The page does not exist, or you do not have access to it."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return problem_page(error.code or 500, error.name, tr("Gå tilbake og prøv igjen.", "Go back and try again."))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error")
        return problem_page(500, tr("Noe gikk galt hos oss", "Something went wrong on our side"),
                            tr("Prøv igjen om litt. Feilen er logget.", "Please try again later. The error has been logged."))
