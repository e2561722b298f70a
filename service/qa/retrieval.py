"""Passages for a question: filtered search, adjacent chunks merged, near-duplicates dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from service.qa.ranking import ScoredSentence, SentenceScorer
from service.qa.tuning import DEFAULT_TUNING, Tuning
from vectorstore import Hit, Store

_WORD = re.compile(r"\w+")


@dataclass
class Passage:
    """A stretch of one document's page, as shown to the user and quoted by the answer."""

    doc_id: str
    title: str
    page: int | None
    source: str
    language: str
    text: str
    score: float
    start: int
    end: int
    chunk_indexes: list[int] = field(default_factory=list)
    section: str = ""  # the heading it stands under, in a format without pages (Word, OpenDocument, EPUB)
    ocr: float | None = None  # read from a scan by OCR, with this confidence (0..1)
    second: float = 0.0  # the second embedder's bonus (Tuning.w_second_passage times its cosine above the base)
    sentences: list[ScoredSentence] = field(default_factory=list)  # best first

    def to_json(self) -> dict[str, Any]:
        """The API's passage object."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "page": self.page,
            "section": self.section or None,
            "ocr": self.ocr,
            "source": self.source or None,
            "language": self.language,
            "text": self.text,
            "score": round(self.score, 4),
        }


def retrieve(
    store: Store,
    scorer: SentenceScorer,
    query: str,
    *,
    k: int = 5,
    filters: dict[str, Any] | None = None,
    language: str = "",
    tuning: Tuning = DEFAULT_TUNING,
) -> list[Passage]:
    """The k best passages for a query, best first, each with its sentences scored."""
    vector = np.asarray(store.embedder.embed_query(query), dtype=np.float32)
    found = store.hybrid_search(query, vector, filters=filters, language=language, weights=tuning)
    passages = _drop_near_duplicates(_merge_adjacent(found.hits[: max(tuning.candidates, k)], found.bonus), tuning)
    scored = scorer.score(
        query,
        vector,
        [p.text for p in passages],
        [p.score for p in passages],
        [p.language for p in passages],
        language,
        tuning=tuning,
        second_vector=found.second_vector,
    )
    for passage, sentences in zip(passages, scored, strict=True):
        passage.sentences = sentences
        if sentences:
            # The second embedder's passage bonus counts with the w_chunk share, as the chunk's other scores do;
            # the sentence scores, on which abstention is calibrated, are left without it.
            passage.score = sentences[0].score + tuning.w_chunk * passage.second
    passages.sort(key=lambda p: p.score, reverse=True)
    return _diverse(passages, k, tuning)


def _diverse(passages: list[Passage], k: int, tuning: Tuning) -> list[Passage]:
    """The best k, where each further passage of an already chosen document pays `same_doc_penalty`.

    A document whose passages all score far above the rest still fills the list (the question needs that one
    document); otherwise five overlapping chunks of one document give way to other documents.
    """
    chosen: list[Passage] = []
    per_doc: dict[str, int] = {}
    pool = list(passages)
    while pool and len(chosen) < k:
        best = max(pool, key=lambda p: p.score - tuning.same_doc_penalty * per_doc.get(p.doc_id, 0))
        pool.remove(best)
        chosen.append(best)
        per_doc[best.doc_id] = per_doc.get(best.doc_id, 0) + 1
    return chosen


def _passage(hit: Hit, second: float) -> Passage:
    m = hit.metadata
    return Passage(
        doc_id=str(m.get("doc_id", "")),
        title=str(m.get("title", "")),
        page=int(m["page"]) if "page" in m else None,
        source=str(m.get("source", "")),
        language=str(m.get("language", "")),
        text=hit.text,
        score=hit.score,
        start=int(m.get("start", 0)),
        end=int(m.get("end", 0)),
        chunk_indexes=[int(m.get("chunk_index", 0))],
        second=second,
        section=str(m.get("section", "")),
        ocr=float(m["ocr"]) if "ocr" in m else None,
    )


def _merge_adjacent(hits: list[Hit], second: dict[str, float] | None = None) -> list[Passage]:
    """Join chunks of one page that follow each other into one passage, kept at the better one's rank."""
    merged: list[Passage] = []
    for hit in hits:
        p = _passage(hit, (second or {}).get(hit.id, 0.0))
        for q in merged:
            if q.doc_id == p.doc_id and (q.page, q.section) == (p.page, p.section) and _touch(q, p):
                _join(q, p)
                break
        else:
            merged.append(p)
    return merged


def _touch(a: Passage, b: Passage) -> bool:
    return (
        a.start <= b.end and b.start <= a.end or any(abs(i - j) == 1 for i in a.chunk_indexes for j in b.chunk_indexes)
    )


def _join(into: Passage, other: Passage) -> None:
    first, second = (into, other) if into.start <= other.start else (other, into)
    if second.start <= first.end:
        text = first.text + second.text[first.end - second.start :] if second.end > first.end else first.text
    else:  # consecutive chunks that split at a paragraph break: the gap is that break
        text = first.text + "\n\n" + second.text
    into.text = text
    into.start, into.end = first.start, max(first.end, second.end)
    into.chunk_indexes = sorted(set(into.chunk_indexes) | set(other.chunk_indexes))
    into.score = max(into.score, other.score)
    into.second = max(into.second, other.second)


def _drop_near_duplicates(passages: list[Passage], tuning: Tuning) -> list[Passage]:
    kept: list[tuple[Passage, set[str]]] = []
    for p in passages:
        words = set(_WORD.findall(p.text.lower()))
        if any(_jaccard(words, w) >= tuning.near_duplicate for _, w in kept):
            continue
        kept.append((p, words))
    return [p for p, _ in kept]


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
