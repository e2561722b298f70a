"""The metrics behind `kazde eval`, over a question file (CONTRACT: JSON Lines, gold_docs, answers)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from service.asking import AskResult

RANK_DEPTH = 10  # mrr@10 needs the first ten passages
_SPACE = re.compile(r"\s+")


class QuestionFileError(ValueError):
    """A question file that cannot be read; the message names the line."""


def load_questions(path: Path) -> list[dict[str, Any]]:
    """Read and check a question file."""
    questions = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                q = json.loads(line)
            except json.JSONDecodeError as exc:
                raise QuestionFileError(f"{path}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(q, dict) or not isinstance(q.get("question"), str) or not q["question"].strip():
                raise QuestionFileError(f"{path}:{number}: needs a non-empty 'question'")
            q.setdefault("id", f"line{number}")
            q["gold_docs"] = list(q.get("gold_docs") or [])
            q["answers"] = list(q.get("answers") or [])
            questions.append(q)
    if not questions:
        raise QuestionFileError(f"{path}: no questions")
    return questions


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def score_one(q: dict[str, Any], result: AskResult, seconds: float) -> dict[str, Any]:
    """The per-question facts the metrics are made of."""
    gold = set(q["gold_docs"])
    docs = [p.doc_id for p in result.passages]
    first = next((i for i, d in enumerate(docs[:RANK_DEPTH]) if d in gold), None)
    answer = _norm(result.answer.text)
    return {
        "id": q["id"],
        "answerable": bool(gold),
        "abstained": result.answer.abstained,
        "hit@1": bool(docs[:1]) and docs[0] in gold,
        "hit@5": any(d in gold for d in docs[:5]),
        "rr@10": 0.0 if first is None else 1.0 / (first + 1),
        "citations": len(result.answer.citations),
        "gold_citations": sum(c.doc_id in gold for c in result.answer.citations),
        "contains": (not result.answer.abstained) and any(_norm(a) in answer for a in q["answers"] if a.strip()),
        "ms": seconds * 1000,
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The CONTRACT's metrics over per-question rows."""
    ans = [r for r in rows if r["answerable"]]
    unans = [r for r in rows if not r["answerable"]]
    cites = sum(r["citations"] for r in ans)
    ms = [r["ms"] for r in rows]

    def mean(values: Iterable[float]) -> float | None:
        values = list(values)
        return round(float(np.mean(values)), 4) if values else None

    return {
        "n": len(rows),
        "answerable": len(ans),
        "recall@1": mean(r["hit@1"] for r in ans),
        "recall@5": mean(r["hit@5"] for r in ans),
        "mrr@10": mean(r["rr@10"] for r in ans),
        "citation_precision": round(sum(r["gold_citations"] for r in ans) / cites, 4) if cites else None,
        "answer_containment": mean(r["contains"] for r in ans),
        "abstention_recall": mean(r["abstained"] for r in unans),
        "false_abstention": mean(r["abstained"] for r in ans),
        "latency_p50_ms": round(float(np.percentile(ms, 50)), 1),
        "latency_p95_ms": round(float(np.percentile(ms, 95)), 1),
    }


def evaluate(
    ask: Callable[[str, int], AskResult], questions: list[dict[str, Any]], *, k: int = 5
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Ask every question (timing each) and score the answers."""
    rows = []
    for q in questions:
        started = time.perf_counter()
        result = ask(q["question"], max(k, RANK_DEPTH))
        rows.append(score_one(q, result, time.perf_counter() - started))
    return summarise(rows), rows
