"""The values that flow through ingestion: pages out of a loader, chunks into the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.ocr import OcrOptions
from ingest.text.years import years_in


class LoadError(Exception):
    """A file that cannot be indexed; the message is the one-line reason shown to the user."""


@dataclass(frozen=True)
class Page:
    """One unit of text of a document: a PDF page (numbered from 1), a whole text file (number None), or a
    section of a format without pages (Word, OpenDocument, EPUB: number None, `section` its heading)."""

    text: str
    number: int | None = None
    section: str = ""
    ocr: float | None = None  # read from an image by OCR, with this mean confidence (0..1)


@dataclass(frozen=True)
class LoadOptions:
    """What a loader may be told besides the file: a PDF's password, how scans are read, and whom to tell
    how far OCR has got (pages done, of how many)."""

    password: str | None = None
    ocr: OcrOptions = field(default_factory=OcrOptions)
    progress: Callable[[int, int], None] | None = None


@dataclass
class LoadedDocument:
    """What a loader makes of one file: its pages, its metadata and the problems met on the way."""

    pages: list[Page]
    title: str = ""
    source: str = ""
    language: str = ""
    doc_type: str = ""
    # One line each, such as "page 3: unreadable (garbage text: glyph names)"; the file is still indexed.
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Chunk:
    """A passage ready for the store; its id derives from the document's content hash and its position."""

    id: str
    text: str
    doc_id: str
    title: str
    source: str
    language: str
    page: int | None
    chunk_index: int
    start: int
    end: int
    content_hash: str
    doc_type: str = ""
    version: str = ""  # content hash and chunker together: which cut of which content this chunk belongs to
    section: str = ""  # the heading the passage stands under, where the format has no pages
    ocr: float | None = None  # the OCR confidence of its page, when the page was read from an image

    def metadata(self) -> dict[str, str | int]:
        """The chunk's metadata as Chroma stores it (no None values: a missing page is left out)."""
        meta: dict[str, str | int] = {
            "doc_id": self.doc_id,
            "title": self.title,
            "source": self.source,
            "language": self.language,
            "chunk_index": self.chunk_index,
            "start": self.start,
            "end": self.end,
            "content_hash": self.content_hash,
            "version": self.version,
            "doc_type": self.doc_type,
        }
        if self.page is not None:
            meta["page"] = self.page
        if self.section:
            meta["section"] = self.section
        if self.ocr is not None:
            meta["ocr"] = self.ocr
        years = years_in(self.text)
        if years:
            # The range of years the passage mentions, for year filters (Chroma has no list-valued metadata).
            meta["year_min"], meta["year_max"] = years[0], years[-1]
        return meta
