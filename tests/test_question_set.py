"""Checks the evaluation question set data/questions.jsonl against the corpus in data/corpus."""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
QUESTIONS = ROOT / "data" / "questions.jsonl"
CORPUS = ROOT / "data" / "corpus"

LANGS = {"en", "de", "ru", "kk"}
KINDS = {"same-language", "cross-lingual", "unanswerable"}
FIELDS: dict[str, type] = {
    "id": str,
    "question": str,
    "gold_docs": list,
    "answers": list,
    "lang": str,
    "kind": str,
}
# Documents without a `SOURCE: ... | LANG: xx | ...` header line, and their language.
HEADERLESS_LANG = {"seed_article.txt": "en"}
LANG_RE = re.compile(r"\|\s*LANG:\s*([a-z]{2})\s*\|")


def normalise(text: str) -> str:
    """Casefold and collapse runs of whitespace, as answer_containment does."""
    return re.sub(r"\s+", " ", text).strip().casefold()


@cache
def corpus_doc(doc_id: str) -> tuple[str, str]:
    """The (language, normalised body) of a corpus document; the body excludes the header line."""
    text = (CORPUS / doc_id).read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    if first.startswith("SOURCE:"):
        match = LANG_RE.search(first)
        assert match, f"{doc_id}: header has no LANG field"
        return match.group(1), normalise(rest)
    assert doc_id in HEADERLESS_LANG, f"{doc_id}: no header line"
    return HEADERLESS_LANG[doc_id], normalise(text)


def computed_kind(question: dict) -> str:
    """The kind implied by the gold docs: unanswerable, cross-lingual or same-language."""
    gold = question["gold_docs"]
    if not gold:
        return "unanswerable"
    if all(corpus_doc(doc)[0] != question["lang"] for doc in gold):
        return "cross-lingual"
    return "same-language"


@cache
def load_questions() -> list[dict]:
    """Every line of questions.jsonl, parsed."""
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def question_ids() -> list[str]:
    """The ids, for parametrising per-question tests."""
    return [q["id"] for q in load_questions()]


def by_id(qid: str) -> dict:
    """The question with this id."""
    return next(q for q in load_questions() if q["id"] == qid)


def test_lines_parse_with_required_fields() -> None:
    """Every line is a JSON object with the required keys of the right types and allowed values."""
    for q in load_questions():
        assert isinstance(q, dict)
        for key, typ in FIELDS.items():
            assert isinstance(q.get(key), typ), f"{q.get('id')}: {key} should be {typ.__name__}"
        assert q["question"].strip(), q["id"]
        assert all(isinstance(d, str) for d in q["gold_docs"]), q["id"]
        assert all(isinstance(a, str) and a.strip() for a in q["answers"]), q["id"]
        assert q["lang"] in LANGS, q["id"]
        assert q["kind"] in KINDS, q["id"]
        assert bool(q["gold_docs"]) == bool(q["answers"]), f"{q['id']}: gold_docs and answers disagree"


def test_ids_unique() -> None:
    """No two questions share an id."""
    ids = question_ids()
    assert len(ids) == len(set(ids))


def test_set_size_and_mix() -> None:
    """At least 60 questions, a third of them cross-lingual (computed) and at least 8 unanswerable."""
    questions = load_questions()
    kinds = [computed_kind(q) for q in questions]
    assert len(questions) >= 60
    assert 3 * kinds.count("cross-lingual") >= len(questions)
    assert kinds.count("unanswerable") >= 8


@pytest.mark.parametrize("qid", question_ids())
def test_gold_docs_exist(qid: str) -> None:
    """Every gold doc is a file in data/corpus, listed once."""
    gold = by_id(qid)["gold_docs"]
    assert len(gold) == len(set(gold))
    for doc in gold:
        assert (CORPUS / doc).is_file(), f"{qid}: no such corpus document {doc}"


