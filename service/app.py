"""The Flask app factory: blueprints, JSON errors, security headers."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from service.errors import KazdeError
from service.http import BLUEPRINTS, observe
from service.ops import RateLimiter, Reindexer
from service.qa import Kazde
from service.resources import WEB
from service.settings import Settings
from vectorstore import StoreError

log = logging.getLogger(__name__)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
MAX_REQUEST_BYTES = 1 << 20


def _relative(location: str) -> str:
    """A redirect's target as a path on this server: Werkzeug builds it from the request's Host header, which
    a client forges (`GET //x` with `Host: evil.example` redirected there). One leading slash, so the path
    cannot read as `//host`."""
    parts = urlsplit(location)
    return urlunsplit(("", "", "/" + parts.path.lstrip("/"), parts.query, parts.fragment))


def create_app(settings: Settings | None = None, kazde: Kazde | None = None) -> Flask:
    """Build the app; nothing connects to Chroma or loads a model until the first request needs it."""
    settings = settings or Settings.from_env()
    app = Flask(
        __name__,
        template_folder=str(WEB / "templates"),
        static_folder=str(WEB / "static"),
        static_url_path="/static",
    )
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["kazde"] = kazde = kazde or Kazde(settings)
    app.extensions["kazde_reindexer"] = Reindexer(kazde.settings)
    if kazde.settings.rate_limit:
        app.extensions["kazde_rate_limiter"] = RateLimiter(
            kazde.settings.data_dir / "ratelimit.sqlite", kazde.settings.rate_limit
        )
    observe.install(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    @app.errorhandler(KazdeError)
    def _kazde_error(exc: KazdeError) -> Response:
        response = jsonify(exc.to_json())
        response.status_code = exc.status
        retry = exc.extra.get("retry_after_s")
        if isinstance(retry, int):
            response.headers["Retry-After"] = str(retry)
        return response

    @app.errorhandler(StoreError)
    def _store_error(exc: StoreError) -> Response:
        # The one mapping of the store's failures to HTTP: the 503 Kazde.unreachable words, whichever route met it.
        return _kazde_error(kazde.unreachable(exc))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        code = (exc.name or "error").lower().replace(" ", "_")
        return jsonify({"error": code, "message": exc.description or exc.name}), exc.code or 500

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify({"error": "internal_error", "message": "Something went wrong on the server."}), 500

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if response.location:
            response.location = _relative(response.location)
        return response

    return app
