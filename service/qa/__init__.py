"""The question-answering core, without Flask: retrieval, ranking, the reader, answering (extractive,
generative, the citation checker), follow-ups, evaluation, and the `Tuning` that holds their knobs.

`Kazde` (asking.py) is the way in: one per process, it opens the index and answers. The rest is public for
the command line, the benchmarks and the reliability suite. Names load on first use, so that importing the
face (the no-op `kazde ingest` does, for the index opener) loads no model library.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "service.qa.asking": ("AskResult", "DEFAULT_K", "MAX_K", "MAX_QUESTION_TOKENS", "Kazde"),
    "service.qa.retrieval": ("Passage", "retrieve"),
    "service.qa.ranking": ("ScoredSentence", "SentenceScorer"),
    "service.qa.tuning": ("DEFAULT_TUNING", "Tuning"),
    "service.qa.reader": ("DECISION", "FEATURES", "WEIGHTS", "Reader", "decision_features", "load_reader"),
    "service.qa.index": ("index_opener", "index_stamp", "ingest_index", "open_index"),
    "service.qa.coverage": ("unmentioned_names",),
    "service.qa.evaluation": (
        "RANK_DEPTH",
        "QuestionFileError",
        "evaluate",
        "gold_filter",
        "load_questions",
        "normalise_answer",
        "report_lines",
        "score_one",
        "shown",
        "summarise",
        "wilson",
    ),
    "service.qa.answering": ("Answer", "Answerer", "Citation", "ExtractiveAnswerer"),
    "service.qa.answering.extractive": ("confidence",),
    "service.qa.answering.generative": ("GenerativeAnswerer",),
    "service.qa.answering.citations": ("CitationChecker",),
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}
__all__ = sorted(_MODULE)


def __getattr__(name: str) -> Any:
    module = _MODULE.get(name)
    if module is None:
        raise AttributeError(f"module 'service.qa' has no attribute {name!r}")
    return getattr(import_module(module), name)
