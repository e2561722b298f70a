"""Prometheus counters of the service (served at `GET /metrics` by service/http/observe.py).

Under gunicorn every worker is its own process: with PROMETHEUS_MULTIPROC_DIR set (`make serve-prod` sets it)
each writes its samples there and /metrics adds them up, whichever worker answers. Without it (one process,
`kazde serve`) the default registry is used.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

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


def record_ask(timings_ms: dict[str, float], abstained: bool, passages: int, citations: int) -> dict[str, Any]:
    """Count one answered question; its figures, for the request's log line."""
    RETRIEVAL_SECONDS.observe(timings_ms.get("retrieval", 0.0) / 1000)
    ANSWER_SECONDS.observe(timings_ms.get("answer", 0.0) / 1000)
    ANSWERS.labels("abstained" if abstained else "answered").inc()
    return {
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


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format (every worker's, when PROMETHEUS_MULTIPROC_DIR is set) and its type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared)
        return generate_latest(shared), CONTENT_TYPE_LATEST.split(";")[0]
    return generate_latest(), CONTENT_TYPE_LATEST.split(";")[0]
