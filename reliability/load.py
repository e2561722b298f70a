"""Concurrent clients asking questions for a while: errors, empty answers, latency percentiles."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from reliability.topology import http


@dataclass
class LoadReport:
    """What the clients saw."""

    requests: int = 0
    errors: int = 0  # no reply, or a status other than 200
    empty: int = 0  # a 200 without a single passage
    statuses: Counter[int] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    first_errors: list[str] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "empty": self.empty,
            "statuses": dict(self.statuses),
            "p50_ms": round(self.percentile(0.50), 1),
            "p95_ms": round(self.percentile(0.95), 1),
            "p99_ms": round(self.percentile(0.99), 1),
        }


def run_load(
    base: str, questions: list[str], *, clients: int, seconds: float, stop: threading.Event | None = None
) -> LoadReport:
    """`clients` threads, each POSTing /api/ask in a loop for `seconds` (or until `stop` is set)."""
    report = LoadReport()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    stop = stop or threading.Event()

    def client(offset: int) -> None:
        i = offset
        while time.monotonic() < deadline and not stop.is_set():
            question = questions[i % len(questions)]
            i += 1
            started = time.perf_counter()
            status, body = http("POST", base + "/api/ask", {"question": question}, timeout=120)
            ms = (time.perf_counter() - started) * 1000
            with lock:
                report.requests += 1
                report.statuses[status] += 1
                if status != 200:
                    report.errors += 1
                    if len(report.first_errors) < 5:
                        report.first_errors.append(f"{status}: {body.get('error')}: {body.get('message')}")
                else:
                    report.latencies_ms.append(ms)
                    if not body.get("passages"):
                        report.empty += 1

    threads = [threading.Thread(target=client, args=(n * 7,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return report
