"""The default answerer: quote the sentences of the retrieved passages that answer best, each with its [n].

No generative model: every sentence of an answer is a verbatim quote, so a citation cannot point to a
passage that does not say it. Sentences come scored by retrieval (service/ranking.py: the multilingual
embedder's similarity to the question, which works across languages, plus the passage's own score and
whether the sentence has the kind of fact asked for). Its confidence is the best sentence's score plus a
share of its lead over the best sentence of any other document: a question that two documents answer about
equally well is one the documents may not answer at all. Below a threshold calibrated on the question set
(service/tuning.py), or when the question names something no passage mentions (service/coverage.py), it
abstains and the closest passages are shown instead.
"""

from __future__ import annotations

from service.answering.base import Answer, Citation
from service.coverage import unmentioned_names
from service.retrieval import Passage
from service.tuning import DEFAULT_TUNING, Tuning

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


def unanswered(question: str, passages: list[Passage], tuning: Tuning) -> tuple[bool, list[str]]:
    """Whether these passages leave the question unanswered, and the names they never mention."""
    missing = unmentioned_names(question, [p.text for p in passages], tuning=tuning)
    return bool(missing) or confidence(passages, tuning=tuning) < tuning.abstain_below, missing


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
    """Answers with the best-scored sentences of the passages, quoted verbatim."""

    __slots__ = ("tuning",)  # a stale `answerer.abstain_below = ...` fails instead of changing nothing

    def __init__(self, tuning: Tuning = DEFAULT_TUNING) -> None:
        self.tuning = tuning

    def answer(self, question: str, passages: list[Passage], language: str) -> Answer:
        """Quote the best one or two sentences, or abstain when the confidence is below the threshold."""
        ranked = sorted(
            ((s.score, i, s.start, s.end) for i, p in enumerate(passages) for s in p.sentences), reverse=True
        )
        t = self.tuning
        abstain, missing = unanswered(question, passages, t)
        if not ranked or abstain:
            return Answer(text=no_answer_message(language, missing), abstained=True)
        best = ranked[0][0]
        chosen = [ranked[0]]
        seen = {passages[ranked[0][1]].text[ranked[0][2] : ranked[0][3]]}
        for item in ranked[1:]:
            if len(chosen) >= t.max_sentences or item[0] < best - t.second_sentence_within:
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
            citations.append(Citation(n, p.doc_id, p.title, p.page, p.source, quote, i))
            parts.append(f"{quote} [{n}]")
        return Answer(text=" ".join(parts), abstained=False, citations=citations, verbatim=True)
