"""The Flask side every service shares: app factory base, contract error body, health endpoints."""
from __future__ import annotations

import io
import logging
import socket
from dataclasses import dataclass
from functools import cache
from datetime import datetime
from typing import Any, Callable, Iterable

from apispec import BasePlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Flask, Request, current_app, jsonify, request
from flask_smorest import Api, Blueprint
from marshmallow import Schema
from pymongo.errors import ConnectionFailure, ExecutionTimeout, WTimeoutError
from webargs.core import missing
from webargs.flaskparser import FlaskParser, abort
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.routing import BaseConverter, UUIDConverter

from shared import reference
from shared.clock import to_iso, utcnow
from shared.config import Config
from shared.directory import DirectoryUnavailable
from shared.errors import Conflict, DomainError, Unavailable, status_of
from shared.mongo import VersionConflict
from shared.metrics import instrument
from shared.ratelimit import init_rate_limits, retry_after_seconds
from shared.schemas import Error

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
BODY_TOO_LARGE = "frivillig.body_too_large"
UNAVAILABLE_ERRORS = (ConnectionFailure, ExecutionTimeout, WTimeoutError, DirectoryUnavailable)

HTTP_CODES = {
    400: "malformed_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "body_too_large", 415: "unsupported_media_type",
    422: "validation_failed", 429: "too_many_requests", 500: "internal_error", 503: "unavailable",
}


def error_response(status: int, code: str, message: str, fields: dict[str, list[str]] | None = None):
    """The contract's error body with its status."""
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify({"error": body}), status


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into contract paths: 'volunteer.email', 'availability[1].end_time'."""
    if isinstance(messages, list):
        return {prefix or "_body": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
            path = f"{prefix}[{key}]"
        elif key == "_schema":
            path = prefix or "_body"
        else:
            path = f"{prefix}.{key}" if prefix else str(key)
        for sub_path, reasons in flatten_messages(value, path).items():
            flat.setdefault(sub_path, []).extend(reasons)
    return flat


ERROR_BODY = {"$ref": "#/components/schemas/Error"}
SECURITY_SCHEME = {"type": "http", "scheme": "bearer", "description": (
    "A volunteer's manage_token, an organisation's api_key, a session token from POST /sessions, the staff token "
    "(ADMIN_TOKEN) or the service token (SERVICE_TOKEN), as 'Authorization: Bearer <token>'.")}
BEARER = [{"bearer": []}]  # `security` of a route that needs a token
BEARER_OR_NONE = [{"bearer": []}, {}]  # `security` of a public route that answers more to the right token


def error_responses(refusals: dict[int, str]) -> dict[str, dict[str, Any]]:
    """OpenAPI responses in the contract's error body, one per status: {404: "No such offer", ...}."""
    return {str(status): {"description": text, "content": {"application/json": {"schema": ERROR_BODY}}}
            for status, text in refusals.items()}


WITHOUT_DATABASE = frozenset({"/healthz", "/readyz", "/districts", "/skills"})  # never 503 for MongoDB
RETRY_AFTER = {"Retry-After": {"required": True, "description": "Seconds until the client may try again.",
                               "schema": {"type": "integer", "minimum": 1}}}
GENERIC_REFUSALS = {
    400: "The body is not JSON (or not UTF-8, or nested too deep), or the query string is not UTF-8 "
         "(malformed_request)",
    404: "No such resource, one whose existence is private to the caller, or an address no route has (not_found)",
    413: f"The body is larger than {MAX_BODY_BYTES // 1024} KiB (body_too_large)",
    422: "Some fields are not valid (validation_failed): `fields` names each by its path, such as volunteer.email "
         "or availability[1].end_time, with its reasons",
    429: "Too many writes without a token, or too many failed credentials, from this address (too_many_requests); "
         "Retry-After says when to try again",
    503: "The database, or a service this request needs, cannot be reached just now (unavailable); try again shortly",
}


class ContractDocumentation(BasePlugin):
    """Completes the OpenAPI document from one place: each schema's own `OPENAPI` additions (rules across fields,
    such as a slot being weekly or a single period), and on every operation the refusals any route of that shape
    can answer, in the contract's error body (a route documents its own 401, 403, 404, 409 and 410)."""

    def schema_helper(self, name: str, definition: dict, schema: Any = None, **kwargs: Any) -> dict | None:
        return getattr(resolve_schema_cls(schema), "OPENAPI", None) if schema is not None else None

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            for status in self._refusals(path or "", operation):
                self._add(responses, status)

    @staticmethod
    def _refusals(path: str, operation: dict[str, Any]) -> list[int]:
        body = (operation.get("requestBody") or {}).get("content", {})
        query = any(p.get("in") == "query" for p in operation.get("parameters", []) if isinstance(p, dict))
        statuses = [429]
        if path not in WITHOUT_DATABASE:
            statuses.append(503)
        if "{" in path:
            statuses.append(404)
        if body:
            statuses.append(413)
        if "application/json" in body or query:
            statuses.extend((400, 422))
        return statuses

    @staticmethod
    def _add(responses: dict[Any, Any], status: int) -> None:
        """The refusal in the contract's body, beside what the route documents for that status (a page's
        HTML), in place of flask-smorest's generic reference."""
        key = str(status) if str(status) in responses or status not in responses else status
        documented = responses.get(key)
        if not isinstance(documented, dict):
            documented = responses[key] = {"description": GENERIC_REFUSALS[status]}
        documented.setdefault("content", {}).setdefault("application/json", {"schema": ERROR_BODY})
        if status == 429:
            documented.setdefault("headers", RETRY_AFTER)


