"""Names a question asks about that no retrieved passage mentions: then the documents do not answer it.

Embedders judge topics, not names: "How many students came to Kazakhstan with Erasmus+?" lands on passages
about students in Kazakhstan, close enough to answer from, though no document mentions Erasmus+. Names that
keep their spelling across the corpus's languages are checked word by word: acronyms in Latin script (DAAD,
DKU, PASCH) and Latin-script words in a Cyrillic question. A name counts as mentioned when a passage holds a
word that reads the same after transliteration, allowing small spelling differences (OSCE/OSZE,
Erasmus/Эразмус). Cyrillic acronyms are left out: ФРГ, СССР and КазНУ are written differently in German and
English passages.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import cache

from service.qa.tuning import DEFAULT_TUNING, Tuning

_TOKEN = re.compile(r"[^\W_]+\+*")  # words split at hyphens, keeping a trailing "+" (Erasmus+)
_LATIN = re.compile(r"^[A-Za-z][A-Za-z0-9]*\+*$")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі",
        "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch - y - e yu ya a g k n o u u h i".split(),
        strict=True,
    )
)


@cache
def _latin(word: str) -> str:
    """Lowercase, no diacritics, Cyrillic transliterated, '+' dropped."""
    word = unicodedata.normalize("NFKD", word.lower())
    out = []
    for ch in word:
        if unicodedata.combining(ch) or ch == "+":
            continue
        t = _TRANSLIT.get(ch, ch)
        out.append("" if t == "-" else t)
    return "".join(out)


def names_in(question: str, *, tuning: Tuning = DEFAULT_TUNING) -> list[str]:
    """The words of a question that name something and keep their spelling across languages."""
    cyrillic = bool(_CYRILLIC.search(question))
    names: dict[str, None] = {}
    for token in _TOKEN.findall(question):
        if len(token.rstrip("+")) < tuning.min_name_chars or not _LATIN.match(token):
            continue
        acronym = sum(ch.isupper() for ch in token) >= 2
        if acronym or cyrillic:
            names.setdefault(token, None)
    return list(names)


def _mentioned(name: str, words: set[str], same_name: float) -> bool:
    target = _latin(name)
    if target in words:
        return True
    return any(
        SequenceMatcher(None, target, w).ratio() >= same_name
        for w in words
        if abs(len(w) - len(target)) <= max(2, len(target) // 3)
    )


def unmentioned_names(question: str, texts: list[str], *, tuning: Tuning = DEFAULT_TUNING) -> list[str]:
    """The names in the question that none of the texts mentions."""
    names = names_in(question, tuning=tuning)
    if not names:
        return []
    words = {_latin(t) for text in texts for t in _TOKEN.findall(text)}
    return [n for n in names if not _mentioned(n, words, tuning.same_name)]
