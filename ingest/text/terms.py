"""Terms: the words of a text worth matching, their stems, its numbers (keyword search, follow-ups, the reader)."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
# Question words and function words of the four languages: matching them says nothing about a passage.
_STOP = frozenset(
    """
    a an and are as at be by did do does for from has have how in is it its many much of on or since that the
    this to was were what when where which who whom whose why with
    am an auf aus bei das dem den der des die ein eine einem einen einer es für hat im in ist mit nach seit
    sind und vom von wann war was welche welcher welches wer wie wo wurde wurden zu zum zur
    в во для до и из или как какая какие каким каких каком какой когда кто на о об от по при с со сколько
    был была были было это что где году год
    және мен туралы қашан қандай қай кім не қанша жылы неше
    """.split()
)
MAX_TERMS = 32


def query_terms(text: str) -> list[str]:
    """The words of a question worth matching (lowercased, no stop words, no one-letter words)."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if len(word) > 1 and word not in _STOP:
            seen.setdefault(word, None)
    return list(seen)[:MAX_TERMS]


_NUMBER = re.compile(r"\d+")
STEM = 5  # characters: one stem for German, Russian and Kazakh inflections of a word


def stems(text: str) -> set[str]:
    """The word stems of a text (words of 4+ characters cut to STEM), for overlap."""
    return {w[:STEM] for w in _WORD.findall(text.lower()) if len(w) >= 4 and not w.isdigit()}


def numbers(text: str) -> set[str]:
    """The numbers a text writes."""
    return set(_NUMBER.findall(text))
