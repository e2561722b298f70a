"""Sentence-level rescoring: a passage is as good as its best sentence for the question.

Chunks of ~750 characters dilute the one sentence that answers; the multilingual embedder compares a question
with a sentence much more sharply, across languages too, so the top chunks are ranked by their best sentence
plus a share of the chunk's own score (docs/benchmarks.md, "Tuning"). Sentence vectors are cached, so a passage
seen before costs nothing. A second multilingual embedder's vectors of the same sentences, computed at ingest,
add their own opinion. With a reader (service/qa/reader.py, KAZDE_READER=1), every candidate sentence also gets the
reader's logit, from features computed here where the vectors already are.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.text import numbers, scorable_spans, stems, years_asked, years_in
from service.qa.reader import FEATURES, Reader
from service.qa.tuning import Tuning

if TYPE_CHECKING:
    from vectorstore import SentenceIndex

_ASKS_WHEN = re.compile(
    r"\b(when|what year|which year|since when|wann|welchem jahr|seit wann|когда|каком году|какого года|"
    r"қашан|қай жыл)",
    re.I,
)
_ASKS_COUNT = re.compile(r"\b(how many|how much|wie viele|wie viel|сколько|қанша)", re.I)
_NUMBER = re.compile(r"\d")


def pair_offset(question_language: str, passage_language: str, tuning: Tuning) -> float:
    """What a passage sentence in passage_language gains for a question in question_language (0 if unmeasured).

    The embedders score a sentence in the question's own language higher than an equally relevant one in another
    language; a cross-lingual sentence gets `w_pair` times the gap between the two pairs' measured scores.
    """
    own = tuning.relevant(question_language, question_language)
    pair = tuning.relevant(question_language, passage_language)
    if own is None or pair is None:
        return 0.0
    return tuning.w_pair * (own - pair)


@dataclass(frozen=True)
class ScoredSentence:
    """A sentence of a passage, located by offsets in the passage text, with its score for the question."""

    start: int
    end: int
    score: float
    reader: float | None = None  # the reader's logit that it answers the question (None: no reader)
    # The reader's inputs (scalar features, then the e5 product), kept for training and benchmarks.
    features: np.ndarray | None = field(default=None, compare=False, repr=False)


class SentenceScorer:
    """Scores the sentences of passages against a question with the index's embedder."""

    def __init__(
        self,
        embedder: Embeddings,
        sentences: SentenceIndex | None = None,
        cache_size: int = 50_000,
        *,
        reader: Reader | None = None,
        keep_features: bool = False,
    ) -> None:
        self.embedder = embedder
        self.sentences = sentences
        # The reader needs the second embedder's vectors; without them ranking's scores decide.
        self.reader = reader if sentences is not None else None
        self.keep_features = keep_features and sentences is not None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def _vectors(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.blake2b(t.encode(), digest_size=16).hexdigest() for t in texts]
        with self._lock:
            found = {k: self._cache[k] for k in keys if k in self._cache}
            for k in found:
                self._cache.move_to_end(k)
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            new = np.asarray(self.embedder.embed_documents([texts[i] for i in missing]), dtype=np.float32)
            new /= np.linalg.norm(new, axis=1, keepdims=True) + 1e-9
            with self._lock:
                for i, vec in zip(missing, new, strict=True):
                    found[keys[i]] = vec
                    self._cache[keys[i]] = vec
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, 1), dtype=np.float32)

    def score(
        self,
        question: str,
        query_vector: np.ndarray,
        texts: list[str],
        chunk_scores: list[float],
        languages: list[str] | None = None,
        question_language: str = "",
        *,
        tuning: Tuning,
        second_vector: np.ndarray | None = None,
    ) -> list[list[ScoredSentence]]:
        """For each passage text (in languages[i]), its sentences with scores, best first.

        `second_vector` is the question's vector by the sentence index's embedder, when the caller has it.
        """
        t = tuning
        spans = [scorable_spans(text) for text in texts]
        flat = [texts[i][s.start : s.end] for i, ss in enumerate(spans) for s in ss]
        if not flat:
            return [[] for _ in texts]
        q = query_vector / (np.linalg.norm(query_vector) + 1e-9)
        first = self._vectors(flat) @ q
        sims = first
        second = products = None
        if self.sentences is not None:
            if second_vector is None:
                second_vector = self.sentences.query(question)
            vectors = self.sentences.vectors(flat)
            second = vectors @ second_vector
            sims = first + t.w_second * (second - t.second_base)
            if self.reader is not None or self.keep_features:
                products = vectors * second_vector
        asks_when = bool(_ASKS_WHEN.search(question))
        years = years_asked(question)
        asks_count = bool(_ASKS_COUNT.search(question))
        rows: list[list[float]] = []
        scores: list[float] = []
        where: list[tuple[int, int, int, int]] = []  # passage, start, end, index among the passage's sentences
        j = 0
        for i, ss in enumerate(spans):
            offset = pair_offset(question_language, languages[i], t) if languages else 0.0
            for n, s in enumerate(ss):
                sentence = flat[j]
                mentioned = years_in(sentence)
                kind = (asks_when and bool(mentioned)) or (asks_count and bool(_NUMBER.search(sentence)))
                year = (1 if years.intersection(mentioned) else -1) if years else 0
                score = float(sims[j]) + offset + t.w_chunk * chunk_scores[i] + t.w_kind * kind + t.w_year * year
                scores.append(score)
                where.append((i, s.start, s.end, n))
                if products is not None:
                    same = bool(languages) and languages[i] == question_language
                    rows.append([offset, float(same), float(kind), float(year), float(n == 0)])
                j += 1
        logits = features = None
        if products is not None:
            assert second is not None
            features = self._features(question, flat, first, second, scores, chunk_scores, where, rows)
            if self.reader is not None:
                logits = self.reader.logits(features, products)
        out: list[list[ScoredSentence]] = [[] for _ in texts]
        for j, (i, start, end, _) in enumerate(where):
            kept = np.concatenate([features[j], products[j]]) if self.keep_features else None
            reader = None if logits is None else float(logits[j])
            out[i].append(ScoredSentence(start, end, scores[j], reader, kept))
        return [sorted(scored, key=lambda x: x.score, reverse=True) for scored in out]

    @staticmethod
    def _features(
        question: str,
        flat: list[str],
        first: np.ndarray,
        second: np.ndarray,
        scores: list[float],
        chunk_scores: list[float],
        where: list[tuple[int, int, int, int]],
        rows: list[list[float]],
    ) -> np.ndarray:
        """The reader's scalar features (service/qa/reader.py, FEATURES) of every candidate sentence."""
        asked, asked_numbers = stems(question), numbers(question)
        chunk = np.asarray([chunk_scores[i] for i, *_ in where], dtype=np.float32)
        score = np.asarray(scores, dtype=np.float32)
        out = np.empty((len(flat), len(FEATURES)), dtype=np.float32)
        out[:, 0] = first
        out[:, 1] = second
        out[:, 2] = first - first.max()
        out[:, 3] = second - second.max()
        out[:, 4] = score - score.max()
        out[:, 5] = chunk - chunk.max()
        for j, sentence in enumerate(flat):
            offset, same, kind, year, is_first = rows[j]
            overlap = len(asked & stems(sentence)) / len(asked) if asked else 0.0
            shared = float(bool(asked_numbers & numbers(sentence)))
            out[j, 6:] = (offset, same, kind, year, overlap, shared, math.log(len(sentence)) / 5, is_first)
        return out

    def similarities(self, claim: str, sentences: list[str]) -> list[float]:
        """How close each sentence is to a claim (the second embedder's cosine when there is one)."""
        if not sentences:
            return []
        if self.sentences is not None:
            return [float(x) for x in self.sentences.vectors(sentences) @ self.sentences.query(claim)]
        q = np.asarray(self.embedder.embed_query(claim), dtype=np.float32)
        return [float(x) for x in self._vectors(sentences) @ (q / (np.linalg.norm(q) + 1e-9))]

    def support(self, claim: str, texts: list[str]) -> list[float]:
        """For each text, the similarity of its closest sentence to the claim."""
        per_text = [[t[s.start : s.end] for s in scorable_spans(t)] or [t] for t in texts]
        flat = [s for ss in per_text for s in ss]
        sims = self.similarities(claim, flat)
        out, j = [], 0
        for ss in per_text:
            out.append(max(sims[j : j + len(ss)]))
            j += len(ss)
        return out
