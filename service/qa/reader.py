"""The reader: how likely a sentence is to answer the question, and whether any retrieved sentence does.

A head on what ranking already computes for every candidate sentence (service/qa/ranking.py): the two embedders'
cosines (absolute, and relative to the best candidate's), the passage's score, the language pair, whether the
sentence holds the kind of fact asked for, word-stem and number overlap, and the elementwise product of the
question's and the sentence's multilingual-e5-small vectors, which lets the head weigh the dimensions that mark
"answers" apart from "is about the same thing". Trained listwise (one softmax over a question's candidates) on
XQuAD's training articles in all nine language pairs and KazQAD's training titles (`make reader`,
bench/reader.py; docs/benchmarks.md, "Reader").

Whether to answer at all is a second, small logistic model over the reader's scores of the candidates
(the best logit, its probability among them, its lead over the best sentence of another document) and
retrieval's confidence: fitted on the calibration fold of the question set, its unanswerable questions and its
answerable ones asked with their gold documents filtered out, with the regularisation chosen by
cross-validation. Both models are numbers in service/qa/reader.json; nothing here is heavy. Opt-in (KAZDE_READER=1):
on the question set's test fold it does not yet beat ranking's scores (docs/benchmarks.md, "Reader").
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).with_name("reader.json")
FORMAT = 1

# The scalar features, in the order of the head's weights.
FEATURES = (
    "use",  # the default embedder's cosine to the question
    "e5",  # multilingual-e5-small's cosine
    "use_rel",  # ... minus the best candidate's
    "e5_rel",
    "score_rel",  # ranking's composite score minus the best candidate's
    "chunk_rel",  # the passage's retrieval score minus the best passage's
    "offset",  # the language pair's offset (service/qa/ranking.py, pair_offset)
    "same_language",
    "kind",  # asks when/how many and the sentence has a year/number
    "year",  # +1 the sentence names a year asked about, -1 it names none of them, 0 no year asked
    "overlap",  # share of the question's word stems the sentence has
    "numbers",  # a number of the question recurs in the sentence
    "length",  # log of the sentence's length in characters
    "first",  # the first sentence of its passage
)
# The features of the answer-or-abstain decision, in the order of its weights.
DECISION = ("top_logit", "top_prob", "lead", "confidence")
LEAD_CAP = 5.0


@dataclass(frozen=True)
class Reader:
    """The trained head and the abstention model."""

    weights: np.ndarray  # len(FEATURES)
    product: np.ndarray  # the weights of the e5 product vector (zeros: a head without it)
    bias: float
    decision: np.ndarray  # len(DECISION)
    decision_bias: float
    mean: np.ndarray  # the decision features' standardisation
    scale: np.ndarray
    stamp: str  # the second embedder the head was trained on
    threshold: float = 0.5  # below this probability the answerer abstains (calibrated with the model)

    def logits(self, features: np.ndarray, products: np.ndarray) -> np.ndarray:
        """The reader's logit for each candidate (rows of scalar features and e5 products)."""
        return features @ self.weights + products @ self.product + self.bias

    def answer_probability(self, logits: list[float], docs: list[str], confidence: float) -> float:
        """The probability that the best of these candidates (logits, their documents) answers the question."""
        if not logits:
            return 0.0
        x = decision_features(logits, docs, confidence)
        z = ((x - self.mean) / self.scale) @ self.decision + self.decision_bias
        return 1.0 / (1.0 + math.exp(-float(np.clip(z, -50, 50))))

    def to_json(self) -> dict:
        """reader.json's content."""
        return {
            "format": FORMAT,
            "stamp": self.stamp,
            "features": list(FEATURES),
            "weights": [float(x) for x in self.weights],
            "product": [float(x) for x in self.product],
            "bias": float(self.bias),
            "decision_features": list(DECISION),
            "decision": [float(x) for x in self.decision],
            "decision_bias": float(self.decision_bias),
            "mean": [float(x) for x in self.mean],
            "scale": [float(x) for x in self.scale],
            "threshold": float(self.threshold),
        }

    @classmethod
    def from_json(cls, data: dict) -> Reader:
        """A Reader from reader.json's content; a file of another format or feature list is refused."""
        if data.get("format") != FORMAT or tuple(data.get("features", ())) != FEATURES:
            raise ValueError("reader.json was written for other features: rebuild it with `make reader`")
        return cls(
            weights=np.asarray(data["weights"], dtype=np.float32),
            product=np.asarray(data["product"], dtype=np.float32),
            bias=float(data["bias"]),
            decision=np.asarray(data["decision"], dtype=np.float64),
            decision_bias=float(data["decision_bias"]),
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            stamp=str(data["stamp"]),
            threshold=float(data["threshold"]),
        )


def decision_features(logits: list[float], docs: list[str], confidence: float) -> np.ndarray:
    """The abstention model's inputs for candidates with these reader logits (and documents)."""
    z = np.asarray(logits, dtype=np.float64)
    top = int(np.argmax(z))
    p = np.exp(z - z[top])
    others = [v for v, d in zip(z, docs, strict=True) if d != docs[top]]
    lead = LEAD_CAP if not others else min(z[top] - max(others), LEAD_CAP)
    return np.array([z[top], 1.0 / p.sum(), lead, max(confidence, -1.0)], dtype=np.float64)


@lru_cache(maxsize=1)
def load_reader(path: str | None = None) -> Reader | None:
    """The shipped reader (None when reader.json is missing: ranking's scores decide, as before)."""
    file = Path(path) if path else WEIGHTS
    if not file.is_file():
        return None
    return Reader.from_json(json.loads(file.read_text("utf-8")))
