"""Generative answers with the local 1.5B model against the extractive default, on the question set.

The bundled corpus is indexed by the real pipeline; every question goes through the service's streaming path
(`Kazde.ask_stream`, what `/api/ask/stream` serves) with the model run in-process by llama-cpp-python
(`make local-llm`), timing the first token and the whole answer. The model's replies are kept, so the
citation checker's support threshold can be swept over them without generating again.

    python bench/generative.py [MODEL_PATH]    # writes the "generative" section of docs/benchmarks.md
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import ROOT, table, write_section  # noqa: E402

QUESTIONS = ROOT / "data" / "questions.jsonl"
SUPPORT_SWEEP = (0.82, 0.84, 0.86, 0.88, 0.90)
WINDOW_SWEEP = (0.0, 0.05, 0.10, 0.15, 0.20, 0.30, 10.0)
REPLAYED = ("citation_precision", "answer_containment", "abstention_recall", "false_abstention")
KEPT = ROOT / ".kazde" / "bench" / "generative-replies.pkl"  # what the last run's model wrote (not versioned)


def _run(kazde, questions: list[dict]) -> tuple[list[dict], list[tuple]]:
    from service.qa import AskResult, score_one

    rows, kept = [], []
    for q in questions:
        started = time.perf_counter()
        first = None
        result = None
        for event in kazde.ask_stream(q["question"], k=10):
            if isinstance(event, AskResult):
                result = event
            elif first is None and event:
                first = time.perf_counter() - started
        total = time.perf_counter() - started
        row = score_one(q, result, total) | {"ttft": first if first is not None else total}
        row["check"] = result.answer.check or {}
        rows.append(row)
        kept.append((q, result))
        print(q["id"], round(total, 1), result.answer.text[:100].replace("\n", " "), file=sys.stderr)
    return rows, kept


def _figures(rows: list[dict]) -> dict:
    import numpy as np

    from service.qa import summarise

    m = summarise(rows)
    checks = [r["check"] for r in rows if r["check"]]
    ttft = [r["ttft"] for r in rows if not r.get("fallback")]
    return {
        "answer_containment": m["answer_containment"],
        "citation_precision": m["citation_precision"],
        "abstention_recall": m["abstention_recall"],
        "false_abstention": m["false_abstention"],
        "sentences checked": sum(c.get("checked", 0) for c in checks),
        "kept": sum(c.get("kept", 0) for c in checks),
        "re-cited": sum(c.get("recited", 0) for c in checks),
        "dropped": sum(c.get("dropped", 0) for c in checks),
        "first token p50 s": round(float(np.percentile(ttft, 50)), 2) if ttft else "–",
        "first token p95 s": round(float(np.percentile(ttft, 95)), 2) if ttft else "–",
        "total p50 s": round(float(np.percentile([r["ms"] for r in rows], 50)) / 1000, 2),
        "total p95 s": round(float(np.percentile([r["ms"] for r in rows], 95)) / 1000, 2),
    }


def main() -> None:
    from ingest import run
    from service.qa import Kazde, open_index
    from service.settings import Settings
    from service.tools import MODELS, assemble, default_dir
    from vectorstore import DEFAULT_EMBEDDER

    model_path = sys.argv[1] if len(sys.argv) > 1 else str(assemble(MODELS["1.5b"], default_dir()))
    questions = [json.loads(x) for x in QUESTIONS.read_text("utf-8").splitlines() if x.strip()]
    with tempfile.TemporaryDirectory(prefix="kazde-bench-gen-") as tmp_name:
        settings = Settings(data_dir=Path(tmp_name) / "kazde")
        run(
            [ROOT / "data" / "corpus"],
            lambda r: open_index(settings, reset=r),
            settings.manifest_path,
            stamp=DEFAULT_EMBEDDER,
            second_stamp=settings.sentence_stamp,
        )
        extractive_rows, _ = _run(Kazde(settings), questions)
        generative = Kazde(settings.model_copy(update={"llm_model_path": model_path, "llm_timeout_s": 120}))
        generative.ask("warm up: Goethe-Institut Almaty")  # model load, not part of the figures
        generative_rows, replies = _run(generative, questions)
        _keep(replies)
        answerer = generative.answerer()
        base = generative.tuning
        support_sweep = [
            _replayed(
                f"{t:.2f}" + (" (default)" if abs(t - base.min_support) < 1e-9 else ""),
                answerer,
                replies,
                generative_rows,
                dataclasses.replace(base, min_support=t),
            )
            for t in SUPPORT_SWEEP
        ]
        window_sweep = [
            _replayed(
                ("all sentences" if w >= 1 else f"{w:.2f}") + (" (default)" if w == base.answer_within else ""),
                answerer,
                replies,
                generative_rows,
                dataclasses.replace(base, answer_within=w),
            )
            for w in WINDOW_SWEEP
        ]
    ext, gen = _figures(extractive_rows), _figures(generative_rows)
    body = "\n\n".join(
        [
            "## Generative answers",
            f"The question set ({len(questions)} questions) through the streaming path, k=10: the extractive default "
            f"and the local model `{Path(model_path).name}` run in-process by llama-cpp-python on 2 cores, its "
            "citations checked (`python bench/generative.py`). Times per question, at the caller.",
            table(["metric", "extractive (default)", "generative, checked"], [[k, ext[k], gen[k]] for k in gen]),
            "### Support threshold of the citation checker",
            "The same replies re-checked under other thresholds (no new generation):",
            table(["min support", *REPLAYED], support_sweep),
            "### What a sentence is checked against",
            "The same replies re-checked against the sentences of each passage that retrieval scored within this "
            'of the best sentence (`Tuning.answer_within`; "all sentences": any sentence of the passage):',
            table(["answer window", *REPLAYED], window_sweep),
        ]
    )
    print(body)
    write_section("generative", body)


def _keep(replies: list[tuple]) -> None:
    """The questions, retrieved passages and the model's replies, for re-checking without generating again."""
    import pickle

    KEPT.parent.mkdir(parents=True, exist_ok=True)
    KEPT.write_bytes(pickle.dumps(replies))


def _replayed(label: str, answerer, replies: list[tuple], rows: list[dict], tuning):
    """The kept replies checked again under another tuning (support threshold, answer window): one table row."""
    from service.qa import CitationChecker, GenerativeAnswerer, score_one, summarise

    checker = answerer.checker
    variant = GenerativeAnswerer(
        answerer.chat,
        CitationChecker(checker.support, relevance=checker.relevance, tuning=tuning),
        answerer.quote_scores,
        describe=answerer.describe,
        timeout_s=answerer.timeout_s,
        tuning=tuning,
    )
    out = []
    for (q, result), row in zip(replies, rows, strict=True):
        reply = result.answer.raw
        if reply is None:  # no generation (retrieval abstained, or the model failed)
            out.append(row)
            continue
        draft = variant.draft(result.query, result.passages, result.language)
        answer = variant.checked(reply, draft, result.passages, result.language, result.query)
        out.append(score_one(q, dataclasses.replace(result, answer=answer), row["ms"] / 1000))
    m = summarise(out)
    return [label, *(m[k] for k in REPLAYED)]


if __name__ == "__main__":
    main()
