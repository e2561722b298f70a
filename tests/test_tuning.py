"""One Tuning object: frozen, varied with dataclasses.replace, and a variant reaches every use of a value."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from service.qa.answering import ExtractiveAnswerer
from service.qa.answering.citations import CitationChecker
from service.qa.answering.generative import GenerativeAnswerer
from service.qa.asking import Kazde
from service.qa.ranking import SentenceScorer
from service.qa.retrieval import retrieve
from service.qa.tuning import DEFAULT_TUNING, Tuning
from service.settings import Settings
from tests.test_answering import OPENED, _passage

SERVICE = Path(__file__).resolve().parents[1] / "service"
# The module globals the tuned values were before they moved into Tuning.
OLD_NAMES = {
    "W_CHUNK", "W_KIND", "W_YEAR", "W_SECOND", "SECOND_BASE", "W_PAIR", "RELEVANT_SCORE",
    "FETCH", "CANDIDATES", "W_KEYWORD_SAME", "W_KEYWORD_CROSS", "KEYWORD_HALF", "W_SECOND_PASSAGE",
    "SAME_DOC_PENALTY", "_NEAR_DUPLICATE", "MIN_SUPPORT", "CLEARLY_BETTER", "MIN_RELEVANCE", "ECHO",
    "ABSTAIN_BELOW", "W_MARGIN", "MARGIN_CAP", "SECOND_SENTENCE_WITHIN", "MAX_SENTENCES",
    "EVIDENCE_PASSAGES", "SENTENCES_PER_PASSAGE", "MAX_EXCERPT_CHARS", "ANSWER_WITHIN",
    "SAME_NAME", "MIN_CHARS", "SHORT_WORDS",
}  # fmt: skip
QUESTION = "Wann wurde das Goethe-Institut in Almaty eröffnet?"


class _Words:
    """A deterministic embedder: a bag of hashed words (the scorer needs vectors, not meaning, here)."""

    def _vector(self, text: str) -> list[float]:
        v = np.zeros(64, dtype=np.float32)
        for word in text.lower().split():
            v[sum(word.encode()) % 64] += 1.0
        return (v + 1e-3).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


def test_tuning_is_frozen_and_hashable_and_replace_makes_a_variant() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_TUNING.w_chunk = 0.5  # type: ignore[misc]
    variant = dataclasses.replace(DEFAULT_TUNING, w_chunk=0.5)
    assert variant.w_chunk == 0.5 and DEFAULT_TUNING.w_chunk == 0.3
    assert variant != DEFAULT_TUNING and Tuning() == DEFAULT_TUNING
    assert len({DEFAULT_TUNING, variant, Tuning()}) == 2
    assert DEFAULT_TUNING.relevant("de", "ru") == 0.326 and DEFAULT_TUNING.relevant("kk", "ru") is None


def test_no_module_of_the_service_defines_a_tuned_global_any_more() -> None:
    found = []
    for path in sorted(SERVICE.rglob("*.py")):
        for node in ast.parse(path.read_text("utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            found += [f"{path.name}: {t.id}" for t in targets if isinstance(t, ast.Name) and t.id in OLD_NAMES]
    assert found == []


def test_a_raised_threshold_makes_the_extractive_answerer_abstain_where_it_answered() -> None:
    passages = [_passage("a.txt", OPENED, DEFAULT_TUNING.abstain_below)]
    assert not ExtractiveAnswerer().answer("Wann?", passages, "de").abstained
    strict = dataclasses.replace(DEFAULT_TUNING, abstain_below=1.01)
    assert ExtractiveAnswerer(strict).answer("Wann?", passages, "de").abstained
    # The generative answerer's fallback and its own abstention check get the same variant.
    answerer = GenerativeAnswerer(
        None, CitationChecker(lambda c, t: [0.0] * len(t), tuning=strict), None, tuning=strict
    )
    assert answerer.fallback.tuning is strict
    assert answerer.answer("Wann?", passages, "de").abstained


def test_a_generative_answerer_refuses_parts_tuned_otherwise() -> None:
    strict = dataclasses.replace(DEFAULT_TUNING, abstain_below=1.01)
    with pytest.raises(ValueError, match="one Tuning"):
        GenerativeAnswerer(None, CitationChecker(lambda c, t: [0.0] * len(t)), None, tuning=strict)


def test_the_chunk_share_changes_every_sentence_score_by_its_difference() -> None:
    scorer = SentenceScorer(_Words())  # type: ignore[arg-type]
    text = "Das Goethe-Institut wurde eröffnet. Es bezog später ein neues Haus."
    query = np.asarray(_Words().embed_query(QUESTION), dtype=np.float32)

    def scores(tuning: Tuning) -> list[float]:
        [sentences] = scorer.score(QUESTION, query, [text], [0.9], ["de"], "de", tuning=tuning)
        return sorted(s.score for s in sentences)

    base, more = scores(DEFAULT_TUNING), scores(dataclasses.replace(DEFAULT_TUNING, w_chunk=0.5))
    assert len(base) == 2
    assert more == pytest.approx([b + 0.2 * 0.9 for b in base])


def test_the_chunk_share_reaches_the_passage_score_as_well(indexed_corpus) -> None:
    """Retrieval's own use of w_chunk (the second embedder's passage bonus): once a copy that a patched module
    global never reached."""
    store = Kazde(Settings(data_dir=indexed_corpus)).store()
    scorer = SentenceScorer(store.embedder, store.sentences)
    for share in (0.3, 0.8):
        tuning = dataclasses.replace(DEFAULT_TUNING, w_chunk=share)
        passages = retrieve(store, scorer, QUESTION, k=5, language="de", tuning=tuning)
        assert any(p.second for p in passages)
        for p in passages:
            assert p.score == pytest.approx(p.sentences[0].score + share * p.second)


def test_the_service_answers_with_the_tuning_it_was_given(indexed_corpus) -> None:
    settings = Settings(data_dir=indexed_corpus)
    assert not Kazde(settings).ask(QUESTION).answer.abstained
    strict = Kazde(settings, tuning=dataclasses.replace(DEFAULT_TUNING, abstain_below=1.01))
    assert strict.ask(QUESTION).answer.abstained
