"""The citation checker: every sentence of a generated answer must be stated by the passage it cites.

A generative model is given numbered evidence and told to cite it; models get that wrong (a real number that
points to the wrong passage, a fact from their own training cited to a passage that never says it). So
after generation each sentence is checked against the passage it cites (against the passage's sentences that
retrieval found to answer the question, service/qa/answering/generative.py), in two ways that work across
languages and scripts (the answer is in the question's language, the passage may not be):

- its numbers and dates occur in the passage: the digits it writes (thousands separators and leading zeros
  aside) and the months it names, in English, German, Russian or Kazakh, by name or by number;
- a multilingual embedder finds it close enough to the passage's closest sentence (a threshold calibrated
  on the question set: Tuning.min_support).

A sentence must also be about the question and not the question said back. A sentence that fails is re-cited
to the given passage that passes best, or dropped. What is left, renumbered, is the answer; when nothing is
left the extractive answer is given, or the service abstains.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ingest.text import sentence_spans
from service.qa.tuning import DEFAULT_TUNING, Tuning

_MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_DANGLING = re.compile(r"\s*[,;:]+\s*(?=[.!?]$)")  # a comma the model put before its marker, at the end
_THOUSANDS = re.compile(r"(?<=\d)[ ,.\u00a0\u202f'](?=\d{3}(?!\d))")
_DIGITS = re.compile(r"\d+")
_MONTHS = {
    1: ("january", "januar", "jan.", "январ", "қаңтар"),
    2: ("february", "februar", "feb.", "феврал", "ақпан"),
    3: ("march", "märz", "march", "март", "наурыз"),
    4: ("april", "april", "апрел", "сәуір"),
    5: ("may ", "mai ", "мая", "май", "мамыр"),
    6: ("june", "juni", "июн", "маусым"),
    7: ("july", "juli", "июл", "шілде"),
    8: ("august", "august", "август", "тамыз"),
    9: ("september", "sept.", "сентябр", "қыркүйек"),
    10: ("october", "oktober", "октябр", "қазан"),
    11: ("november", "ноябр", "қараша"),
    12: ("december", "dezember", "декабр", "желтоқсан"),
}

# (answer sentence, passage texts) -> support of the sentence by each passage, higher is better.
Support = Callable[[str, Sequence[str]], list[float]]
# (question, answer sentences) -> how much each sentence is about the question, higher is better.
Relevance = Callable[[str, list[str]], list[float]]


@dataclass
class Evidence:
    """One numbered piece of evidence given to the model: an excerpt of a retrieved passage."""

    n: int
    passage: int  # index into the answer's passages
    sentences: list[str]  # what a sentence citing it is checked against and quoted from: the passage's sentences
    # that answer the question, verbatim
    excerpt: str  # what the model was shown

    @property
    def text(self) -> str:
        """The checked sentences as one text."""
        return " ".join(self.sentences)


@dataclass
class CheckReport:
    """What the checker did to an answer."""

    checked: int = 0
    kept: int = 0
    recited: int = 0
    dropped: int = 0
    dropped_sentences: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """CONTRACT's `citation_check` object."""
        return {"checked": self.checked, "kept": self.kept, "recited": self.recited, "dropped": self.dropped}


@dataclass(frozen=True)
class CheckedSentence:
    """A sentence that survived, without its markers, and the evidence it now cites."""

    text: str
    n: int
    support: float


_NUMERIC_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b")


def _without_numeric_dates(text: str) -> tuple[str, set[int]]:
    """The text with each numeric date (7.9.1994, 1994-09-07) reduced to its day and year, and their months."""
    found: set[int] = set()

    def day_year(m: re.Match[str]) -> str:
        day, month, year = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(6), m.group(5), m.group(4))
        found.add(int(month))
        return f"{day} {year}"

    return _NUMERIC_DATE.sub(day_year, text), found


def numbers(text: str) -> set[str]:
    """The whole numbers a text writes, without thousands separators or leading zeros (a numeric date's
    month counts as its month, not as a number)."""
    text, _ = _without_numeric_dates(text)
    return {d.lstrip("0") or "0" for d in _DIGITS.findall(_THOUSANDS.sub("", text))}


