"""Ask: retrieve passages, answer with citations; the logic behind /api/ask, `kazde ask` and `kazde eval`."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ingest.language import detect_language
from service.answering import Answer, Answerer, ExtractiveAnswerer
from service.errors import Unavailable
from service.index import open_index
from service.ranking import SentenceScorer
from service.retrieval import Passage, retrieve
from service.settings import Settings
from vectorstore import EmbedderMismatch, Store, StoreError, passage_count

DEFAULT_K = 5
MAX_K = 20


@dataclass
class AskResult:
    """Everything /api/ask returns, plus timings."""

    question: str
    query: str
    language: str
    answer: Answer
    passages: list[Passage]
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The CONTRACT's response object."""
        out: dict[str, Any] = {
            "answer": self.answer.text,
            "abstained": self.answer.abstained,
            "query": self.query,
            "language": self.language,
            "citations": [c.to_json() for c in self.answer.citations],
            "passages": [p.to_json() for p in self.passages],
        }
        if self.answer.notice:
            out["notice"] = self.answer.notice
        return out


class Kazde:
    """The service's parts for one process: settings, the store (opened on first use) and the answerer."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._answerer: Answerer | None = None
        self._scorer: SentenceScorer | None = None

    def store(self) -> Store:
        """The index, opened once; a missing or unreachable one is a 503 that says how to fix it."""
        with self._lock:
            if self._store is None:
                self._store = self._open()
            return self._store

    def _open(self) -> Store:
        location = self.settings.store_location
        try:
            held = passage_count(location)
        except StoreError as exc:
            fix = (
                f"start it (chroma run --port {self.settings.chroma_port}) or unset KAZDE_CHROMA_HOST"
                if self.settings.chroma_host
                else "check KAZDE_DATA_DIR"
            )
            raise Unavailable(f"{exc}. To fix: {fix}.", code="index_unreachable") from exc
        if not held:
            raise Unavailable(
                f"The index at {location.describe()} is empty. To fix: run `kazde ingest` (or `make run`).",
                code="index_missing",
            )
        try:
            store = open_index(self.settings)
        except EmbedderMismatch as exc:
            raise Unavailable(str(exc), code="embedder_mismatch") from exc
        except StoreError as exc:
            raise Unavailable(str(exc), code="index_unreachable") from exc
        store.warm_up()
        return store

    def answerer(self) -> Answerer:
        """The extractive answerer (a generative one will be chosen here by settings)."""
        with self._lock:
            if self._answerer is None:
                self._answerer = ExtractiveAnswerer()
            return self._answerer

    def scorer(self) -> SentenceScorer:
        """The sentence scorer over the store's embedder, with its cache of sentence vectors."""
        store = self.store()
        with self._lock:
            if self._scorer is None:
                self._scorer = SentenceScorer(store.embedder, store.sentences)
            return self._scorer

    def ask(self, question: str, *, k: int = DEFAULT_K, filters: dict[str, Any] | None = None) -> AskResult:
        """Answer a validated question from the index."""
        t0 = time.perf_counter()
        store = self.store()
        answerer = self.answerer()
        language = detect_language(question) or "en"
        try:
            passages = retrieve(store, self.scorer(), question, k=k, filters=filters, language=language)
        except StoreError as exc:
            raise Unavailable(str(exc), code="index_unreachable") from exc
        t1 = time.perf_counter()
        answer = answerer.answer(question, passages, language)
        t2 = time.perf_counter()
        return AskResult(
            question=question,
            query=question,
            language=language,
            answer=answer,
            passages=passages,
            timings_ms={"retrieval": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000},
        )
