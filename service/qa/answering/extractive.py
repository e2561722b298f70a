"""The default answerer: quote the sentences of the retrieved passages that answer best, each with its [n].

No generative model: every sentence of an answer is a verbatim quote, so a citation cannot point to a
passage that does not say it. By default ranking's scores decide: the best sentence is quoted, and the
confidence is its score plus a share of its lead over the best sentence of any other document, against
Tuning.abstain_below. When the question names something no passage mentions (service/qa/coverage.py), or the
confidence is too low, it abstains and the closest passages are shown instead.

With the reader (KAZDE_READER=1; service/qa/reader.py), ranking gives every candidate its logit for "this sentence
answers the question": the answerer quotes the best one, and a calibrated model turns the candidates' logits and
retrieval's confidence into the probability that any of them answers, against the reader's threshold.
"""

from __future__ import annotations

from service.qa.answering.base import Answer, Citation
from service.qa.coverage import unmentioned_names
from service.qa.reader import Reader
from service.qa.retrieval import Passage
from service.qa.tuning import DEFAULT_TUNING, Tuning

NO_ANSWER = {
    "en": "The indexed documents do not answer this question. The closest passages are shown below.",
    "de": "Die indexierten Dokumente beantworten diese Frage nicht. Unten stehen die nächstliegenden Passagen.",
    "ru": "В проиндексированных документах нет ответа на этот вопрос. Ниже показаны ближайшие фрагменты.",
    "kk": "Индекстелген құжаттарда бұл сұраққа жауап жоқ. Төменде ең жақын үзінділер көрсетілген.",
}


NOT_MENTIONED = {
    "en": "The indexed documents do not mention {names}.",
    "de": "Die indexierten Dokumente erwähnen {names} nicht.",
    "ru": "В проиндексированных документах не упоминается {names}.",
    "kk": "Индекстелген құжаттарда {names} туралы айтылмайды.",
}


def no_answer_message(language: str, unmentioned: list[str] | None = None) -> str:
    """The abstention message in the question's language (English when it has none of its own)."""
    message = NO_ANSWER.get(language, NO_ANSWER["en"])
    if unmentioned:
        names = ", ".join(f"“{n}”" for n in unmentioned)
        message = NOT_MENTIONED.get(language, NOT_MENTIONED["en"]).format(names=names) + " " + message
    return message


def unanswered(
    question: str, passages: list[Passage], tuning: Tuning, reader: Reader | None = None
) -> tuple[bool, list[str]]:
    """Whether these passages leave the question unanswered, and the names they never mention."""
    missing = unmentioned_names(question, [p.text for p in passages], tuning=tuning)
    if missing:
        return True, missing
    if reader is not None and (p := answer_probability(passages, reader, tuning)) is not None:
        return p < reader.threshold, missing
    return confidence(passages, tuning=tuning) < tuning.abstain_below, missing


def read(passages: list[Passage], reader: Reader | None) -> bool:
    """Whether the reader decides for these passages (it is there and scored every sentence)."""
    return (
        reader is not None
        and any(p.sentences for p in passages)
        and all(s.reader is not None for p in passages for s in p.sentences)
    )


def answer_probability(passages: list[Passage], reader: Reader | None, tuning: Tuning) -> float | None:
    """The reader's probability that the passages answer the question (None: no reader decides)."""
    if not read(passages, reader):
        return None
    assert reader is not None
    passages = passages[: tuning.reader_passages]
    logits = [float(s.reader) for p in passages for s in p.sentences]  # type: ignore[arg-type]
    docs = [p.doc_id for p in passages for _ in p.sentences]
    return reader.answer_probability(logits, docs, confidence(passages, tuning=tuning))


def confidence(passages: list[Passage], *, tuning: Tuning = DEFAULT_TUNING) -> float:
    """How sure an extractive answer from these passages would be (-inf when they have no sentence)."""
    ranked = sorted(((s.score, p.doc_id) for p in passages for s in p.sentences), reverse=True)
    if not ranked:
        return float("-inf")
    best, doc_id = ranked[0]
    runner_up = next((score for score, other in ranked if other != doc_id), None)
    lead = tuning.margin_cap if runner_up is None else min(best - runner_up, tuning.margin_cap)
    return best + tuning.w_margin * lead


class ExtractiveAnswerer:
    """Answers with the sentences the reader (else ranking) scores best, quoted verbatim."""

    __slots__ = ("tuning", "reader")  # a stale `answerer.abstain_below = ...` fails instead of changing nothing

    def __init__(self, tuning: Tuning = DEFAULT_TUNING, reader: Reader | None = None) -> None:
        self.tuning = tuning
        self.reader = reader

    def answer(self, question: str, passages: list[Passage], language: str) -> Answer:
        """Quote the best one or two sentences, or abstain when the passages do not answer."""
        t = self.tuning
        by_reader = read(passages, self.reader)
        ranked = sorted(
            (
                (s.reader if by_reader else s.score, i, s.start, s.end)
                for i, p in enumerate(passages[: t.reader_passages] if by_reader else passages)
                for s in p.sentences
            ),
            reverse=True,
        )
        abstain, missing = unanswered(question, passages, t, self.reader)
        if not ranked or abstain:
            return Answer(text=no_answer_message(language, missing), abstained=True)
        within = t.reader_second_within if by_reader else t.second_sentence_within
        best = ranked[0][0]
        chosen = [ranked[0]]
        seen = {passages[ranked[0][1]].text[ranked[0][2] : ranked[0][3]]}
        for item in ranked[1:]:
            if len(chosen) >= t.max_sentences or item[0] < best - within:
                break
            # Only from the same document: a second document's sentence was a wrong citation more often than not.
            text = passages[item[1]].text[item[2] : item[3]]
            if passages[item[1]].doc_id == passages[ranked[0][1]].doc_id and text not in seen:
                chosen.append(item)
                seen.add(text)
        # Quotes keep the documents' reading order when they come from one passage.
        chosen.sort(key=lambda c: (c[1], c[2]))
        citations = []
        parts = []
        for n, (_, i, start, end) in enumerate(chosen, start=1):
            p = passages[i]
            quote = p.text[start:end].strip()
            citations.append(Citation(n, p.doc_id, p.title, p.page, p.source, quote, i, p.section, p.ocr))
            parts.append(f"{quote} [{n}]")
        return Answer(text=" ".join(parts), abstained=False, citations=citations, verbatim=True)
