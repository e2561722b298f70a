"""The metrics behind `kazde eval`, over a question file (CONTRACT: JSON Lines, gold_docs, answers)."""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from service.qa.asking import AskResult

RANK_DEPTH = 10  # mrr@10 needs the first ten passages
Z95 = 1.959964  # the normal quantile of a two-sided 95% interval
# Each rate: the row field it is a share of, and which rows it is over.
RATES = {
    "recall@1": ("hit@1", "answerable"),
    "recall@5": ("hit@5", "answerable"),
    "answer_containment": ("contains", "answerable"),
    "abstention_recall": ("abstained", "unanswerable"),
    "false_abstention": ("abstained", "answerable"),
    "gold_filtered_abstention": ("abstained", "gold_filtered"),
}
_SPACE = re.compile(r"\s+")


class QuestionFileError(ValueError):
    """A question file that cannot be read; the message names the line."""


def load_questions(path: Path, fold: str | None = None) -> list[dict[str, Any]]:
    """Read and check a question file; with `fold`, only the questions of that fold."""
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
    if fold is not None:
        questions = [q for q in questions if q.get("fold") == fold]
        if not questions:
            raise QuestionFileError(f"{path}: no questions in fold {fold!r}")
    return questions


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of k successes in n trials (95% by default)."""
    if n <= 0:
        raise ValueError("no trials")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def normalise_answer(text: str) -> str:
    """An answer or gold text as containment compares them: spaces collapsed, lowercased."""
    return _SPACE.sub(" ", text).strip().lower()


def score_one(q: dict[str, Any], result: AskResult, seconds: float) -> dict[str, Any]:
    """The per-question facts the metrics are made of."""
    gold = set(q["gold_docs"])
    docs = [p.doc_id for p in result.passages]
    first = next((i for i, d in enumerate(docs[:RANK_DEPTH]) if d in gold), None)
    answer = normalise_answer(result.answer.text)
    return {
        "id": q["id"],
        "answerable": bool(gold),
        "gold_filtered": False,
        "abstained": result.answer.abstained,
        "hit@1": bool(docs[:1]) and docs[0] in gold,
        "hit@5": any(d in gold for d in docs[:5]),
        "rr@10": 0.0 if first is None else 1.0 / (first + 1),
        "citations": len(result.answer.citations),
        "gold_citations": sum(c.doc_id in gold for c in result.answer.citations),
        "contains": (not result.answer.abstained)
        and any(normalise_answer(a) in answer for a in q["answers"] if a.strip()),
        "ms": seconds * 1000,
    }


def _group(rows: list[dict[str, Any]], which: str) -> list[dict[str, Any]]:
    if which == "gold_filtered":
        return [r for r in rows if r.get("gold_filtered")]
    plain = [r for r in rows if not r.get("gold_filtered")]
    return [r for r in plain if r["answerable"] == (which == "answerable")]


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The CONTRACT's metrics over per-question rows, each rate with its count [k, n] and 95% Wilson interval.

    Gold-filtered rows (an answerable question asked with its gold documents filtered out) count only in
    `gold_filtered_abstention`; every other figure is over the questions as the file asks them.
    """
    plain = [r for r in rows if not r.get("gold_filtered")]
    ans = _group(rows, "answerable")
    cites = sum(r["citations"] for r in ans)
    gold_cites = sum(r["gold_citations"] for r in ans)
    ms = [r["ms"] for r in plain]
    counts: dict[str, list[int]] = {}
    for name, (field_name, which) in RATES.items():
        group = _group(rows, which)
        if group:
            counts[name] = [sum(bool(r[field_name]) for r in group), len(group)]
    if cites:
        counts["citation_precision"] = [gold_cites, cites]

    def rate(name: str) -> float | None:
        return round(counts[name][0] / counts[name][1], 4) if name in counts else None

    metrics: dict[str, Any] = {
        "n": len(plain),
        "answerable": len(ans),
        "recall@1": rate("recall@1"),
        "recall@5": rate("recall@5"),
        "mrr@10": round(float(np.mean([r["rr@10"] for r in ans])), 4) if ans else None,
        "citation_precision": rate("citation_precision"),
        "answer_containment": rate("answer_containment"),
        "abstention_recall": rate("abstention_recall"),
        "false_abstention": rate("false_abstention"),
        "gold_filtered_abstention": rate("gold_filtered_abstention"),
        "latency_p50_ms": round(float(np.percentile(ms, 50)), 1) if ms else None,
        "latency_p95_ms": round(float(np.percentile(ms, 95)), 1) if ms else None,
    }
    metrics["counts"] = counts
    metrics["intervals"] = {name: [round(v, 4) for v in wilson(k, n)] for name, (k, n) in counts.items()}
    return metrics


def shown(metrics: dict[str, Any], name: str) -> str:
    """A figure as people read it: the rate with its count and 95% interval ("0.8 (8/10, 0.49-0.94)")."""
    value = metrics.get(name)
    if value is None:
        return "–"
    if name not in metrics.get("counts", {}):
        return str(value)
    (k, n), (lo, hi) = metrics["counts"][name], metrics["intervals"][name]
    return f"{value:.3f} ({k}/{n}, {lo:.2f}–{hi:.2f})"


def report_lines(metrics: dict[str, Any]) -> list[str]:
    """`kazde eval`'s table for people: one figure per line, rates with counts and intervals."""
    names = [name for name in metrics if name not in ("counts", "intervals")]
    width = max(map(len, names))
    return [f"{name:<{width}}  {shown(metrics, name)}" for name in names]


def gold_filter(q: dict[str, Any], doc_ids: Iterable[str]) -> dict[str, Any] | None:
    """The search filter that leaves out an answerable question's gold documents (None: nothing would be left)."""
    gold = set(q["gold_docs"])
    if not gold:
        return None
    others = sorted(set(doc_ids) - gold)
    return {"doc_id": others} if others else None


def evaluate(
    ask: Callable[[str, int, dict[str, Any] | None], AskResult],
    questions: list[dict[str, Any]],
    *,
    k: int = 5,
    doc_ids: Iterable[str] = (),
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Ask every question (timing each) and score the answers.

    With `doc_ids` (every document of the index), each answerable question is asked once more with its gold
    documents filtered out of the search: what is left cannot answer it, so the right response is to abstain.
    """
    doc_ids = list(doc_ids)
    rows = []
    for q in questions:
        started = time.perf_counter()
        result = ask(q["question"], max(k, RANK_DEPTH), None)
        rows.append(score_one(q, result, time.perf_counter() - started))
    for q in questions:
        filters = gold_filter(q, doc_ids) if doc_ids else None
        if filters is None:
            continue
        started = time.perf_counter()
        result = ask(q["question"], max(k, RANK_DEPTH), filters)
        row = score_one(q | {"gold_docs": []}, result, time.perf_counter() - started)
        rows.append(row | {"answerable": False, "gold_filtered": True})
    return summarise(rows), rows
