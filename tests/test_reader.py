"""The reader: the shipped head and decision model, how the answerer uses them, and its features."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from ingest.text import numbers, stems
from service.qa.answering import ExtractiveAnswerer
from service.qa.answering.extractive import answer_probability
from service.qa.ranking import ScoredSentence
from service.qa.reader import DECISION, FEATURES, LEAD_CAP, WEIGHTS, Reader, decision_features, load_reader
from service.qa.retrieval import Passage
from service.qa.tuning import DEFAULT_TUNING as T
from service.settings import Settings

OPENED = "Das Goethe-Institut in Almaty wurde am 7. September 1994 eröffnet."
MOVED = "Das Goethe-Institut bezog 2013 ein neues Haus in Almaty."


def _reader(decision=(1.0, 0.0, 0.0, 0.0), bias: float = 0.0) -> Reader:
    return Reader(
        weights=np.zeros(len(FEATURES), np.float32),
        product=np.zeros(384, np.float32),
        bias=0.0,
        decision=np.asarray(decision, dtype=np.float64),
        decision_bias=bias,
        mean=np.zeros(len(DECISION)),
        scale=np.ones(len(DECISION)),
        stamp="e5-small-q4i8-k1",
    )


def _passage(doc_id: str, sentences: list[tuple[str, float, float | None]]) -> Passage:
    """A passage of sentences (text, ranking's score, reader logit)."""
    text = " ".join(s for s, _, _ in sentences)
    scored, at = [], 0
    for s, score, logit in sentences:
        scored.append(ScoredSentence(at, at + len(s), score, logit))
        at += len(s) + 1
    best = max(score for _, score, _ in sentences)
    return Passage(doc_id, doc_id, 1, "", "de", text, best, 0, len(text), sentences=scored)


def test_the_shipped_reader_loads_is_small_and_names_its_embedder() -> None:
    reader = load_reader()
    assert reader is not None, "service/qa/reader.json is missing: `make reader` writes it"
    assert WEIGHTS.stat().st_size < 5_000_000
    assert reader.stamp.startswith("e5-small") and reader.stamp == Settings(data_dir=WEIGHTS).sentence_stamp
    assert reader.weights.shape == (len(FEATURES),) and reader.product.shape == (384,)
    assert np.isfinite(reader.decision).all() and (reader.scale > 0).all()
    # A higher top logit never lowers the probability of answering (the decision model's first weight).
    assert reader.decision[0] > 0


def test_a_reader_file_of_other_features_is_refused_with_what_to_do(tmp_path) -> None:
    data = json.loads(WEIGHTS.read_text("utf-8"))
    bad = tmp_path / "reader.json"
    bad.write_text(json.dumps(data | {"features": ["use"]}), "utf-8")
    with pytest.raises(ValueError, match="make reader"):
        Reader.from_json(json.loads(bad.read_text("utf-8")))
    assert load_reader(str(tmp_path / "absent.json")) is None


def test_decision_features_are_the_best_logit_its_share_and_its_lead_over_other_documents() -> None:
    x = decision_features([2.0, 0.0, 1.0], ["a", "a", "b"], 0.8)
    assert x[0] == 2.0
    assert x[1] == pytest.approx(1 / (1 + np.exp(-2.0) + np.exp(-1.0)))
    assert x[2] == pytest.approx(1.0)  # over b's 1.0, not a's own 0.0
    assert x[3] == pytest.approx(0.8)
    alone = decision_features([2.0, 0.0], ["a", "a"], 0.5)
    assert alone[2] == LEAD_CAP  # no other document: the cap


def test_the_answerer_quotes_the_readers_choice_not_the_best_ranking_score() -> None:
    passages = [
        _passage("a.txt", [(MOVED, 0.9, -1.0)]),
        _passage("b.txt", [(OPENED, 0.7, 3.0)]),
    ]
    answer = ExtractiveAnswerer(T, _reader()).answer("Wann öffnete das Goethe-Institut?", passages, "de")
    assert not answer.abstained
    assert [c.quote for c in answer.citations] == [OPENED] and answer.citations[0].passage == 1
    # Without the reader, ranking's best score is quoted (the behaviour before the reader).
    plain = ExtractiveAnswerer(T).answer("Wann öffnete das Goethe-Institut?", passages, "de")
    assert [c.quote for c in plain.citations] == [MOVED]


def test_the_answerer_abstains_when_the_readers_probability_is_below_the_threshold() -> None:
    low = [_passage("a.txt", [(OPENED, 0.95, -3.0)]), _passage("b.txt", [(MOVED, 0.9, -3.2)])]
    high = [_passage("a.txt", [(OPENED, 0.5, 3.0)]), _passage("b.txt", [(MOVED, 0.4, -2.0)])]
    reader = _reader()
    assert answer_probability(low, reader, T) < reader.threshold < answer_probability(high, reader, T)
    # Ranking's high scores would answer `low`; the reader abstains. Ranking's low scores would abstain on `high`.
    assert ExtractiveAnswerer(T, reader).answer("Wann?", low, "de").abstained
    assert not ExtractiveAnswerer(T).answer("Wann?", low, "de").abstained
    assert not ExtractiveAnswerer(T, reader).answer("Wann?", high, "de").abstained
    assert ExtractiveAnswerer(T).answer("Wann?", high, "de").abstained


def test_a_second_quote_needs_a_close_reader_logit_and_the_same_document() -> None:
    third = "Es bietet Sprachkurse an."
    close = [_passage("a.txt", [(OPENED, 0.8, 3.0), (third, 0.5, 3.0 - T.reader_second_within / 2)])]
    far = [_passage("a.txt", [(OPENED, 0.8, 3.0), (third, 0.79, 3.0 - T.reader_second_within * 2)])]
    reader = _reader()
    assert len(ExtractiveAnswerer(T, reader).answer("Wann?", close, "de").citations) == 2
    assert len(ExtractiveAnswerer(T, reader).answer("Wann?", far, "de").citations) == 1


def test_the_reader_chooses_only_among_the_first_passages() -> None:
    passages = [_passage(f"{i}.txt", [(f"Satz Nummer {i} über das Institut.", 0.8, 0.0)]) for i in range(6)]
    passages.append(_passage("late.txt", [(OPENED, 0.7, 9.0)]))
    tuning = dataclasses.replace(T, reader_passages=6)
    answer = ExtractiveAnswerer(tuning, _reader()).answer("Wann?", passages, "de")
    assert OPENED not in answer.text


def test_unscored_sentences_leave_the_decision_to_ranking() -> None:
    passages = [_passage("a.txt", [(OPENED, 0.95, None)])]
    assert answer_probability(passages, _reader(), T) is None
    assert not ExtractiveAnswerer(T, _reader()).answer("Wann?", passages, "de").abstained


def test_stems_and_numbers_match_inflected_words_and_years() -> None:
    assert stems("Goethe-Instituts Eröffnung") & stems("Goethe-Institut eröffnet")
    assert "1994" in numbers("am 7. September 1994") and not stems("1994 am")


def test_the_reader_is_opt_in() -> None:
    assert Settings.from_env({}).reader is False
    assert Settings.from_env({"KAZDE_READER": "1"}).reader is True
    assert Settings.from_env({"KAZDE_READER": "0"}).reader is False


def test_on_a_real_index_the_reader_scores_every_candidate_and_its_choice_is_quoted(indexed_corpus) -> None:
    from service.qa.asking import Kazde

    question = "Wann trat das Kulturabkommen zwischen Deutschland und Kasachstan in Kraft?"
    on = Kazde(Settings(data_dir=indexed_corpus, reader=True)).ask(question, k=5)
    off = Kazde(Settings(data_dir=indexed_corpus)).ask(question, k=5)
    assert all(s.reader is not None for p in on.passages for s in p.sentences)
    assert all(s.reader is None for p in off.passages for s in p.sentences)
    assert not on.answer.abstained
    best = max(
        ((s.reader, p.text[s.start : s.end].strip()) for p in on.passages[: T.reader_passages] for s in p.sentences),
        key=lambda x: x[0],
    )
    assert best[1] in [c.quote for c in on.answer.citations]
    # Retrieval is the same either way: the reader only reads.
    assert [p.doc_id for p in on.passages] == [p.doc_id for p in off.passages]
