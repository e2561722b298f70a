"""Every request timed and logged as one JSON line, and /metrics served (the counters: service/ops/metrics.py)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from flask import Flask, Response, g, request

from service.ops import metrics

access_log = logging.getLogger("kazde.access")


def log_request(route: str, status: int, seconds: float, extra: dict[str, Any] | None = None) -> None:
    """Time a request and write its one JSON log line."""
    method = request.method if request.method in metrics.METHODS else "other"
    metrics.REQUEST_SECONDS.labels(route, method, str(status)).observe(seconds)
    line: dict[str, Any] = {
        "route": route,
        "method": method,
        "status": status,
        "ms": round(seconds * 1000, 1),
        "client": request.remote_addr,
    }
    access_log.info(json.dumps(line | (extra or {}), ensure_ascii=False))


def started_at() -> float:
    """When this request began (now, outside one)."""
    return g.get("kazde_started", time.perf_counter())


def install(app: Flask) -> None:
    """Time every request, log it as one JSON line (to stderr unless logging says otherwise), serve /metrics."""
    if not access_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
        access_log.propagate = False

    @app.before_request
    def _start() -> None:
        g.kazde_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        started = g.pop("kazde_started", None)
        if started is None or (response.is_streamed and response.status_code == 200):
            return response  # a stream logs itself when it ends (service/http/api.py)
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        log_request(route, response.status_code, time.perf_counter() - started, g.pop("kazde_ask", {}))
        return response

    @app.get("/metrics", endpoint="metrics")
    def _metrics() -> Response:
        # The process's memory, open files and Python version are for the operator: behind the admin token
        # unless KAZDE_METRICS_PUBLIC=1 (a scraper on a private network).
        if not app.extensions["kazde"].settings.metrics_public:
            from service.http.admin import require_admin

            require_admin("/metrics is private and")
        data, mimetype = metrics.exposition()
        return Response(data, mimetype=mimetype)
