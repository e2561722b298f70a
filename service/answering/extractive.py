"""The default answerer: quote the sentences of the retrieved passages that answer best, each with its [n].

No generative model: every sentence of an answer is a verbatim quote, so a citation cannot point to a
passage that does not say it. Sentences come scored by retrieval (service/ranking.py: the multilingual
embedder's similarity to the question, which works across languages, plus the passage's own score and
whether the sentence has the kind of fact asked for). Its confidence is the best sentence's score plus a
share of its lead over the best sentence of any other document: a question that two documents answer about
equally well is one the documents may not answer at all. Below a threshold calibrated on
data/questions.jsonl, or when the question names something no passage mentions (service/coverage.py), it
abstains and the closest passages are shown instead.
"""

from __future__ import annotations

from service.answering.base import Answer, Citation
from service.coverage import unmentioned_names
from service.retrieval import Passage

# Calibrated on the project's question set (docs/benchmarks.md, "Abstention threshold"): the highest
# abstention recall that keeps false abstention under 0.10 on it (0.75 at 0.088). The window is narrow
# (0.697-0.701 on this set; 0.67-0.69 give abstention recall 0.58), so a held-out set may well see less.
ABSTAIN_BELOW = 0.70
# The lead over the best other document counts this much (up to MARGIN_CAP). In two-fold cross-validation on
# the question set (300 random splits, the threshold calibrated on one half, scored on the other) it raised
# abstention recall from 0.60 to 0.65 and citation precision from 0.81 to 0.82 at the same false abstention.
W_MARGIN = 0.5
MARGIN_CAP = 0.25
# A second quote is added only when it scores nearly as well as the first and comes from the same document:
# a second document's sentence was a wrong citation more often than not.
SECOND_SENTENCE_WITHIN = 0.05
MAX_SENTENCES = 2

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


def unanswered(question: str, passages: list[Passage], abstain_below: float) -> tuple[bool, list[str]]:
    """Whether these passages leave the question unanswered, and the names they never mention."""
    missing = unmentioned_names(question, [p.text for p in passages])
    return bool(missing) or confidence(passages) < abstain_below, missing


def confidence(passages: list[Passage]) -> float:
    """How sure an extractive answer from these passages would be (-inf when they have no sentence)."""
    ranked = sorted(((s.score, p.doc_id) for p in passages for s in p.sentences), reverse=True)
    if not ranked:
        return float("-inf")
    best, doc_id = ranked[0]
    runner_up = next((score for score, other in ranked if other != doc_id), None)
    lead = MARGIN_CAP if runner_up is None else min(best - runner_up, MARGIN_CAP)
    return best + W_MARGIN * lead


class ExtractiveAnswerer:
    """Answers with the best-scored sentences of the passages, quoted verbatim."""

    def __init__(self, abstain_below: float = ABSTAIN_BELOW) -> None:
        self.abstain_below = abstain_below

    def answer(self, question: str, passages: list[Passage], language: str) -> Answer:
        """Quote the best one or two sentences, or abstain when the confidence is below the threshold."""
        ranked = sorted(
            ((s.score, i, s.start, s.end) for i, p in enumerate(passages) for s in p.sentences), reverse=True
        )
        abstain, missing = unanswered(question, passages, self.abstain_below)
        if not ranked or abstain:
            return Answer(text=no_answer_message(language, missing), abstained=True)
        best = ranked[0][0]
        chosen = [ranked[0]]
        seen = {passages[ranked[0][1]].text[ranked[0][2] : ranked[0][3]]}
        for item in ranked[1:]:
            if len(chosen) >= MAX_SENTENCES or item[0] < best - SECOND_SENTENCE_WITHIN:
                break
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
