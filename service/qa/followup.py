"""Follow-up questions become standalone search queries ("and when did it enter into force?").

Without a generative model the rewrite is deterministic: a question that leans on the conversation (short,
starting with "and"/"und"/"и"/"және", or pointing back with a pronoun) is searched together with the content
words of the previous question that it does not repeat. With a model configured, the model rewrites it
(prompts/rewrite.txt) and this is the fallback.
"""

from __future__ import annotations

import re

from ingest.text import query_terms
from service.qa.tuning import DEFAULT_TUNING, Tuning

_WORD = re.compile(r"\w+")
_LEANS_BACK = re.compile(
    r"^\s*(and|but|also|und|aber|auch|и|а|также|және|ал)\b|"
    r"\b(it|its|they|them|their|this|that|there|he|she|his|her|es|sie|ihr|ihre|dies|dieses|dort|er|"
    r"он|она|оно|они|его|её|их|это|этот|эта|там|ол|оның|олар|бұл|сол)\b",
    re.I,
)


def leans_back(question: str, *, tuning: Tuning = DEFAULT_TUNING) -> bool:
    """Whether a question needs the conversation to be understood."""
    return len(_WORD.findall(question)) <= tuning.short_words or bool(_LEANS_BACK.search(question))


def rewrite(question: str, history: list[dict[str, str]], *, tuning: Tuning = DEFAULT_TUNING) -> str:
    """The standalone query for a question asked after `history` (the question itself when it stands alone)."""
    previous = next((t["content"] for t in reversed(history) if t.get("role") == "user"), "")
    if not previous or not leans_back(question, tuning=tuning):
        return question
    have = set(query_terms(question))
    carried = [w for w in query_terms(previous) if w not in have]
    if not carried:
        return question
    return f"{question} ({' '.join(carried)})"
