"""Write routes (upload, reindex, feedback export) behind the admin token; jobs; feedback votes.

Every write needs `Authorization: Bearer <KAZDE_ADMIN_TOKEN>`: 401 without it, 403 with a wrong one, 403
`writes_disabled` whenever no token is configured. The token travels in a header, never a cookie, so a
page of another site cannot make a browser send it (no CSRF). Clients never name server paths: uploads
are stored under KAZDE_DATA_DIR/uploads by their sanitised file name, and checked by content, not name.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.datastructures import FileStorage

from ingest import SUPPORTED_SUFFIXES, WriterBusy, load_manifest
from service.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from service.http.api import json_body, kazde, limit_rate
from service.http.contract import parse_feedback
from service.ops import FEEDBACK_MAX_BODY_BYTES, FeedbackStore, Reindexer, remove_document
from service.settings import Settings

bp = Blueprint("admin", __name__)

SNIFF_BYTES = 4096
MAX_NAME_BYTES = 200  # of a stored file name, in UTF-8 (file systems allow 255)
# Letters and digits of every script, and - _ . ( ): a stored name never holds a separator, a control
# character, a quote or a shell metacharacter. Anything else becomes "_".
_NAME_UNSAFE = re.compile(r"[^\w.()-]+")


def _reindexer() -> Reindexer:
    return current_app.extensions["kazde_reindexer"]


def _settings() -> Settings:
    return kazde().settings


def require_admin(what: str = "Write actions are") -> None:
    """Raise unless the request carries the configured admin token."""
    token = _settings().admin_token
    if not token:
        raise Forbidden(
            f"{what} disabled: the server has no admin token. Set KAZDE_ADMIN_TOKEN to enable them.",
            code="writes_disabled",
        )
    # The scheme is case-insensitive (RFC 7235): "bearer", "BEARER" and "Bearer" are one scheme.
    scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Unauthorized("This action needs the admin token: Authorization: Bearer <token>.", code="unauthorized")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Forbidden("The admin token is wrong.", code="wrong_token")


def safe_name(raw: str) -> str:
    """The name an upload is stored (and indexed) under: its own name in any script, made safe.

    Only the last path component counts; Unicode is NFC; separators, control characters and punctuation
    other than - _ . ( ) become "_"; no leading dot; at most MAX_NAME_BYTES of UTF-8, keeping the suffix.
    "" when nothing usable is left. `Соглашение_1994.txt` and `Келісім.pdf` keep their names.
    """
    base = unicodedata.normalize("NFC", raw.replace("\\", "/").rsplit("/", 1)[-1])
    name = _NAME_UNSAFE.sub("_", "_".join(base.split())).strip("._")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    suffix = f".{suffix}" if dot else ""
    while stem and len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return f"{stem}{suffix}" if stem else ""


def content_problem(name: str, head: bytes) -> str | None:
    """Why a file's first bytes do not fit its type (None when they do)."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return (
            f"unsupported file type {suffix or '(no extension)'}; allowed: PDF, txt, md, html, docx, odt, epub, "
            "png, jpg, tif"
        )
    if suffix == ".pdf":
        return None if head.lstrip().startswith(b"%PDF-") else "not a PDF: the content does not start with %PDF-"
    if suffix in _ZIPPED:
        return _zip_problem(suffix, head)
    if suffix in _IMAGE_MAGIC:
        kind = suffix.lstrip(".")
        return None if head.startswith(_IMAGE_MAGIC[suffix]) else f"not a .{kind} image: the content is not one"
    if head.lstrip().startswith(b"%PDF-"):
        return f"the content is a PDF, not {suffix} text"
    if b"\x00" in head:
        return "not a text file: it holds binary data"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed bytes is fine; anything earlier is not UTF-8.
        if exc.start < len(head) - 4:
            return "not UTF-8 text"
    return None


# Word, OpenDocument and EPUB files are zip archives; OpenDocument and EPUB name their type in a first,
# uncompressed member "mimetype" (its content starts at byte 38 of the file).
_ZIPPED = {".docx": None, ".odt": b"application/vnd.oasis.opendocument.text", ".epub": b"application/epub+zip"}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Images of pages, read by OCR: the signature each format's files start with.
_PNG, _JPEG, _TIFF = (b"\x89PNG\r\n\x1a\n",), (b"\xff\xd8\xff",), (b"II*\x00", b"MM\x00*")
_IMAGE_MAGIC = {".png": _PNG, ".jpg": _JPEG, ".jpeg": _JPEG, ".tif": _TIFF, ".tiff": _TIFF}


def _zip_problem(suffix: str, head: bytes) -> str | None:
    kind = suffix.lstrip(".")
    if head.startswith(_OLE):
        return f"not a .{kind} file: a password-protected or legacy (.doc) Office file; save it as .{kind} unprotected"
    if not head.startswith(b"PK\x03\x04"):
        return f"not a .{kind} file: the content is not a zip container"
    mime = _ZIPPED[suffix]
    if mime is not None and head[30:38] == b"mimetype" and not head[38:].startswith(mime):
        return f"not a .{kind} file: its mimetype member names another type"
    return None