@pytest.mark.parametrize("qid", question_ids())
def test_answers_occur_in_a_gold_doc(qid: str) -> None:
    """Every answer string occurs (case-insensitive, whitespace-normalised) in some gold doc's body."""
    q = by_id(qid)
    bodies = [corpus_doc(doc)[1] for doc in q["gold_docs"]]
    for answer in q["answers"]:
        assert any(normalise(answer) in body for body in bodies), f"{qid}: {answer!r} is in no gold doc"


@pytest.mark.parametrize("qid", question_ids())
def test_kind_matches_computed(qid: str) -> None:
    """The declared kind agrees with the kind computed from the gold docs' languages."""
    q = by_id(qid)
    assert q["kind"] == computed_kind(q)


FOLDS = ("calibration", "test")
NEW_UNANSWERABLE_FROM = 104  # questions q104 and later must name the terms that prove them unanswerable


@cache
def corpus_texts() -> dict[str, str]:
    """Every corpus document's whole text (header included), normalised, by file name."""
    return {path.name: normalise(path.read_text(encoding="utf-8")) for path in sorted(CORPUS.glob("*.txt"))}


def id_number(qid: str) -> int:
    """The number in an id such as q104."""
    match = re.fullmatch(r"q(\d+)", qid)
    assert match, f"unexpected id {qid!r}"
    return int(match.group(1))


def expected_folds(questions: list[dict]) -> dict[str, str]:
    """The fold rule: group by (lang, answerable), order each group by sha1(id), alternate calibration/test."""
    groups: dict[tuple[str, bool], list[str]] = {}
    for q in questions:
        groups.setdefault((q["lang"], bool(q["gold_docs"])), []).append(q["id"])
    folds = {}
    for ids in groups.values():
        for i, qid in enumerate(sorted(ids, key=lambda qid: hashlib.sha1(qid.encode()).hexdigest())):
            folds[qid] = FOLDS[i % 2]
    return folds


def test_absent_terms_occur_in_no_document() -> None:
    """Every "absent" term (the proof a question is unanswerable) occurs in no corpus document."""
    texts = corpus_texts()
    assert len(texts) >= 40
    checked = 0
    for q in load_questions():
        if "absent" not in q:
            continue
        terms = q["absent"]
        assert isinstance(terms, list) and 1 <= len(terms) <= 3, f"{q['id']}: absent should list 1-3 terms"
        assert not q["gold_docs"] and q["kind"] == "unanswerable", f"{q['id']}: absent terms on an answerable question"
        for term in terms:
            assert isinstance(term, str) and normalise(term), f"{q['id']}: empty absent term"
            hits = [doc for doc, text in texts.items() if normalise(term) in text]
            assert not hits, f"{q['id']}: absent term {term!r} occurs in {hits}"
            checked += 1
    assert checked >= 44


def test_new_unanswerable_questions_name_absent_terms() -> None:
    """Every unanswerable question from q104 on carries at least one absent term."""
    new = [q for q in load_questions() if q["kind"] == "unanswerable" and id_number(q["id"]) >= NEW_UNANSWERABLE_FROM]
    assert len(new) >= 44
    for q in new:
        assert q.get("absent"), f"{q['id']}: no absent terms"


def test_folds_follow_the_rule() -> None:
    """Every question has a fold, and the folds are exactly the deterministic sha1 rule (no hand-moving)."""
    questions = load_questions()
    for q in questions:
        assert q.get("fold") in FOLDS, f"{q['id']}: fold should be one of {FOLDS}"
    expected = expected_folds(questions)
    moved = [q["id"] for q in questions if q["fold"] != expected[q["id"]]]
    assert not moved, f"questions not in the fold the rule gives: {moved}"


def test_unanswerable_counts() -> None:
    """At least 11 unanswerable questions per language and at least 56 in all."""
    unanswerable = [q for q in load_questions() if computed_kind(q) == "unanswerable"]
    assert len(unanswerable) >= 56
    for lang in sorted(LANGS):
        count = sum(q["lang"] == lang for q in unanswerable)
        assert count >= 11, f"only {count} unanswerable questions in {lang}"
