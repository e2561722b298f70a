"""Pages -> chunks that end at sentence and paragraph boundaries, with overlap, and exact page offsets.

A chunk is always a slice `page.text[start:end]`, so a quote taken from it can be found again on its page.
The size (CHUNK_CHARS) was chosen by measurement on the project's question set: see docs/benchmarks.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ingest.documents import Page

CHUNK_CHARS = 1000
OVERLAP_CHARS = 200
# Names the chunking rules; a change to them (or to the sizes) must change it, so that an index built by other
# rules is re-chunked by the next run instead of mixing chunks of two kinds.
CHUNKER = f"s2-{CHUNK_CHARS}-{OVERLAP_CHARS}"
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


def _pieces(text: str, span: Span, size: int) -> list[Span]:
    """Cut a sentence longer than `size` at word boundaries."""
    out: list[Span] = []
    start = span.start
    while span.end - start > size:
        cut = text.rfind(" ", start + size // 2, start + size)
        cut = cut if cut > start else start + size
        out.append(Span(start, cut, span.new_paragraph and start == span.start, span.paragraph_end))
        start = cut
        while start < span.end and text[start].isspace():
            start += 1
    if start < span.end:
        out.append(Span(start, span.end, span.new_paragraph and start == span.start, span.paragraph_end))
    return out


def chunk_page(text: str, size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS) -> list[tuple[int, int]]:
    """(start, end) offsets of the chunks of one page's text."""
    units = [p for s in sentence_spans(text) for p in _pieces(text, s, size)]
    chunks: list[tuple[int, int]] = []
    current: list[Span] = []
    for unit in units:
        if current:
            length = unit.end - current[0].start
            full = length > size
            # Rather end at a paragraph than cut the next one in two, once the chunk has some body.
            at_paragraph = (
                unit.new_paragraph
                and unit.paragraph_end - current[0].start > size
                and current[-1].end - current[0].start >= size * 0.4
            )
            if full or at_paragraph:
                chunks.append((current[0].start, current[-1].end))
                current = _overlap(current, overlap) if full and not unit.new_paragraph else []
                # Keep the overlap only while the next unit still fits beside it.
                while current and unit.end - current[0].start > size:
                    current = current[1:]
        current.append(unit)
    if current:
        chunks.append((current[0].start, current[-1].end))
    return chunks


def _overlap(units: list[Span], overlap: int) -> list[Span]:
    kept: list[Span] = []
    total = 0
    for unit in reversed(units[1:]):
        total += unit.end - unit.start
        if total > overlap:
            break
        kept.insert(0, unit)
    return kept


def chunk_pages(
    pages: list[Page], size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS
) -> Iterator[tuple[Page, int, int]]:
    """Every chunk of a document as (page, start, end), in reading order."""
    for page in pages:
        for start, end in chunk_page(page.text, size, overlap):
            yield page, start, end
