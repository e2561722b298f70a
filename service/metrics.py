"""Prometheus metrics (`GET /metrics`) and the one structured log line per request.

Under gunicorn every worker is its own process: with PROMETHEUS_MULTIPROC_DIR set (`make serve-prod` sets it)
each writes its samples there and /metrics adds them up, whichever worker answers. Without it (one process,
`kazde serve`) the default registry is used.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

access_log = logging.getLogger("kazde.access")
# Label values come from a fixed set: a label taken from the request (a made-up method) would grow /metrics
# with every new value (5,000 invented methods made it 12.8 MB). Routes are the app's rule templates.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
REQUEST_SECONDS = Histogram(
    "kazde_http_request_duration_seconds", "Time to answer an HTTP request", ["route", "method", "status"],
    buckets=_SECONDS,
)  # fmt: skip
RETRIEVAL_SECONDS = Histogram("kazde_retrieval_seconds", "Time to retrieve passages for a question", buckets=_SECONDS)
ANSWER_SECONDS = Histogram("kazde_answer_seconds", "Time to compose an answer from passages", buckets=_SECONDS)
ANSWERS = Counter("kazde_answers_total", "Questions answered, by outcome", ["outcome"])
RATE_LIMITED = Counter("kazde_rate_limited_total", "Questions refused by the rate limit")
INGEST_DOCUMENTS = Counter("kazde_ingest_documents_total", "Documents handled by reindex jobs, by result", ["result"])
INGEST_JOBS = Counter("kazde_ingest_jobs_total", "Reindex jobs, by final state", ["state"])


def record_ask(timings_ms: dict[str, float], abstained: bool, passages: int, citations: int) -> None:
    """Count one answered question and keep its figures for the request's log line."""
    RETRIEVAL_SECONDS.observe(timings_ms.get("retrieval", 0.0) / 1000)
    ANSWER_SECONDS.observe(timings_ms.get("answer", 0.0) / 1000)
    ANSWERS.labels("abstained" if abstained else "answered").inc()
    g.kazde_ask = {
        "retrieval_ms": round(timings_ms.get("retrieval", 0.0), 1),
        "answer_ms": round(timings_ms.get("answer", 0.0), 1),
        "passages": passages,
        "citations": citations,
        "abstained": abstained,
    }


def record_ingest(summary: dict[str, Any], state: str) -> None:
    """Count a finished reindex job and the documents it handled."""
    INGEST_JOBS.labels(state).inc()
    for result in ("added", "updated", "removed", "failed"):
        count = summary.get(result, 0)
        if isinstance(count, int) and count:
            INGEST_DOCUMENTS.labels(result).inc(count)


def log_request(route: str, status: int, seconds: float, extra: dict[str, Any] | None = None) -> None:
    """Time a request and write its one JSON log line."""
    method = request.method if request.method in METHODS else "other"
    REQUEST_SECONDS.labels(route, method, str(status)).observe(seconds)
    line: dict[str, Any] = {
        "route": route,
        "method": method,
        "status": status,
        "ms": round(seconds * 1000, 1),
        "client": request.remote_addr,
    }
    access_log.info(json.dumps(line | (extra or {}), ensure_ascii=False))


def _registry() -> CollectorRegistry | None:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


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
            return response  # a stream logs itself when it ends (service/api.py)
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        log_request(route, response.status_code, time.perf_counter() - started, g.pop("kazde_ask", {}))
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        # The process's memory, open files and Python version are for the operator: behind the admin token
        # unless KAZDE_METRICS_PUBLIC=1 (a scraper on a private network).
        if not app.extensions["kazde"].settings.metrics_public:
            from service.admin import require_admin

            require_admin("/metrics is private and")
        registry = _registry()
        data = generate_latest(registry) if registry is not None else generate_latest()
        return Response(data, mimetype=CONTENT_TYPE_LATEST.split(";")[0])
