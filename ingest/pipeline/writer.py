"""The buffered writer: chunks upserted in batches, the old version deleted after, the manifest saved as it goes."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from ingest import manifest as mf
from ingest.chunking import CHUNK_CHARS, OVERLAP_CHARS
from ingest.doctype import classify
from ingest.documents import Chunk, LoadedDocument, LoadError
from ingest.isolation import ParserPool
from ingest.manifest import Manifest
from ingest.pipeline.identity import chunker_id, make_chunks
from ingest.pipeline.planning import Work
from ingest.pipeline.report import IngestReport, StoreLike, StoreOpener

FLUSH_CHUNKS = 256  # chunks embedded and written together: fewer, larger calls to the embedder and Chroma
_SAVE_EVERY_S = 2.0


class Writer:
    def __init__(
        self,
        manifest: Manifest,
        manifest_path: Path,
        open_store: StoreOpener,
        stamp: str,
        pool: ParserPool,
        report: IngestReport,
    ) -> None:
        self.m = manifest
        self.path = manifest_path
        self._open = open_store
        self._store: StoreLike | None = None
        self.stamp = stamp
        self.pool = pool
        self.report = report
        self._saved_at = time.monotonic()
        self._buffer: list[tuple[Work, LoadedDocument, list[Chunk]]] = []
        self.chunking = (CHUNK_CHARS, OVERLAP_CHARS)
        # doc_ids an earlier run had begun to write when it died: they may hold chunks of another version.
        self.unfinished: set[str] = set(manifest.pending)

    @property
    def chunker(self) -> str:
        return chunker_id(*self.chunking)

    @property
    def store(self) -> StoreLike:
        if self._store is None:
            self._store = self._open(False)
        return self._store

    def reset(self) -> None:
        self.m.reset_pending = True
        self.m.docs.clear()
        self.m.pending = {}
        self.save()
        self._store = self._open(True)
        self.m.reset_pending = False
        self.save()

    def save(self, *, force: bool = True) -> None:
        if force or time.monotonic() - self._saved_at > _SAVE_EVERY_S:
            self.m.embedder = self.stamp
            mf.save(self.m, self.path)
            self._saved_at = time.monotonic()

    def index(self, work: Work, doc: LoadedDocument | LoadError) -> None:
        doc_id = work.file.doc_id
        if isinstance(doc, LoadError):
            self.fail(work, str(doc))
            return
        doc.doc_type = doc.doc_type or classify(doc.title, doc.source)
        chunks = make_chunks(doc_id, doc, work.content_hash, *self.chunking)
        if not chunks:
            self.fail(work, "no text to index")
            return
        self._buffer.append((work, doc, chunks))
        if sum(len(c) for _, _, c in self._buffer) >= FLUSH_CHUNKS:
            self.flush()

    def flush(self) -> None:
        if not self._buffer:
            return
        chunks = [c for _, _, cs in self._buffer for c in cs]
        self.store.upsert([c.id for c in chunks], [c.text for c in chunks], [c.metadata() for c in chunks])
        stamped = _now()
        for work, doc, cs in self._buffer:
            doc_id = work.file.doc_id
            # Add first, then delete the old version's chunks: a reader sees the old or the new document.
            # A document new to the index has none, unless a run that died had begun to write it.
            if not work.is_new or doc_id in self.unfinished:
                self.store.delete_document(doc_id, keep_version=cs[0].version)
            self.m.docs[doc_id] = work.entry(
                chunker=self.chunker,
                chunks=len(cs),
                # Sections are not pages: a Word, OpenDocument or EPUB file has none to count.
                pages=0 if any(page.section for page in doc.pages) else len(doc.pages),
                title=doc.title,
                source=doc.source,
                language=doc.language,
                doc_type=doc.doc_type,
                problems=list(doc.problems),
                indexed_at=stamped,
            )
            (self.report.added if work.is_new else self.report.updated).append(doc_id)
            if doc.problems:
                self.report.problems[doc_id] = list(doc.problems)
        self.report.chunks += len(chunks)
        self._buffer.clear()
        self.save(force=False)

    def _drop_own_chunks(self, doc_id: str) -> None:
        old = self.m.docs.get(doc_id)
        if old is not None and old.chunks:
            self.store.delete_document(doc_id)

    def fail(self, work: Work, reason: str) -> None:
        doc_id = work.file.doc_id
        self._drop_own_chunks(doc_id)
        self.m.docs[doc_id] = work.entry(reason=reason, chunker=self.chunker, indexed_at=_now())
        self.report.failed[doc_id] = reason

    def duplicate(self, work: Work, of: str) -> None:
        doc_id = work.file.doc_id
        self._drop_own_chunks(doc_id)
        primary = self.m.docs[of]
        self.m.docs[doc_id] = work.entry(
            chunker=self.chunker,
            pages=primary.pages,
            title=primary.title,
            source=primary.source,
            language=primary.language,
            doc_type=primary.doc_type,
            duplicate_of=of,
            indexed_at=_now(),
        )
        (self.report.added if work.is_new else self.report.updated).append(doc_id)
        self.report.duplicates[doc_id] = of


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
