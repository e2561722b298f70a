"""Ask: retrieve passages, answer with citations; the logic behind /api/ask, `kazde ask` and `kazde eval`."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ingest.text import detect_language
from service.errors import BadRequest, Unavailable
from service.qa.answering import Answer, Answerer, ExtractiveAnswerer
from service.qa.answering.base import final
from service.qa.answering.llm import LLMSettings
from service.qa.followup import rewrite
from service.qa.index import open_index
from service.qa.ranking import SentenceScorer
from service.qa.reader import load_reader
from service.qa.retrieval import Passage, retrieve
from service.qa.tuning import DEFAULT_TUNING, Tuning
from service.settings import Settings
from vectorstore import EmbedderMismatch, Store, StoreError, passage_count

log = logging.getLogger(__name__)

DEFAULT_K = 5
MAX_K = 20
# Two of the second embedder's 512-token windows: every question of the question set is under 40 tokens,
# 2,000 characters of Russian prose (the API's character limit) 726.
MAX_QUESTION_TOKENS = 1024


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
            "verbatim": self.answer.verbatim,
            "passages": [p.to_json() for p in self.passages],
        }
        if self.answer.notice:
            out["notice"] = self.answer.notice
        if self.answer.check is not None:
            out["citation_check"] = self.answer.check
        return out


class Kazde:
    """The service's parts for one process: settings, tuning, the store (opened on first use) and the answerer."""

    def __init__(self, settings: Settings, tuning: Tuning = DEFAULT_TUNING) -> None:
        self.settings = settings
        self.tuning = tuning
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
            raise self.unreachable(exc) from exc
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

    def unreachable(self, exc: Exception) -> Unavailable:
        """The 503 for an index that cannot be read, with what fixes it (the cause goes to the log, not the
        client: it can hold paths and the store's internals)."""
        log.warning("the index could not be read: %s", exc)
        fix = (
            f"start the Chroma server (chroma run --port {self.settings.chroma_port}) or unset KAZDE_CHROMA_HOST"
            if self.settings.chroma_host
            else "check KAZDE_DATA_DIR"
        )
        return Unavailable(
            f"The index could not be read (the server log says why). To fix: {fix}.", code="index_unreachable"
        )

    def check_query(self, text: str) -> None:
        """400 question_too_long when a question (or its rewritten query) costs more model tokens than allowed.

        Characters are no measure of cost: 2,000 × U+3316 normalise to 4,006 tokens, 2,000 combining accents
        to 2,005, while 2,000 characters of German prose are about 520.
        """
        tokens = self.store().query_tokens(text)
        if tokens is not None and tokens > MAX_QUESTION_TOKENS:
            raise BadRequest(
                f"The question is {tokens} model tokens long after Unicode normalisation; the limit is "
                f"{MAX_QUESTION_TOKENS}. Ask it in fewer words.",
                code="question_too_long",
            )

    def answerer(self) -> Answerer:
        """The generative answerer when KAZDE_LLM_* configure one, else the extractive default."""
        if not self.llm.configured:
            reader = self.scorer().reader
            with self._lock:
                if self._answerer is None:
                    self._answerer = ExtractiveAnswerer(self.tuning, reader)
                return self._answerer
        scorer = self.scorer()
        with self._lock:
            if self._answerer is None:
                from service.qa.answering.citations import CitationChecker
                from service.qa.answering.generative import GenerativeAnswerer
                from service.qa.answering.llm import chat_model

                self._answerer = GenerativeAnswerer(
                    chat_model(self.llm),
                    CitationChecker(scorer.support, relevance=scorer.similarities, tuning=self.tuning),
                    scorer.similarities,
                    describe=self.llm.describe(),
                    timeout_s=self.llm.timeout_s,
                    tuning=self.tuning,
                    reader=scorer.reader,
                )
            return self._answerer

    @property
    def llm(self) -> LLMSettings:
        """The generative backend the settings name (none: the extractive default)."""
        s = self.settings
        return LLMSettings(s.llm_base_url, s.llm_model, s.llm_api_key, s.llm_model_path, s.llm_timeout_s)

    def scorer(self) -> SentenceScorer:
        """The sentence scorer over the store's embedder, with its cache of sentence vectors."""
        store = self.store()
        with self._lock:
            if self._scorer is None:
                self._scorer = SentenceScorer(
                    store.embedder, store.sentences, reader=load_reader() if self.settings.reader else None
                )
            return self._scorer

    def query_for(self, question: str, history: list[dict[str, str]] | None) -> str:
        """The search query: the question, or a follow-up rewritten to stand alone."""
        if not history:
            return question
        if self.llm.configured:
            rewritten = self._llm_rewrite(question, history)
            if rewritten:
                return rewritten
        return rewrite(question, history, tuning=self.tuning)

    def _llm_rewrite(self, question: str, history: list[dict[str, str]]) -> str:
        from service.qa.answering.generative import rewrite_with

        answerer = self.answerer()
        return rewrite_with(getattr(answerer, "chat", None), question, history, self.llm.timeout_s)

    def ask(
        self,
        question: str,
        *,
        k: int = DEFAULT_K,
        filters: dict[str, Any] | None = None,
        history: list[dict[str, str]] | None = None,
    ) -> AskResult:
        """Answer a validated question from the index."""
        return final(self.ask_stream(question, k=k, filters=filters, history=history), AskResult)

    def ask_stream(
        self,
        question: str,
        *,
        k: int = DEFAULT_K,
        filters: dict[str, Any] | None = None,
        history: list[dict[str, str]] | None = None,
    ) -> Iterator[str | AskResult]:
        """The answer's text as it is written, then the AskResult (always last)."""
        t0 = time.perf_counter()
        store = self.store()
        answerer = self.answerer()
        query = self.query_for(question, history)
        self.check_query(query)
        language = detect_language(question) or "en"
        try:
            passages = retrieve(
                store, self.scorer(), query, k=k, filters=filters, language=language, tuning=self.tuning
            )
        except StoreError as exc:
            raise self.unreachable(exc) from exc
        t1 = time.perf_counter()
        answer: Answer | None = None
        stream = getattr(answerer, "stream", None)
        if stream is None:
            answer = answerer.answer(query, passages, language)
            yield answer.text
        else:
            for event in stream(query, passages, language):
                if isinstance(event, Answer):
                    answer = event
                else:
                    yield event
        assert answer is not None
        t2 = time.perf_counter()
        yield AskResult(
            question=question,
            query=query,
            language=language,
            answer=answer,
            passages=passages,
            timings_ms={"retrieval": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000},
        )
