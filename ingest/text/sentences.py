"""Sentences: a page's text split at sentence, list-item and paragraph boundaries, as offsets into it.

The one sentence splitter of Kazde: chunking cuts at these boundaries, retrieval rescores these sentences and
the answers quote them, so a quote's offsets are the same wherever they are computed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# A sentence ends at . ! ? … (optionally followed by a closing quote or bracket) before whitespace, unless the
# word before the stop is a common abbreviation (German, English, Russian) or a single letter/number ("z.", "1.").
_SENTENCE_END = re.compile(r"[.!?…][\"'»“”)\]]*\s+")
# A line that starts a list item ("- ", "• ", "1) ") starts a sentence, whatever ended the line before it
# ("... Artikel 14.\n- Gewürdigt ..." would otherwise read "14." as an ordinal and run on).
_LIST_ITEM = re.compile(r"\n(?=[ \t]*(?:[-–•*·▪]|\d{1,2}[.)])[ \t])")
_ABBREVIATIONS = frozenset(
    "z b bzw ca dr prof nr s vgl u a usw etc e g i mr mrs ms st no vol pp art abs bgbl gg jh jhd "
    "г гг т е см стр ст им др пр руб тыс млн млрд".split()
)
_PARAGRAPH = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Span:
    """A piece of a page: text[start:end], and whether a paragraph begins with it."""

    start: int
    end: int
    new_paragraph: bool = False
    paragraph_end: int = 0


def sentence_spans(text: str) -> list[Span]:
    """Split a page into sentence spans (whitespace between sentences belongs to neither)."""
    spans: list[Span] = []
    for para in _paragraphs(text):
        first = True
        for block in _list_items(text, para):
            start = block.start
            for m in _SENTENCE_END.finditer(text, block.start, block.end):
                if _is_abbreviation(text, m.start()):
                    continue
                spans.append(Span(start, m.start() + 1, first, para.end))
                first = False
                start = m.end()
            if start < block.end:
                spans.append(Span(start, block.end, first, para.end))
                first = False
    return [s for s in spans if text[s.start : s.end].strip()]


# The sentences that answering scores and quotes: long enough to say something, short enough to quote.
MIN_SENTENCE_CHARS = 20
MAX_SENTENCE_CHARS = 600


def scorable_spans(text: str) -> list[Span]:
    """The sentence spans of a text that retrieval rescores and answers quote."""
    return [s for s in sentence_spans(text) if MIN_SENTENCE_CHARS <= s.end - s.start <= MAX_SENTENCE_CHARS]


def scorable_sentences(text: str) -> list[str]:
    """The texts of `scorable_spans`."""
    return [text[s.start : s.end] for s in scorable_spans(text)]


def _paragraphs(text: str) -> Iterator[Span]:
    start = 0
    for m in _PARAGRAPH.finditer(text):
        yield _strip(text, start, m.start())
        start = m.end()
    yield _strip(text, start, len(text))


def _list_items(text: str, para: Span) -> Iterator[Span]:
    """A paragraph cut before each line that starts a list item; a paragraph without items stays whole."""
    start = para.start
    for m in _LIST_ITEM.finditer(text, para.start, para.end):
        yield _strip(text, start, m.start())
        start = m.end()
    yield _strip(text, start, para.end)


def _strip(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end, True)


def _is_abbreviation(text: str, stop: int) -> bool:
    if text[stop] != ".":
        return False
    word_start = stop
    while word_start > 0 and text[word_start - 1].isalnum():
        word_start -= 1
    word = text[word_start:stop]
    if not word:
        return False
    # Single letters ("J. S. Bach", "z.") and ordinal numbers ("26. Mai", "19. Jahrhundert") do not end
    # sentences; longer numbers ("S. 462.", "1994.") do.
    if len(word) == 1 or (word.isdigit() and len(word) <= 2):
        return True
    return word.lower() in _ABBREVIATIONS
