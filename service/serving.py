"""`kazde serve`'s WSGI server: waitress, with limits that one client cannot exhaust.

waitress buffers a request body whole before the app sees it (up to 1 GiB by default), serves 100
connections, and closes an idle one after 120 s. Here a body over the largest allowed upload is refused
from its Content-Length, before it is read; a connection that sends nothing for CHANNEL_TIMEOUT_S is
closed; and CONNECTION_LIMIT connections fit (poll(), not select(), so past 1,024 descriptors). waitress
has no header timeout: a client that trickles a byte at a time keeps its connection, so a public deployment
goes behind a reverse proxy with header and body timeouts (README, "Deployment"). waitress's own error
pages (400, 413, 431) carry the app's security headers.
"""

from __future__ import annotations

from typing import Any

from service.app import SECURITY_HEADERS
from service.settings import Settings

CONNECTION_LIMIT = 1000
CHANNEL_TIMEOUT_S = 20
CLEANUP_INTERVAL_S = 5  # how often idle connections are looked for
MAX_HEADER_BYTES = 64 * 1024
MULTIPART_ALLOWANCE_BYTES = 1024 * 1024  # an upload's form fields and part headers beside its files


def waitress_options(settings: Settings, threads: int) -> dict[str, Any]:
    """The waitress adjustments for `settings`."""
    return {
        "threads": threads,
        "ident": "kazde",
        "connection_limit": CONNECTION_LIMIT,
        "asyncore_use_poll": True,
        "channel_timeout": CHANNEL_TIMEOUT_S,
        "cleanup_interval": CLEANUP_INTERVAL_S,
        "max_request_header_size": MAX_HEADER_BYTES,
        "max_request_body_size": settings.upload_max_mb * 1024 * 1024 + MULTIPART_ALLOWANCE_BYTES,
    }


def _secure_error_pages() -> None:
    from waitress.channel import HTTPChannel
    from waitress.task import ErrorTask

    class SecureErrorTask(ErrorTask):
        def execute(self) -> None:
            self.response_headers.extend(SECURITY_HEADERS.items())
            super().execute()

    HTTPChannel.error_task_class = SecureErrorTask


def serve(app: Any, settings: Settings, host: str, port: int, threads: int) -> None:
    """Serve `app` until interrupted."""
    from waitress import serve as waitress_serve

    _secure_error_pages()
    waitress_serve(app, host=host, port=port, **waitress_options(settings, threads))
