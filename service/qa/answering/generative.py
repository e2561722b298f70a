"""Generated answers with checked citations; the extractive answerer stays the fallback.

The model sees compact evidence (the best sentences of the top passages, numbered and fenced as data), writes
a short answer in the question's language citing the numbers, and the citation checker keeps, re-cites or
drops every sentence before anyone sees it (service/qa/answering/citations.py). When the model fails (down,
past its timeout, or writing nothing usable), the extractive answer is given with a notice, never an error.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from service.qa.answering.base import Answer, Citation, final
from service.qa.answering.citations import CitationChecker, Evidence, best_quote
from service.qa.answering.extractive import NO_ANSWER, ExtractiveAnswerer, unanswered
from service.qa.reader import Reader
from service.qa.retrieval import Passage
from service.qa.tuning import DEFAULT_TUNING, Tuning
from service.resources import PROMPTS

log = logging.getLogger(__name__)

# When the model says the documents do not answer, or the checker drops all it wrote, the extractive answer is
# given instead: the best sentence quoted verbatim, with NO_MODEL_ANSWER or UNSUPPORTED as the notice, or the
# abstention when retrieval is not confident. The model's "no answer" is not trusted on its own: on the question
# set it declined 21 answerable questions and 1 of the 4 unanswerable ones that retrieval let through.
NO_MODEL_ANSWER = {
    "en": "The language model found no answer in the passages; the sentence that matches the question best is quoted.",
    "de": "Das Sprachmodell fand keine Antwort in den Passagen; zitiert wird der Satz, der am besten zur Frage passt.",
    "ru": "Языковая модель не нашла ответа во фрагментах; приведено предложение, лучше всего отвечающее вопросу.",
    "kk": "Тілдік модель үзінділерден жауап таппады; сұраққа ең жақын сөйлем келтірілді.",
}
# What the model is told to reply when no passage answers: one fixed token in every language, so that a small
# model is not drawn to a fluent sentence in the question's language instead of answering.
DECLINE = "NO ANSWER"
UNSUPPORTED = {
    "en": "The passages did not state what the language model wrote; the sentence that matches the question best is "
    "quoted.",
    "de": "Was das Sprachmodell schrieb, steht so nicht in den Passagen; zitiert wird der Satz, der am besten "
    "zur Frage passt.",
    "ru": "Написанное языковой моделью не подтверждается фрагментами; приведено предложение, лучше всего отвечающее "
    "вопросу.",
    "kk": "Тілдік модель жазғанды үзінділер растамайды; сұраққа ең жақын сөйлем келтірілді.",
}
LANGUAGE_NAMES = {"en": "English", "de": "German", "ru": "Russian", "kk": "Kazakh"}
_FENCE = re.compile(r"(<<<|>>>)")
# Sentences that talk to the model instead of stating facts are never shown to it (the prompt also tells it
# to treat evidence as data; a small model cannot be trusted to follow that alone).
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompt|rules)\b|\bsystem prompt\b|\byou are now\b|"
    r"\b(ignoriere|vergiss)\b.{0,40}\b(anweisungen|regeln)\b|"
    r"\b(игнорируй|забудь)\b.{0,40}\b(инструкции|указания|правила)\b",
    re.I | re.S,
)


# The model's "the documents do not answer" (what the prompt asks for, in any of the four languages, and the
# usual ways small models put it).
_NO_ANSWER = re.compile(
    r"\bNO[ _]ANSWER\b\.?(\s*\[\d+\])*|"
    + "|".join(re.escape(m.split(".")[0]) + r"\.?(\s*\[\d+\])*" for m in NO_ANSWER.values())
    + r"|\bI (do not|don't) know\b[^.]*\.?"
    + r"|\bthe (evidence|documents|passages) (does|do) not (say|answer|mention)[^.]*\.?",
    re.I,
)


def is_injection(sentence: str) -> bool:
    """Whether a sentence of a document addresses the model ("ignore previous instructions and ...")."""
    return bool(_INJECTION.search(sentence))


@cache
def prompt(name: str) -> str:
    """A template from prompts/ (read once per process)."""
    return (PROMPTS / f"{name}.txt").read_text("utf-8")


@dataclass
class Draft:
    """What the model was asked with: the evidence and the chat messages."""

    evidence: list[Evidence]
    messages: list[Any]


class GenerationFailed(RuntimeError):
    """The model gave no usable answer."""


class GenerativeAnswerer:
    """Asks a chat model, checks its citations, falls back to the extractive answer when it fails."""

    def __init__(
        self,
        chat: Any,
        checker: CitationChecker,
        quote_scores: Callable[[str, list[str]], list[float]],
        *,
        describe: str = "the generative model",
        timeout_s: float = 60.0,
        fallback: ExtractiveAnswerer | None = None,
        tuning: Tuning = DEFAULT_TUNING,
        reader: Reader | None = None,
    ) -> None:
        self.chat = chat
        self.checker = checker
        self.quote_scores = quote_scores
        self.describe = describe
        self.timeout_s = timeout_s
        self.tuning = tuning
        self.fallback = fallback or ExtractiveAnswerer(tuning, reader)
        if checker.tuning != tuning or self.fallback.tuning != tuning:  # one variant must reach every use
            raise ValueError("the checker, the fallback and the generative answerer must share one Tuning")

    def answer(self, question: str, passages: list[Passage], language: str) -> Answer:
        """The checked answer (all tokens at once)."""
        return final(self.stream(question, passages, language), Answer)

    def stream(self, question: str, passages: list[Passage], language: str) -> Iterator[str | Answer]:
        """Tokens as the model writes them, then the checked Answer (always last)."""
        if not passages or unanswered(question, passages, self.tuning, self.fallback.reader)[0]:
            # Retrieval found nothing close, or nothing that names what is asked about: the documents do not
            # answer, whatever a model would write.
            yield self.fallback.answer(question, passages, language)
            return
        draft = self.draft(question, passages, language)
        parts: list[str] = []
        started = time.monotonic()
        try:
            for chunk in self.chat.stream(draft.messages):
                text = _content(chunk)
                if text:
                    parts.append(text)
                    yield text
                if time.monotonic() - started > self.timeout_s:
                    raise GenerationFailed(f"no complete answer within {self.timeout_s:g} s")
            reply = "".join(parts).strip()
            if not reply:
                raise GenerationFailed("an empty reply")
        except Exception as exc:  # down, refused, timed out, malformed: the user still gets an answer
            log.warning("generative answer failed (%s): %s", self.describe, exc)
            answer = self.fallback.answer(question, passages, language)
            answer.notice = (
                f"The generative model ({self.describe}) was unavailable: {_short(exc)}. "
                "The extractive answer is shown instead."
            )
            yield answer
            return
        answer = self.checked(reply, draft, passages, language, question)
        answer.raw = reply
        yield answer

    def draft(self, question: str, passages: list[Passage], language: str) -> Draft:
        """The numbered evidence and the messages for the model."""
        from langchain_core.messages import HumanMessage, SystemMessage

        t = self.tuning
        evidence = []
        top = max((s.score for p in passages for s in p.sentences), default=0.0)
        for i, p in enumerate(passages[: t.evidence_passages]):
            clean = [s for s in p.sentences if not is_injection(p.text[s.start : s.end])]
            best = sorted(clean[: t.sentences_per_passage], key=lambda s: s.start)
            if not best:
                continue
            excerpt = " ".join(p.text[s.start : s.end].strip() for s in best)
            excerpt = _FENCE.sub("", excerpt)[: t.max_excerpt_chars]
            # Checked against the sentences that answer the question, not the whole passage: a small model writes
            # true facts that do not answer it, and a whole passage supports them.
            near = sorted((s for s in clean if s.score >= top - t.answer_within), key=lambda s: s.start)
            checkable = [p.text[s.start : s.end].strip() for s in near]
            evidence.append(Evidence(n=len(evidence) + 1, passage=i, sentences=checkable, excerpt=excerpt))
        listing = "\n".join(f"[{e.n}] {_FENCE.sub('', passages[e.passage].title)[:60]}: {e.excerpt}" for e in evidence)
        name = LANGUAGE_NAMES.get(language, "the language of the question")
        system = prompt("system").format(language_name=name, no_answer=DECLINE)
        user = prompt("answer").format(evidence=listing, question=question, language_name=name)
        return Draft(evidence, [SystemMessage(system), HumanMessage(user)])

    def checked(self, reply: str, draft: Draft, passages: list[Passage], language: str, question: str = "") -> Answer:
        """The reply after the citation checker: kept and re-cited sentences, renumbered; or, with none left, the
        extractive answer (a quote with a notice saying why, or the abstention)."""
        declined = bool(_NO_ANSWER.search(reply))
        reply = _NO_ANSWER.sub(" ", reply)  # "the documents do not say" is an outcome, not a claim to check
        kept, report = self.checker.check(reply, draft.evidence, question)
        if not kept:
            # Nothing the model wrote is stated by the sentences that answer the question: the extractive answer.
            answer = self.fallback.answer(question, passages, language)
            if not answer.abstained:
                notices = NO_MODEL_ANSWER if declined else UNSUPPORTED
                answer.notice = notices.get(language, notices["en"])
            answer.check = report.to_json()
            return answer
        by_n = {e.n: e for e in draft.evidence}
        numbers: dict[int, int] = {}
        citations: list[Citation] = []
        parts = []
        for sentence in kept:
            if sentence.n not in numbers:
                numbers[sentence.n] = len(numbers) + 1
                e = by_n[sentence.n]
                p = passages[e.passage]
                quote = best_quote(e.sentences, lambda ss, claim=sentence.text: self.quote_scores(claim, ss))
                citations.append(
                    Citation(
                        numbers[sentence.n], p.doc_id, p.title, p.page, p.source, quote, e.passage, p.section, p.ocr
                    )
                )
            parts.append(f"{sentence.text} [{numbers[sentence.n]}]")
        return Answer(text=" ".join(parts), abstained=False, citations=citations, check=report.to_json())


def _content(chunk: Any) -> str:
    content = getattr(chunk, "content", chunk)
    if isinstance(content, list):  # content blocks
        return "".join(c.get("text", "") if isinstance(c, dict) else str(c) for c in content)
    return str(content or "")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def rewrite_with(chat: Any, question: str, history: list[dict[str, str]], timeout_s: float) -> str:
    """A standalone query written by the model from the conversation; "" when it fails (the caller falls back)."""
    if chat is None:
        return ""
    from langchain_core.messages import HumanMessage

    turns = "\n".join(f"{t['role']}: {_FENCE.sub('', t['content'])[:400]}" for t in history[-6:])
    try:
        started = time.monotonic()
        parts = []
        for chunk in chat.stream([HumanMessage(prompt("rewrite").format(history=turns, question=question))]):
            parts.append(_content(chunk))
            if time.monotonic() - started > timeout_s:
                return ""
    except Exception as exc:
        log.warning("follow-up rewrite failed: %s", exc)
        return ""
    query = "".join(parts).strip().strip('"').splitlines()[0:1]
    return query[0][:300] if query and len(query[0]) >= 3 else ""
