"""Every tuned constant of retrieval, ranking, the answerers and the citation checker, in one frozen object.

The service runs on DEFAULT_TUNING. A benchmark or a calibration builds a variant with
`dataclasses.replace(DEFAULT_TUNING, w_chunk=0.5)` and passes it in (`Kazde(settings, tuning=...)`, or the
`tuning` of retrieve() and of the answerers), so that the variant reaches every use of a value. How each value
was chosen, with the figures, is in docs/benchmarks.md: the section "Tuning" and the sections it names.
"""

from __future__ import annotations

from dataclasses import dataclass

# (question language, passage language) and the mean score of the sentence that holds the answer.
PairScores = tuple[tuple[tuple[str, str], float], ...]


@dataclass(frozen=True, slots=True)
class Tuning:
    """The tuned constants, one field each; frozen and hashable, so that a variant is a new object."""

    # ("Section"): the section of docs/benchmarks.md that says how a value was chosen.

    # Retrieval (service/qa/retrieval.py)
    fetch: int = 30  # chunks taken from each of the dense, keyword and second-embedder rankings
    candidates: int = 15  # fused chunks rescored by their best sentence
    w_keyword_same: float = 0.1  # keyword weight for a passage in the question's language ("Fusion weights")
    w_keyword_cross: float = 0.3  # keyword weight for a passage in another language ("Fusion weights")
    keyword_half: float = 5.0  # the BM25 score at which a passage gets half of the keyword weight
    w_second_passage: float = 8.0  # weight of the second embedder's passage cosine above second_base ("Tuning")
    same_doc_penalty: float = 0.05  # per passage already taken from the same document ("Tuning")
    near_duplicate: float = 0.8  # word-set Jaccard at or above which two passages say the same thing

    # Ranking (service/qa/ranking.py)
    w_chunk: float = 0.3  # share of a passage's own scores in its sentences' and its final score ("Fusion weights")
    w_kind: float = 0.1  # bonus for a sentence holding the kind of fact asked for (a year, a number)
    w_year: float = 0.1  # bonus for a sentence naming a year asked about, malus for naming none of them
    w_second: float = 2.0  # weight of the second embedder's sentence cosine above second_base ("Second embedder")
    second_base: float = 0.8  # the cosine the second embedder gives unrelated text ("Tuning")
    w_pair: float = 0.75  # share of the language-pair gap a cross-lingual sentence gains ("Language pairs")
    # The mean score of the relevant sentence per (question, passage) language, measured on XQuAD ("Language pairs")
    relevant_score: PairScores = (
        (("en", "en"), 0.592), (("en", "de"), 0.444), (("en", "ru"), 0.355),
        (("de", "en"), 0.428), (("de", "de"), 0.594), (("de", "ru"), 0.326),
        (("ru", "en"), 0.353), (("ru", "de"), 0.363), (("ru", "ru"), 0.534),
    )  # fmt: skip

    # Extractive answerer (service/qa/answering/extractive.py)
    abstain_below: float = 0.70  # confidence below which it abstains ("Abstention threshold", "Tuning")
    w_margin: float = 0.5  # share of the lead over the best other document in the confidence ("Tuning")
    margin_cap: float = 0.25  # the most lead that counts
    second_sentence_within: float = 0.05  # how close to the first a second quote must score ("Tuning")
    max_sentences: int = 2  # quotes in an answer
    # With the reader (service/qa/reader.py; its abstention threshold is calibrated with it, in reader.json)
    reader_passages: int = 5  # the reader chooses among the sentences of the first passages (it was trained on 5)
    reader_second_within: float = 1.0  # how close to the first a second quote's reader logit must be ("Reader")

    # Citation checker (service/qa/answering/citations.py)
    min_support: float = 0.86  # cosine of a sentence to the passage sentence that states it ("Generative answers")
    clearly_better: float = 0.05  # a passage supporting a sentence this much better takes its citation over
    min_relevance: float = 0.80  # cosine to the question below which a sentence is off the topic ("Tuning")
    echo: float = 0.97  # cosine to the question at or above which a sentence says the question back ("Tuning")

    # Generative answerer (service/qa/answering/generative.py)
    evidence_passages: int = 4  # passages shown to the model, which reads slowly ("Tuning")
    sentences_per_passage: int = 2  # sentences of each passage in its excerpt
    max_excerpt_chars: int = 360  # the length of an excerpt
    answer_within: float = 0.15  # a sentence is checked against sentences scored this close to the best one
    # ("Generative answers", "What a sentence is checked against")

    # Coverage of the names a question asks about (service/qa/coverage.py)
    same_name: float = 0.75  # SequenceMatcher ratio at which two transliterated words name the same thing
    min_name_chars: int = 3  # shorter words are not checked as names

    # Follow-up questions (service/qa/followup.py)
    short_words: int = 6  # a question of at most this many words leans on the conversation

    def relevant(self, question_language: str, passage_language: str) -> float | None:
        """The relevant sentence's mean score for this language pair (None when unmeasured)."""
        return next((s for pair, s in self.relevant_score if pair == (question_language, passage_language)), None)


DEFAULT_TUNING = Tuning()
