"""Chunk identity: which cut of which content a chunk is, so that one version's chunks are replaced together."""

from __future__ import annotations

from ingest.chunking import CHUNK_CHARS, CHUNKER, OVERLAP_CHARS, chunk_pages
from ingest.documents import Chunk, LoadedDocument


def chunker_id(size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS) -> str:
    """The name of the chunking rules with these sizes."""
    return CHUNKER if (size, overlap) == (CHUNK_CHARS, OVERLAP_CHARS) else f"{CHUNKER}-{size}-{overlap}"


def version_of(content_hash: str, chunker: str = CHUNKER) -> str:
    """Which cut of which content: chunks of one version are replaced together."""
    return f"{content_hash[:24]}-{chunker}"


def make_chunks(
    doc_id: str, doc: LoadedDocument, content_hash: str, size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS
) -> list[Chunk]:
    """The chunks of a loaded document, ids from its content hash, the chunker and their position."""
    version = version_of(content_hash, chunker_id(size, overlap))
    return [
        Chunk(
            id=f"{version}-{index:05d}",
            text=page.text[start:end],
            doc_id=doc_id,
            title=doc.title,
            source=doc.source,
            language=doc.language,
            page=page.number,
            chunk_index=index,
            start=start,
            end=end,
            content_hash=content_hash,
            doc_type=doc.doc_type,
            version=version,
            section=page.section,
            ocr=page.ocr,
        )
        for index, (page, start, end) in enumerate(chunk_pages(doc.pages, size, overlap))
    ]