class ContractApi(Api):
    """flask-smorest's Api, answering every HTTP error in the contract's format (and documenting it so)."""

    ERROR_SCHEMA = Error

    def handle_http_exception(self, error: HTTPException):
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        fields = None
        if "messages" in data:
            # webargs groups messages by location (json, query); the location is not part of the path
            fields = {}
            for location_messages in data["messages"].values():
                fields.update(flatten_messages(location_messages))
        message = data.get("message") or {
            400: "The request body is not valid JSON.",
            413: f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB.",
            422: "Some fields are not valid.",
            429: "Too many requests from this address; try again later.",
        }.get(status, error.description or error.name)
        body, status = error_response(status, HTTP_CODES.get(status, "error"), message, fields)
        if status == 429:
            body.headers["Retry-After"] = str(retry_after_seconds(current_app))
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            body.headers["Allow"] = ", ".join(error.valid_methods)
        return body, status


class RequestParser(FlaskParser):
    """webargs' parser, answering 400 rather than 500 for requests Python cannot read or keep.

    That is: JSON nested deeper than the interpreter recurses, integers of more than 4300 digits,
    strings with unpaired surrogates (valid JSON syntax, but not UTF-8, so not storable), and
    query strings with raw bytes that are not UTF-8.
    """

    def _get_schema(self, argmap: Any, req: Request) -> Schema:
        """One instance of each schema class for every request (webargs would build one per request, nested
        schemas and all): marshmallow's schemas keep no state between loads."""
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            return _schema_instance(argmap)
        return super()._get_schema(argmap, req)

    def _raw_load_json(self, req: Request) -> Any:
        try:
            data = super()._raw_load_json(req)
            _require_utf8(data)
        except (ValueError, RecursionError) as exc:
            self._handle_invalid_json_error(exc, req)
        return data

    def load_json(self, req: Request, schema: Schema) -> Any:
        """JSON; a schema with `accepts_form = True` also takes a form-encoded body (as RFC 7662 sends), and one
        with `accepts_empty = True` reads an empty body as `{}`, whatever its Content-Type says."""
        if getattr(schema, "accepts_form", False) and req.mimetype == "application/x-www-form-urlencoded":
            return self.load_form(req, schema)
        if getattr(schema, "accepts_empty", False) and not req.get_data(cache=True):
            return missing
        return super().load_json(req, schema)

    def load_querystring(self, req: Request, schema: Schema) -> Any:
        try:
            return super().load_querystring(req, schema)
        except UnicodeDecodeError as exc:
            abort(400, exc=exc, message="The query string is not valid UTF-8.",
                  messages={"query": {"_query": ["Percent-encode what is not ASCII."]}})


@cache
def _schema_instance(schema_class: type[Schema]) -> Schema:
    return schema_class()


