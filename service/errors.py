"""The typed, user-facing errors of the service and their JSON form.

KazdeError                      any error shown to a user: a stable `code`, a `message`, an HTTP status
├── BadRequest (400)            a request that cannot be answered as sent
├── Unauthorized (401)          a write without the admin token
├── Forbidden (403)             a wrong token, or writes switched off
├── NotFound (404)              an unknown document, job or route
├── Conflict (409)              an upload whose name another document holds
├── PayloadTooLarge (413)       a body or upload over the limit
├── RateLimited (429)           too many questions from one client
└── Unavailable (503)           the index is missing or Chroma cannot be reached; says how to fix it
"""

from __future__ import annotations

from typing import Any


class KazdeError(Exception):
    """An error with a stable code and a message for people."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.extra = extra

    def to_json(self) -> dict[str, Any]:
        """The error body: {"error": code, "message": text, ...}."""
        return {"error": self.code, "message": self.message, **self.extra}


class BadRequest(KazdeError):
    """400: the request cannot be answered as sent."""

    status = 400
    code = "bad_request"


class Unauthorized(KazdeError):
    """401: a write endpoint called without the admin token."""

    status = 401
    code = "unauthorized"


class Forbidden(KazdeError):
    """403: a wrong admin token, or writes disabled because none is configured."""

    status = 403
    code = "forbidden"


class NotFound(KazdeError):
    """404: no such document, job or route."""

    status = 404
    code = "not_found"


class Conflict(KazdeError):
    """409: the request would overwrite something it must not (an upload's name taken by another document)."""

    status = 409
    code = "conflict"


class PayloadTooLarge(KazdeError):
    """413: the request body is over the limit."""

    status = 413
    code = "payload_too_large"


class RateLimited(KazdeError):
    """429: too many requests from one client."""

    status = 429
    code = "rate_limited"


class Unavailable(KazdeError):
    """503: the index cannot be queried now; the message says what fixes it."""

    status = 503
    code = "index_unavailable"
