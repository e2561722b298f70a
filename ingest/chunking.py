"""Pages -> chunks that end at sentence and paragraph boundaries, with overlap, and exact page offsets.

A chunk is always a slice `page.text[start:end]`, so a quote taken from it can be found again on its page.
The size (CHUNK_CHARS) was chosen by measurement on the project's question set: see docs/benchmarks.md.
"""

from __future__ import annotations

from collections.abc import Iterator

from ingest.documents import Page
from ingest.text.sentences import Span, sentence_spans

CHUNK_CHARS = 1000
OVERLAP_CHARS = 200
# Names the chunking rules; a change to them (or to the sizes) must change it, so that an index built by other
# rules is re-chunked by the next run instead of mixing chunks of two kinds.
CHUNKER = f"s2-{CHUNK_CHARS}-{OVERLAP_CHARS}"


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