def _require_utf8(data: Any) -> None:
    """Raise ValueError if any key or string in the parsed JSON is not encodable as UTF-8."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            item.encode("utf-8")  # UnicodeEncodeError is a ValueError


class IdConverter(UUIDConverter):
    """`<id:name>` in a route: only an id (a UUID) matches, handed to the view in its canonical form as text, so a
    word beside it (`/organisations/me`) is a route of its own for every method, not an id for the others."""

    def to_python(self, value: str) -> str:
        return str(super().to_python(value))


class ServiceBlueprint(Blueprint):
    """flask-smorest's Blueprint with the hardened request parser; every service's views use it."""

    ARGUMENTS_PARSER = RequestParser()


def _tcp_reachable(address: str, timeout: float = 1.0) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def kafka_reachable(config: Config) -> bool:
    """True when any bootstrap server accepts a connection."""
    return any(_tcp_reachable(a.strip()) for a in config.kafka_bootstrap_servers.split(","))


def health_blueprint(config: Config, ping_mongo: Callable[[], Any]) -> Blueprint:
    """GET /healthz (process alive) and GET /readyz (MongoDB and Kafka reachable)."""
    blp = Blueprint("health", __name__, description="Liveness and readiness")

    @blp.route("/healthz")
    @blp.response(200)
    def healthz():
        return {"status": "ok"}

    @blp.route("/readyz")
    @blp.response(200)
    @blp.doc(responses=error_responses({503: "MongoDB or Kafka is not reachable: `fields` names which"}))
    def readyz():
        checks = {"mongodb": _mongo_ok(ping_mongo), "kafka": kafka_reachable(config)}
        if not all(checks.values()):
            down = ", ".join(name for name, ok in checks.items() if not ok)
            return error_response(503, "unavailable", f"Not reachable: {down}.", {n: ["unreachable"] for n, ok in checks.items() if not ok})
        return {"status": "ready", "checks": checks}

    return blp


def _mongo_ok(ping: Callable[[], Any]) -> bool:
    try:
        ping()
        return True
    except Exception:  # any failure to ping means "not ready"; the reason is logged
        log.warning("mongodb ping failed", exc_info=True)
        return False


class BoundedBody:
    """WSGI middleware: a body sent without Content-Length (chunked) is read here up to the limit, so one over
    it is refused with 413 instead of being cut short at the limit and read as broken JSON."""

    def __init__(self, app: Callable, limit: int):
        self.app = app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Callable):
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            data = environ["wsgi.input"].read(self.limit + 1)
            if len(data) > self.limit:
                environ[BODY_TOO_LARGE], data = True, b""
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(data), str(len(data))
            del environ["HTTP_TRANSFER_ENCODING"]
        return self.app(environ, start_response)


def _refuse_oversized_body() -> None:
    if request.environ.get(BODY_TOO_LARGE):
        raise RequestEntityTooLarge()


def create_service_app(name: str, deps: Deps, blueprints: Iterable[Blueprint], description: str,
                       converters: dict[str, type[BaseConverter]] | None = None) -> Flask:
    """A Flask app with the contract's error handling, health endpoints and /openapi.json; `converters` are the
    service's own URL converters (documented as strings)."""
    config = deps.config
    app = Flask(f"services.{name}")
    app.config.update(
        TESTING=config.testing,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        API_TITLE=f"{name} service",
        API_VERSION="1.0.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"info": {"description": description}},
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False
    app.wsgi_app = BoundedBody(app.wsgi_app, MAX_BODY_BYTES)  # type: ignore[method-assign]
    app.before_request(_refuse_oversized_body)
    instrument(app, name)
    api = ContractApi(app, spec_kwargs={"extra_plugins": [ContractDocumentation()]})
    api.spec.components.security_scheme("bearer", SECURITY_SCHEME)
    app.url_map.converters["id"] = IdConverter
    api.register_converter(IdConverter, lambda converter: {"type": "string", "format": "uuid"})
    for converter_name, converter in (converters or {}).items():
        app.url_map.converters[converter_name] = converter
        api.register_converter(converter, lambda converter: {"type": "string"})
    app.extensions["deps"] = deps
    app.jinja_env.globals["web_url"] = config.web_url.rstrip("/")  # people's pages share the web's look
    api.register_blueprint(health_blueprint(config, deps.repo.ping))
    for blp in blueprints:
        api.register_blueprint(blp)
    if hasattr(deps.repo, "db"):
        init_rate_limits(app, config, deps.repo.db["rate_limits"])

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        return error_response(status_of(error), error.code, error.message, error.fields or None)

    def unavailable(error: Exception):
        log.warning("unavailable: %s", error)
        return domain_error(Unavailable("A service this needs is not reachable just now; try again shortly."))

    for cls in UNAVAILABLE_ERRORS:
        app.register_error_handler(cls, unavailable)

    @app.errorhandler(VersionConflict)
    def contended(error: VersionConflict):
        log.warning("gave up after repeated concurrent changes: %s", error)
        return domain_error(Conflict("Someone else changed this at the same moment; try again."))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return api.handle_http_exception(error)
        log.exception("unhandled error")
        return api.handle_http_exception(InternalServerError())

    return app


@dataclass(frozen=True)
class Deps:
    """What a service's views hand to its use cases, built once in create_app()."""

    config: Config
    repo: Any
    clock: Callable[[], datetime] = utcnow
    clients: Any = None

    def now(self) -> str:
        """The current instant in its stored form."""
        return to_iso(self.clock())


def deps() -> Deps:
    """The dependencies create_app() built for this app."""
    return current_app.extensions["deps"]


def reference_blueprint() -> Blueprint:
    """GET /districts and GET /skills: the reference data offers and needs are written in."""
    blp = Blueprint("reference", __name__, description="Districts and skills")

    @blp.route("/districts")
    @blp.response(200)
    def districts():
        return {"items": reference.districts_listing()}

    @blp.route("/skills")
    @blp.response(200)
    def skills():
        return {"items": reference.skills_listing()}

    return blp
