"""Production concerns over real HTTP: the rate limit shared by workers, /metrics, one JSON log line a request."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import post_json, serve_app


def test_the_rate_limit_is_shared_by_workers_and_answers_429_with_retry_after(tmp_path: Path) -> None:
    from service.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", rate_limit=3)  # no index: each question is a 503 until the limit
    with serve_app(settings) as one, serve_app(settings) as two:  # two processes' worth of apps on one data dir
        statuses = [post_json(f"{base}/api/ask", {"question": "Wann?"})[0] for base in (one, two, one)]
        assert statuses == [503, 503, 503]
        req = urllib.request.Request(
            f"{two}/api/ask", data=b'{"question": "Wann?"}', headers={"Content-Type": "application/json"}
        )
        try:
            urllib.request.urlopen(req, timeout=30)
            raise AssertionError("the fourth question was not limited")
        except urllib.error.HTTPError as err:
            body = json.load(err)
            assert err.code == 429 and body["error"] == "rate_limited", body
            assert 1 <= int(err.headers["Retry-After"]) <= 61
        assert post_json(f"{one}/api/feedback", {"rating": "up", "question": "q"})[0] == 429
    # Off unless set: the same data directory without a limit answers again.
    with serve_app(Settings(data_dir=tmp_path / "data")) as base:
        assert post_json(f"{base}/api/ask", {"question": "Wann?"})[0] == 503


def test_metrics_count_answers_and_time_requests_by_route(indexed_corpus: Path, answered) -> None:
    from service.settings import Settings

    question, _ = answered
    with serve_app(Settings(data_dir=indexed_corpus, admin_token="metrics-token")) as base:
        assert post_json(f"{base}/api/ask", {"question": question})[0] == 200
        for headers, status in (({}, 401), ({"Authorization": "Bearer wrong"}, 403)):
            try:
                urllib.request.urlopen(urllib.request.Request(f"{base}/metrics", headers=headers), timeout=30)
                raise AssertionError(f"/metrics answered {headers} without the admin token")
            except urllib.error.HTTPError as err:
                assert err.code == status
        request = urllib.request.Request(f"{base}/metrics", headers={"Authorization": "bearer metrics-token"})
        with urllib.request.urlopen(request, timeout=30) as res:
            assert res.headers["Content-Type"].startswith("text/plain")
            text = res.read().decode()
    answered_count = next(
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith('kazde_answers_total{outcome="answered"}')
    )
    assert answered_count >= 1
    assert 'kazde_http_request_duration_seconds_count{method="POST",route="/api/ask",status="200"}' in text
    assert "kazde_retrieval_seconds_bucket" in text and "kazde_ingest_jobs_total" in text


def test_every_request_is_one_json_log_line_with_its_timings(live_server: str, answered) -> None:
    question, _ = answered
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Keep()
    logging.getLogger("kazde.access").addHandler(handler)
    try:
        post_json(f"{live_server}/api/ask", {"question": question})
        post_json(f"{live_server}/api/ask", {"question": ""})
    finally:
        logging.getLogger("kazde.access").removeHandler(handler)
    ok, bad = (json.loads(line) for line in lines[-2:])
    assert (ok["route"], ok["status"], ok["abstained"]) == ("/api/ask", 200, False)
    assert ok["citations"] >= 1 and ok["passages"] >= 1 and ok["retrieval_ms"] > 0 and ok["ms"] >= ok["retrieval_ms"]
    assert (bad["route"], bad["status"]) == ("/api/ask", 400) and "retrieval_ms" not in bad


def test_a_request_body_over_the_limit_is_a_413_and_the_service_stays_up(live_server: str, answered) -> None:
    from service.app import MAX_REQUEST_BYTES

    huge = json.dumps({"question": "x" * (MAX_REQUEST_BYTES + 10)}).encode()
    req = urllib.request.Request(f"{live_server}/api/ask", data=huge, headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req, timeout=30)
        raise AssertionError("an over-long body was accepted")
    except urllib.error.HTTPError as err:
        assert err.code == 413 and json.load(err)["error"] == "request_entity_too_large"
    assert post_json(f"{live_server}/api/ask", {"question": answered[0]})[0] == 200
