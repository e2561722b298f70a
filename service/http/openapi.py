"""The OpenAPI 3.1 document served at /openapi.json: paths written here, every body from service/http/contract.py."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from service.http import contract

# Every body of the API, from the contract's models: requests as they are validated, responses as they are sent.
_MODELS = {
    "AskRequest": (contract.AskRequest, "validation"),
    "FeedbackRequest": (contract.FeedbackRequest, "validation"),
    "AskResponse": (contract.AskResponse, "serialization"),
    "Error": (contract.ErrorBody, "serialization"),
    "Health": (contract.Health, "serialization"),
    "Documents": (contract.Documents, "serialization"),
    "Uploaded": (contract.Uploaded, "serialization"),
    "Removed": (contract.Removed, "serialization"),
    "JobAccepted": (contract.JobAccepted, "serialization"),
    "Job": (contract.Job, "serialization"),
    "FeedbackStored": (contract.FeedbackStored, "serialization"),
}
_REFS, _SCHEMAS = models_json_schema(list(_MODELS.values()), ref_template="#/components/schemas/{model}")


def _schema(name: str) -> dict[str, Any]:
    """A reference to one of the contract's models (its schema lives under components/schemas)."""
    return _REFS[_MODELS[name]]


_ERROR = _schema("Error")
_ERRORS = {
    "400": {"description": "Bad request", "content": {"application/json": {"schema": _ERROR}}},
    "503": {"description": "Index missing or unreachable", "content": {"application/json": {"schema": _ERROR}}},
    "429": {"description": "Over KAZDE_RATE_LIMIT", "content": {"application/json": {"schema": _ERROR}}},
}
_ADMIN = [{"adminToken": []}]
_WRITE_ERRORS = {
    "400": _ERRORS["400"],
    "401": {"description": "No admin token sent", "content": {"application/json": {"schema": _ERROR}}},
    "403": {"description": "Wrong token, or writes disabled", "content": {"application/json": {"schema": _ERROR}}},
}
_ASK_REQUEST = _schema("AskRequest")
_ASK_RESPONSE = _schema("AskResponse")
_FEEDBACK = _schema("FeedbackRequest")
# One Server-Sent Event of /api/ask/stream (its `data` is JSON: {"text"} for a token, an AskResponse for the
# final event, an Error for an error event).
_SSE_EVENT = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {"event": {"enum": ["token", "final", "error"]}, "data": {"type": "string"}},
}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "components": {
        "securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer"}},
        "schemas": _SCHEMAS.get("$defs", {}),
    },
    "info": {"title": "Kazde", "version": "0.1.0", "description": "Cited answers from Kazakh-German sources."},
    "paths": {
        "/api/ask": {
            "post": {
                "summary": "Answer a question with citations, or abstain",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ASK_REQUEST}}},
                "responses": {"200": _json(_ASK_RESPONSE), **_ERRORS},
            }
        },
        "/api/ask/stream": {
            "post": {
                "summary": "The same answer as Server-Sent Events",
                "description": 'Events: `token` ({"text": str}) as the answer is written, then one `final` '
                '(the /api/ask object), or `error` ({"error", "message"}) when it fails after starting.',
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ASK_REQUEST}}},
                "responses": {
                    "200": {
                        "description": "An event stream",
                        "content": {"text/event-stream": {"schema": _SSE_EVENT}},
                    },
                    **_ERRORS,
                },
            }
        },
        "/healthz": {
            "get": {
                "summary": "Whether the index can be queried",
                "responses": {"200": _json(_schema("Health")), "503": _ERRORS["503"]},
            }
        },
        "/api/documents": {
            "get": {
                "summary": "Every known document and its status; whether write actions are enabled",
                "responses": {"200": _json(_schema("Documents"))},
            },
            "post": {
                "summary": "Upload files (PDF, txt, md, html, docx, odt, epub) for indexing; ?reindex=1 starts a"
                " reindex too; replace=1 replaces an upload of the same name",
                "security": _ADMIN,
                "parameters": [
                    {"name": "reindex", "in": "query", "schema": {"enum": ["0", "1"]}},
                    {"name": "replace", "in": "query", "schema": {"enum": ["0", "1"]}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": _json(_schema("Uploaded")),
                    **_WRITE_ERRORS,
                    "409": {
                        "description": "Every file's name is taken: by another folder's document, by an upload"
                        " (send replace=1), or by another file of the request",
                        "content": {"application/json": {"schema": _ERROR}},
                    },
                    "413": {
                        "description": "Over KAZDE_UPLOAD_MAX_MB",
                        "content": {"application/json": {"schema": _ERROR}},
                    },
                },
            },
        },
        "/api/documents/{doc_id}": {
            "delete": {
                "summary": "Remove a document from the index (and its file, when it is an upload)",
                "description": "A document of an ingested folder keeps its file and comes back with the next ingest of"
                " that folder unless the file goes (`returns_on_reindex`).",
                "security": _ADMIN,
                "parameters": [{"name": "doc_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": _json(_schema("Removed")),
                    **_WRITE_ERRORS,
                    "404": {"description": "No such document", "content": {"application/json": {"schema": _ERROR}}},
                    "409": {
                        "description": "A reindex is writing to the index",
                        "content": {"application/json": {"schema": _ERROR}},
                    },
                    "503": _ERRORS["503"],
                },
            }
        },
        "/api/reindex": {
            "post": {
                "summary": "Reindex the index's sources and the uploads in the background",
                "security": _ADMIN,
                "responses": {"202": _json(_schema("JobAccepted")), **_WRITE_ERRORS},
            }
        },
        "/api/jobs/{job_id}": {
            "get": {
                "summary": "A reindex job's state, progress and summary",
                "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": _json(_schema("Job")),
                    "404": {"description": "Unknown job", "content": {"application/json": {"schema": _ERROR}}},
                },
            }
        },
        "/api/feedback": {
            "post": {
                "summary": "A thumbs up or down on an answer, stored with its question, answer and citations",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _FEEDBACK}}},
                "responses": {
                    "201": _json(_schema("FeedbackStored")),
                    "400": _ERRORS["400"],
                    "413": {"description": "A body over 64 KiB", "content": {"application/json": {"schema": _ERROR}}},
                    "429": _ERRORS["429"],
                },
            }
        },
        "/api/feedback.jsonl": {
            "get": {
                "summary": "Every vote as JSON Lines in the question-file format",
                "security": _ADMIN,
                "responses": {
                    "200": {
                        "description": "JSON Lines",
                        "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                    },
                    **_WRITE_ERRORS,
                },
            }
        },
        "/documents/{doc_id}": {
            "get": {
                "summary": "The original file of a document (PDFs open at #page=N)",
                "parameters": [{"name": "doc_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "The file"},
                    "404": {"description": "Unknown document", "content": {"application/json": {"schema": _ERROR}}},
                },
            }
        },
        "/openapi.json": {"get": {"summary": "This document", "responses": {"200": _json({"type": "object"})}}},
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics: request latency, answers, abstentions, ingest counts and failures"
                " (the admin token unless KAZDE_METRICS_PUBLIC=1)",
                "security": _ADMIN,
                "responses": {
                    "200": {"description": "Prometheus text format", "content": {"text/plain": {}}},
                    **_WRITE_ERRORS,
                },
            }
        },
    },
}