def months(text: str) -> set[int]:
    """The months a text names, in any of the four languages, or writes in a numeric date."""
    text, found = _without_numeric_dates(text)
    low = text.lower() + " "
    return found | {m for m, names in _MONTHS.items() if any(name in low for name in names)}


def facts_occur(sentence: str, passage: str) -> bool:
    """Whether every number and month of the sentence occurs in the passage."""
    return numbers(sentence) <= numbers(passage) and months(sentence) <= months(passage)


def split_answer(text: str) -> list[tuple[str, list[int]]]:
    """The answer's sentences, each without its [n] markers, with the numbers they cite."""
    out: list[tuple[str, list[int]]] = []
    for span in sentence_spans(text):
        raw = text[span.start : span.end]
        cited = [int(n) for m in _MARKER.finditer(raw) for n in re.split(r"\s*[,;]\s*", m.group(1))]
        clean = _DANGLING.sub("", _MARKER.sub("", raw).strip())  # "Koschyk, [3]." reads "Koschyk."
        if sum(ch.isalnum() for ch in clean) >= 3:
            out.append((clean, list(dict.fromkeys(cited))))
        elif cited and out:  # markers after the sentence's full stop belong to it
            out[-1] = (out[-1][0], list(dict.fromkeys(out[-1][1] + cited)))
    return out


class CitationChecker:
    """Keeps, re-cites or drops each sentence of a generated answer."""

    __slots__ = ("relevance", "support", "tuning")  # a stale `checker.min_support = ...` fails

    def __init__(
        self, support: Support, *, relevance: Relevance | None = None, tuning: Tuning = DEFAULT_TUNING
    ) -> None:
        self.support = support
        self.relevance = relevance
        self.tuning = tuning

    def check(
        self, answer: str, evidence: list[Evidence], question: str = ""
    ) -> tuple[list[CheckedSentence], CheckReport]:
        """The sentences that pass, each with the evidence it cites, and the report.

        With a question (and a relevance measure), a sentence that is not about it, or only says it back, is
        dropped however well a passage supports it.
        """
        report = CheckReport()
        kept: list[CheckedSentence] = []
        by_n = {e.n: e for e in evidence}
        sentences = split_answer(answer)
        on_topic = self._on_topic(question, [s for s, _ in sentences])
        for (sentence, cited), relevant in zip(sentences, on_topic, strict=True):
            report.checked += 1
            if not relevant:
                report.dropped += 1
                report.dropped_sentences.append(sentence)
                continue
            scores = self._support(sentence, evidence)
            passing = [n for n in by_n if scores[n] >= self.tuning.min_support and facts_occur(sentence, by_n[n].text)]
            own = [n for n in cited if n in passing]
            best = max(passing, key=lambda n: scores[n]) if passing else None
            if own and scores[best] - max(scores[n] for n in own) < self.tuning.clearly_better:
                mine = max(own, key=lambda n: scores[n])
                kept.append(CheckedSentence(sentence, mine, scores[mine]))
                report.kept += 1
            elif best is not None:
                kept.append(CheckedSentence(sentence, best, scores[best]))
                report.recited += 1
            else:
                report.dropped += 1
                report.dropped_sentences.append(sentence)
        return kept, report

    def _support(self, sentence: str, evidence: list[Evidence]) -> dict[int, float]:
        """Each evidence's support of the sentence (none from evidence with nothing to check against)."""
        given = [e for e in evidence if e.text.strip()]
        scores = dict(zip((e.n for e in given), self.support(sentence, [e.text for e in given]), strict=True))
        return {e.n: scores.get(e.n, float("-inf")) for e in evidence}

    def _on_topic(self, question: str, sentences: list[str]) -> list[bool]:
        if not question or self.relevance is None or not sentences:
            return [True] * len(sentences)
        scores = self.relevance(question, sentences)
        t = self.tuning
        # On topic, and not the question said back (a small model's habit).
        return [
            t.min_relevance <= score < t.echo and not s.rstrip().endswith("?")
            for s, score in zip(sentences, scores, strict=True)
        ]


def best_quote(sentences: list[str], sentence_scores: Callable[[list[str]], list[float]]) -> str:
    """Of the sentences a claim was checked against, the one that supports it best: its citation's verbatim quote."""
    scores = sentence_scores(sentences)
    return sentences[max(range(len(sentences)), key=lambda i: scores[i])].strip()
