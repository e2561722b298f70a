"""/api/* routes, /healthz, /documents/<id> and /openapi.json: validate, call, serialise."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request, send_file, stream_with_context

from ingest import load_manifest
from service.errors import BadRequest, KazdeError, NotFound, RateLimited
from service.http import observe
from service.http.contract import parse_ask
from service.http.openapi import OPENAPI
from service.ops import is_upload, metrics
from service.qa import AskResult, Kazde

bp = Blueprint("api", __name__)
_JSON_STRUCTURE = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')
log = logging.getLogger(__name__)

MAX_JSON_DEPTH = 32  # no request of this API nests deeper than 4


def kazde() -> Kazde:
    """The service object of the running app."""
    return current_app.extensions["kazde"]


def json_body() -> dict[str, Any]:
    """The request's JSON object (400 invalid_json otherwise: not JSON, not an object, nested deeper than
    MAX_JSON_DEPTH, or holding a lone surrogate, which is no character and cannot be stored as UTF-8)."""
    if not request.is_json:
        raise BadRequest(
            "The request body must be a JSON object (Content-Type: application/json).", code="invalid_json"
        )
    raw = request.get_data(cache=True)
    if _nesting(raw) > MAX_JSON_DEPTH:
        raise BadRequest(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.", code="invalid_json")
    try:
        body = json.loads(raw)
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeError:
        raise BadRequest("The JSON body holds text that is not valid Unicode.", code="invalid_json") from None
    except ValueError:
        raise BadRequest("The request body is not valid JSON.", code="invalid_json") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.", code="invalid_json")
    return body


def _nesting(raw: bytes) -> int:
    """How deep the brackets of a JSON text nest, strings skipped (before parsing: the parser recurses)."""
    depth = deepest = 0
    for token in _JSON_STRUCTURE.findall(raw):
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def limit_rate() -> None:
    """Count this request against the client's KAZDE_RATE_LIMIT (429 over it)."""
    limiter = current_app.extensions.get("kazde_rate_limiter")
    if limiter is not None:
        try:
            limiter.check(request.remote_addr or "unknown")
        except RateLimited:
            metrics.RATE_LIMITED.inc()
            raise


def _record(result: AskResult) -> None:
    a = result.answer
    g.kazde_ask = metrics.record_ask(result.timings_ms, a.abstained, len(result.passages), len(a.citations))


@bp.post("/api/ask")
def ask() -> Response:
    """Answer a question with cited passages."""
    limit_rate()
    asked = parse_ask(json_body())
    result = kazde().ask(asked.question, k=asked.k, filters=asked.filters_dict(), history=asked.history_list())
    _record(result)
    return jsonify(result.to_json())


@bp.post("/api/ask/stream")
def ask_stream() -> Response:
    """The same answer as Server-Sent Events: `token` events as it is written, then one `final` event.

    The request is validated and the index opened before the stream starts, so those errors are plain JSON
    4xx/5xx responses; a failure after that arrives as an `error` event.
    """
    limit_rate()
    asked = parse_ask(json_body())
    question, k, filters, history = asked.question, asked.k, asked.filters_dict(), asked.history_list()
    service = kazde()
    service.store()  # a missing or unreachable index is a 503 here, before any event
    service.check_query(question)  # and so is a question too long to encode
    started = observe.started_at()

    def events() -> Iterator[str]:
        outcome: dict[str, Any] = {}
        try:
            for event in service.ask_stream(question, k=k, filters=filters, history=history):
                if isinstance(event, AskResult):
                    _record(event)
                    outcome = g.pop("kazde_ask", {})
                    yield _sse("final", event.to_json())
                else:
                    yield _sse("token", {"text": event})
        except KazdeError as exc:
            outcome = {"error": exc.code}
            yield _sse("error", exc.to_json())
        except Exception:  # the stream has begun: report, never leave the client hanging
            log.exception("streamed answer failed")
            outcome = {"error": "internal_error"}
            yield _sse("error", {"error": "internal_error", "message": "The answer could not be completed."})
        finally:
            observe.log_request("/api/ask/stream", 200, time.perf_counter() - started, outcome)

    response = Response(stream_with_context(events()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@bp.get("/healthz")
def healthz() -> Response:
    """200 when the index can be queried (503 with the reason otherwise)."""
    store = kazde().store()  # a store that fails now is the app's one StoreError handler's 503 (service/app.py)
    return jsonify({"status": "ok", "chunks": store.count(), "embedder": store.stamp})


def _manifest_docs() -> dict[str, Any]:
    return load_manifest(kazde().settings.manifest_path).docs


@bp.get("/api/documents")
def documents() -> Response:
    """Every known document: id, title, language, source URL, pages, chunks, indexed at, status."""
    items = []
    for doc_id, e in sorted(_manifest_docs().items()):
        status = "failed" if e.failed else ("duplicate" if e.duplicate_of else "indexed")
        item: dict[str, Any] = {
            "doc_id": doc_id,
            "title": e.title or doc_id,
            "language": e.language or None,
            "doc_type": e.doc_type or None,
            "source": e.source or None,
            "pages": e.pages,
            "chunks": e.chunks,
            "indexed_at": e.indexed_at,
            "status": status,
            "origin": "upload" if is_upload(kazde().settings, e.root) else "folder",
        }
        if e.failed:
            item["reason"] = e.reason
        if e.duplicate_of:
            item["duplicate_of"] = e.duplicate_of
        if e.problems:
            item["problems"] = e.problems
        items.append(item)
    return jsonify({"documents": items, "writes_enabled": bool(kazde().settings.admin_token)})


_DOWNLOADED = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".epub": "application/epub+zip",
}
_OPENED_AS = {".pdf": "application/pdf", **_DOWNLOADED}


@bp.get("/documents/<path:doc_id>")
def original(doc_id: str) -> Response:
    """The original file of an indexed document (a PDF opens at a page with #page=N)."""
    entry = _manifest_docs().get(doc_id)
    # Only paths the manifest recorded at ingest are served: a client never names a server path.
    if entry is None or entry.failed or not Path(entry.path).is_file():
        raise NotFound(f"No indexed document with id {doc_id!r}.", code="document_not_found")
    path = Path(entry.path)
    # A user's HTML is shown as text, never rendered from this origin (it could carry scripts).
    suffix = path.suffix.lower()
    # Word, OpenDocument and EPUB files are downloaded and opened by the reader's own program.
    mimetype = _OPENED_AS.get(suffix, "text/plain")  # Flask adds charset=utf-8 to text/plain
    response = send_file(path, mimetype=mimetype, download_name=path.name, as_attachment=suffix in _DOWNLOADED)
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI document of this service."""
    return jsonify(OPENAPI)