def _save(upload: FileStorage, folder: Path, taken: dict[str, str], replace: bool) -> dict[str, Any]:
    raw_name = upload.filename or ""
    name = safe_name(raw_name)
    if not name:
        return {"name": raw_name, "reason": "the file name is empty or not allowed"}
    clash = taken.get(name.casefold())
    if clash is None and (folder / name).exists() and not replace:
        clash = "an uploaded document already has this name; send replace=1 to replace it"
    if clash is not None:
        return {"name": raw_name, "doc_id": name, "reason": clash, "conflict": True}
    head = upload.stream.read(SNIFF_BYTES)
    problem = content_problem(name, head)
    if problem:
        return {"name": raw_name, "reason": problem}
    upload.stream.seek(0)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.part"
    upload.save(tmp)
    size = tmp.stat().st_size
    if size == 0:
        tmp.unlink()
        return {"name": raw_name, "reason": "the file is empty"}
    tmp.replace(folder / name)
    taken[name.casefold()] = "another file of this upload has the same name"
    return {"name": raw_name, "doc_id": name, "bytes": size}


def _taken_ids(settings: Settings) -> dict[str, str]:
    """Document ids that an upload must not take: those of documents ingested from other folders."""
    uploads = str(settings.uploads_path.resolve())
    return {
        doc_id.casefold(): "a document of an ingested folder already has this id; rename the file"
        for doc_id, entry in load_manifest(settings.manifest_path).docs.items()
        if entry.root and entry.root != uploads
    }


@bp.before_app_request
def _upload_limit() -> None:
    # Uploads get their own, larger limit (KAZDE_UPLOAD_MAX_MB); every other body stays at the app's 1 MiB.
    if request.path == "/api/documents" and request.method == "POST":
        request.max_content_length = _settings().upload_max_mb * 1024 * 1024
    elif request.path == "/api/feedback":
        request.max_content_length = FEEDBACK_MAX_BODY_BYTES


@bp.post("/api/documents")
def upload() -> tuple[Response, int]:
    """Store uploaded files for indexing; `?reindex=1` (or form field reindex=1) starts a reindex too."""
    require_admin()
    files = request.files.getlist("files") or list(request.files.values())
    if not files:
        raise BadRequest("Send the files as multipart/form-data in the field 'files'.", code="no_files")
    settings = _settings()
    replace = request.args.get("replace") == "1" or request.form.get("replace") == "1"
    taken = _taken_ids(settings)
    results = [_save(f, settings.uploads_path, taken, replace) for f in files]
    saved = [r for r in results if "reason" not in r]
    rejected = [r for r in results if "reason" in r]
    body: dict[str, Any] = {"saved": saved, "rejected": rejected}
    if saved and (request.args.get("reindex") == "1" or request.form.get("reindex") == "1"):
        body["job_id"] = _reindexer().start().job_id
    if saved:
        return jsonify(body), 201
    if any(r.get("conflict") for r in rejected):
        body |= Conflict("A document with this name exists already.", code="name_taken").to_json()
        return jsonify(body), 409
    # An error body as every 4xx has (CONTRACT.md), with each rejected file's reason beside it.
    body |= BadRequest("None of the files could be stored: see each one's reason.", code="files_rejected").to_json()
    return jsonify(body), 400


@bp.delete("/api/documents/<path:doc_id>")
def delete(doc_id: str) -> Response:
    """Remove a document from every index and the manifest, and its file when it is an upload."""
    require_admin()
    try:
        removed = remove_document(_settings(), doc_id)
    except WriterBusy as exc:
        raise Conflict(
            f"A reindex is writing to the index; remove the document when it is done ({exc}).", code="busy"
        ) from exc
    if removed is None:
        raise NotFound(f"No document with id {doc_id!r}.", code="document_not_found")
    return jsonify(removed)


@bp.post("/api/reindex")
def reindex() -> tuple[Response, int]:
    """Start a reindex of the index's sources and the uploads (the running job when one runs)."""
    require_admin()
    return jsonify({"job_id": _reindexer().start().job_id}), 202


@bp.get("/api/jobs/<job_id>")
def job(job_id: str) -> Response:
    """A reindex job's state, progress and summary."""
    found = _reindexer().jobs.get(job_id)
    if found is None:
        raise NotFound(f"No job with id {job_id!r}.", code="job_not_found")
    return jsonify(found.to_json())


@bp.post("/api/feedback")
def feedback() -> tuple[Response, int]:
    """Store a thumbs up or down on an answer, with its question, answer and citations.

    Open to every user of the page, like asking (a vote is not an admin action); KAZDE_RATE_LIMIT counts
    votes together with questions, so neither can flood the server.
    """
    limit_rate()
    vote = parse_feedback(json_body()).model_dump()
    return jsonify({"id": FeedbackStore(_settings().feedback_path).add(vote)}), 201


@bp.get("/api/feedback.jsonl")
def feedback_export() -> Response:
    """Every vote as JSON Lines in the question-file format (admin token required), streamed line by line."""
    require_admin()
    return Response(
        FeedbackStore(_settings().feedback_path).export(),
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="kazde-feedback.jsonl"'},
    )
