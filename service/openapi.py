"""The OpenAPI 3.1 document served at /openapi.json."""

from __future__ import annotations

from typing import Any

_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
}
_ERRORS = {
    "400": {"description": "Bad request", "content": {"application/json": {"schema": _ERROR}}},
    "503": {"description": "Index missing or unreachable", "content": {"application/json": {"schema": _ERROR}}},
    "429": {"description": "Over KAZDE_RATE_LIMIT", "content": {"application/json": {"schema": _ERROR}}},
}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_ADMIN = [{"adminToken": []}]
_WRITE_ERRORS = {
    "400": _ERRORS["400"],
    "401": {"description": "No admin token sent", "content": {"application/json": {"schema": _ERROR}}},
    "403": {"description": "Wrong token, or writes disabled", "content": {"application/json": {"schema": _ERROR}}},
}
_FEEDBACK = {
    "type": "object",
    "required": ["rating", "question"],
    "properties": {
        "rating": {"enum": ["up", "down"]},
        "question": {"type": "string", "minLength": 1, "maxLength": 20000},
        "answer": {"type": "string", "maxLength": 20000},
        "query": {"type": "string", "maxLength": 20000},
        "citations": {
            "type": "array",
            "maxItems": 50,
            "items": {
                "type": "object",
                "required": ["doc_id"],
                "properties": {
                    "n": {"type": "integer"},
                    "doc_id": {"type": "string"},
                    "page": {"type": ["integer", "null"]},
                    "quote": {"type": "string"},
                },
            },
        },
    },
}
_CITATION = {
    "type": "object",
    "required": ["n", "doc_id", "title", "page", "source", "quote"],
    "properties": {
        "n": {"type": "integer"},
        "doc_id": {"type": "string"},
        "title": {"type": "string"},
        "page": {"type": ["integer", "null"]},
        "source": {"type": ["string", "null"]},
        "quote": {"type": "string"},
        "passage": {"type": "integer"},
    },
}
_PASSAGE = {
    "type": "object",
    "required": ["doc_id", "title", "page", "text", "score"],
    "properties": {
        "doc_id": {"type": "string"},
        "title": {"type": "string"},
        "page": {"type": ["integer", "null"]},
        "source": {"type": ["string", "null"]},
        "language": {"type": "string"},
        "text": {"type": "string"},
        "score": {"type": "number"},
    },
}
_ASK_REQUEST = {
    "type": "object",
    "required": ["question"],
    "properties": {
        "question": {"type": "string", "minLength": 1, "maxLength": 2000},
        "k": {"type": "integer", "minimum": 1, "maximum": 20},
        "history": {
            "type": "array",
            "maxItems": 20,
            "items": {
                "type": "object",
                "required": ["role", "content"],
                "properties": {"role": {"enum": ["user", "assistant"]}, "content": {"type": "string"}},
            },
        },
        "filters": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "language": _STRINGS,
                "doc_id": _STRINGS,
                "doc_type": _STRINGS,
                "year_from": {"type": "integer"},
                "year_to": {"type": "integer"},
            },
        },
    },
}
_ASK_RESPONSE = {
    "type": "object",
    "required": ["answer", "abstained", "query", "citations", "passages"],
    "properties": {
        "answer": {"type": "string"},
        "abstained": {"type": "boolean"},
        "verbatim": {
            "type": "boolean",
            "description": "The answer is quotes from the documents with [n] markers: show it as text, not Markdown.",
        },
        "query": {"type": "string"},
        "language": {"type": "string"},
        "notice": {"type": "string"},
        "citation_check": {
            "type": "object",
            "properties": {k: {"type": "integer"} for k in ("checked", "kept", "recited", "dropped")},
        },
        "citations": {"type": "array", "items": _CITATION},
        "passages": {"type": "array", "items": _PASSAGE},
    },
}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "components": {"securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer"}}},
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
                        "content": {"text/event-stream": {"schema": {"type": "string"}}},
                    },
                    **_ERRORS,
                },
            }
        },
        "/healthz": {
            "get": {
                "summary": "Whether the index can be queried",
                "responses": {"200": _json({"type": "object", "required": ["status"]}), "503": _ERRORS["503"]},
            }
        },
        "/api/documents": {
            "get": {
                "summary": "Every known document and its status; whether write actions are enabled",
                "responses": {"200": _json({"type": "object", "required": ["documents", "writes_enabled"]})},
            },
            "post": {
                "summary": "Upload files (PDF, txt, md, html) for indexing; ?reindex=1 starts a reindex too",
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
                    "201": _json({"type": "object", "required": ["saved", "rejected"]}),
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
        "/api/reindex": {
            "post": {
                "summary": "Reindex the index's sources and the uploads in the background",
                "security": _ADMIN,
                "responses": {"202": _json({"type": "object", "required": ["job_id"]}), **_WRITE_ERRORS},
            }
        },
        "/api/jobs/{job_id}": {
            "get": {
                "summary": "A reindex job's state, progress and summary",
                "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": _json({"type": "object", "required": ["state", "progress", "summary"]}),
                    "404": {"description": "Unknown job", "content": {"application/json": {"schema": _ERROR}}},
                },
            }
        },
        "/api/feedback": {
            "post": {
                "summary": "A thumbs up or down on an answer, stored with its question, answer and citations",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _FEEDBACK}}},
                "responses": {
                    "201": _json({"type": "object", "required": ["id"]}),
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
