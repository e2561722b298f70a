"""The metrics behind `kazde eval` and docs/benchmarks.md, on hand-made cases whose right values are known."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from service.qa.answering.base import Answer, Citation
from service.qa.asking import AskResult
from service.qa.evaluation import (
    QuestionFileError,
    evaluate,
    gold_filter,
    load_questions,
    report_lines,
    score_one,
    shown,
    summarise,
    wilson,
)


def result(docs: list[str], text: str = "", cited: list[str] = (), abstained: bool = False) -> AskResult:
    """An AskResult whose passages come from `docs` in that order and whose answer cites `cited`."""
    passages = [SimpleNamespace(doc_id=d) for d in docs]
    citations = [Citation(n + 1, d, d, None, "", "", 0) for n, d in enumerate(cited)]
    answer = Answer(text=text, abstained=abstained, citations=citations)
    return AskResult(question="q", query="q", language="en", answer=answer, passages=passages)  # type: ignore[arg-type]


def question(gold: list[str], answers: list[str] = (), qid: str = "q") -> dict:
    return {"id": qid, "question": "?", "gold_docs": list(gold), "answers": list(answers)}


def test_score_one_finds_the_rank_of_the_first_gold_passage_and_the_answer_text() -> None:
    q = question(["g.txt", "h.txt"], ["7. September  1994"])
    row = score_one(q, result(["a", "b", "h.txt", "g.txt"], "Opened on 7. september 1994 [1].", ["h.txt", "a"]), 0.25)
    assert row["answerable"] is True and row["gold_filtered"] is False
    assert row["hit@1"] is False and row["hit@5"] is True
    assert row["rr@10"] == pytest.approx(1 / 3)
    assert (row["citations"], row["gold_citations"]) == (2, 1)
    assert row["contains"] is True  # case and whitespace do not matter
    assert row["ms"] == pytest.approx(250.0)


def test_score_one_gives_no_credit_past_rank_ten_or_for_an_abstained_answer() -> None:
    q = question(["g.txt"], ["1994"])
    row = score_one(q, result([f"d{i}" for i in range(10)] + ["g.txt"], "1994", abstained=True), 0.0)
    assert (row["hit@1"], row["hit@5"], row["rr@10"]) == (False, False, 0.0)
    assert row["contains"] is False  # an abstention that happens to quote the year is not an answer
    assert row["abstained"] is True


def test_summarise_computes_every_rate_with_its_count() -> None:
    rows = [
        score_one(question(["g"], ["x"]), result(["g"], "x [1]", ["g"]), 0.1),  # right, cited right
        score_one(question(["g"], ["x"]), result(["a", "g"], "y [1][2]", ["a", "g"]), 0.2),  # rank 2, half cited
        score_one(question(["g"], ["x"]), result(["a", "b"], "", abstained=True), 0.3),  # missed, abstained
        score_one(question(["g"], ["x"]), result(["a", "b", "c", "d", "e", "g"], "x [1]", ["a"]), 0.4),
        score_one(question([]), result(["a"], "", abstained=True), 0.5),  # unanswerable, abstained
        score_one(question([]), result(["a"], "z [1]", ["a"]), 0.6),  # unanswerable, answered anyway
    ]
    m = summarise(rows)
    assert (m["n"], m["answerable"]) == (6, 4)
    assert m["recall@1"] == 0.25 and m["counts"]["recall@1"] == [1, 4]
    assert m["recall@5"] == 0.5 and m["counts"]["recall@5"] == [2, 4]
    assert m["mrr@10"] == round((1 + 0.5 + 0 + 1 / 6) / 4, 4)
    # Over answerable questions only: 2 gold citations of 4 (the unanswerable one's citation is not counted).
    assert m["citation_precision"] == 0.5 and m["counts"]["citation_precision"] == [2, 4]
    assert m["answer_containment"] == 0.5 and m["counts"]["answer_containment"] == [2, 4]
    assert m["false_abstention"] == 0.25 and m["counts"]["false_abstention"] == [1, 4]
    assert m["abstention_recall"] == 0.5 and m["counts"]["abstention_recall"] == [1, 2]
    assert m["gold_filtered_abstention"] is None and "gold_filtered_abstention" not in m["counts"]
    assert m["latency_p50_ms"] == pytest.approx(350.0)
    assert m["latency_p95_ms"] == pytest.approx(575.0)  # numpy's linear percentile of 100..600 ms
    for name, (k, n) in m["counts"].items():
        lo, hi = m["intervals"][name]
        assert lo <= k / n <= hi, name


def test_summarise_counts_gold_filtered_rows_only_in_their_own_rate() -> None:
    plain = [score_one(question(["g"], ["x"]), result(["g"], "x [1]", ["g"]), 0.1)]
    filtered = [
        score_one(question([]), result(["a"], "", abstained=True), 9.0) | {"gold_filtered": True},
        score_one(question([]), result(["a"], "w [1]", ["a"]), 9.0) | {"gold_filtered": True},
        score_one(question([]), result(["a"], "", abstained=True), 9.0) | {"gold_filtered": True},
    ]
    m = summarise(plain + filtered)
    assert (m["n"], m["answerable"]) == (1, 1)
    assert m["gold_filtered_abstention"] == round(2 / 3, 4) and m["counts"]["gold_filtered_abstention"] == [2, 3]
    assert m["abstention_recall"] is None  # the file has no unanswerable question
    assert m["citation_precision"] == 1.0 and m["false_abstention"] == 0.0
    assert m["latency_p95_ms"] == pytest.approx(100.0)  # the second pass is not part of the latency


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [
        # Computed apart from the closed form: the p where |k/n - p| = 1.96 * sqrt(p (1 - p) / n), by bisection.
        (8, 12, 0.3906, 0.8619),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (91, 91, 0.9595, 1.0),
        (45, 91, 0.3941, 0.5954),
    ],
)
def test_wilson_interval_matches_known_values(k: int, n: int, lo: float, hi: float) -> None:
    got = wilson(k, n)
    assert got == pytest.approx((lo, hi), abs=1e-4)


def test_wilson_refuses_no_trials() -> None:
    with pytest.raises(ValueError):
        wilson(0, 0)


def test_a_rate_is_shown_with_its_count_and_interval() -> None:
    m = summarise([score_one(question(["g"], ["x"]), result(["g"] if i < 8 else ["a"], "x"), 0.1) for i in range(12)])
    assert shown(m, "recall@1") == "0.667 (8/12, 0.39–0.86)"
    assert shown(m, "abstention_recall") == "–"
    lines = report_lines(m)
    assert any(line.startswith("recall@1") and line.endswith("(8/12, 0.39–0.86)") for line in lines)
    assert not any(line.startswith(("counts", "intervals")) for line in lines)


def test_gold_filter_keeps_every_other_document_and_none_when_nothing_is_left() -> None:
    q = question(["b", "a"])
    assert gold_filter(q, ["c", "a", "b", "d"]) == {"doc_id": ["c", "d"]}
    assert gold_filter(q, ["a", "b"]) is None
    assert gold_filter(question([]), ["a", "b"]) is None


def test_evaluate_asks_each_answerable_question_again_without_its_gold_documents() -> None:
    asked = []

    def ask(text: str, k: int, filters: dict | None) -> AskResult:
        asked.append((text, k, filters))
        allowed = set(filters["doc_id"]) if filters else {"g", "o"}
        if "g" in allowed:
            return result(["g"], "x [1]", ["g"])
        return result(sorted(allowed), "", abstained=True)

    questions = [question(["g"], ["x"], "q1") | {"question": "one"}, question([], qid="q2") | {"question": "two"}]
    metrics, rows = evaluate(ask, questions, k=5, doc_ids=["g", "o"])
    assert asked == [("one", 10, None), ("two", 10, None), ("one", 10, {"doc_id": ["o"]})]
    assert [r["gold_filtered"] for r in rows] == [False, False, True]
    assert metrics["gold_filtered_abstention"] == 1.0 and metrics["counts"]["gold_filtered_abstention"] == [1, 1]
    assert metrics["abstention_recall"] == 0.0  # the plain unanswerable question was answered
    assert metrics["n"] == 2


def test_load_questions_selects_a_fold(tmp_path) -> None:
    path = tmp_path / "q.jsonl"
    lines = [
        {"id": "a", "question": "A?", "gold_docs": ["x"], "fold": "calibration"},
        {"id": "b", "question": "B?", "gold_docs": [], "fold": "test"},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    assert [q["id"] for q in load_questions(path)] == ["a", "b"]
    assert [q["id"] for q in load_questions(path, "test")] == ["b"]
    with pytest.raises(QuestionFileError, match="no questions in fold"):
        load_questions(tmp_path / "q.jsonl", "nope")
