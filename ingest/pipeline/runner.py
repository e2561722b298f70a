"""The ingest run: find files, plan against the manifest, parse, chunk, write, finish, report."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from ingest import manifest as mf
from ingest.chunking import CHUNK_CHARS, OVERLAP_CHARS
from ingest.isolation import ParserPool
from ingest.manifest import Manifest
from ingest.ocr import OcrOptions
from ingest.pipeline.discovery import discover
from ingest.pipeline.identity import chunker_id
from ingest.pipeline.planning import plan
from ingest.pipeline.recovery import carry_pending, finish, mark_pending
from ingest.pipeline.report import IngestReport, Progress, StoreOpener
from ingest.pipeline.scheduler import index_all
from ingest.pipeline.writer import Writer


def run(
    paths: Sequence[Path],
    open_store: StoreOpener,
    manifest_path: Path,
    *,
    stamp: str,
    second_stamp: str | None = None,
    rebuild: bool = False,
    progress: Progress | None = None,
    parse_timeout_s: float = 120.0,
    parse_memory_mb: int = 2048,
    parse_workers: int = 1,
    chunking: tuple[int, int] = (CHUNK_CHARS, OVERLAP_CHARS),
    ocr: OcrOptions | None = None,
) -> IngestReport:
    """Bring the index in line with the files under `paths`; see IngestReport for what it did.

    `second_stamp` names the second embedder's vectors the index should hold: when the manifest says the last
    run wrote another's (an older engine's), the run re-encodes them even if no file changed.
    """
    started = time.perf_counter()
    report = IngestReport()
    files, clashes, roots = discover(paths)
    manifest = Manifest() if rebuild else mf.load(manifest_path)
    if manifest.embedder and manifest.embedder != stamp and not rebuild:
        open_store(False)  # refuses with the store's own message, which says what to do
    by_id = {f.doc_id: f for f in files}

    chunker = chunker_id(*chunking)
    planned = plan(files, manifest, roots, clashes, chunker)
    work, removed = planned.work, planned.removed
    report.unchanged.extend(planned.unchanged)
    report.failed.update(planned.failed_before)
    stale_pending = carry_pending(manifest, set(by_id))
    upgrade = second_stamp is not None and manifest.docs and manifest.second_embedder != second_stamp
    if upgrade:
        report.second_upgrade = (manifest.second_embedder, second_stamp or "")
    needs_store = bool(
        work or removed or stale_pending or rebuild or manifest.reset_pending or manifest.finish_pending or upgrade
    )
    if not needs_store:
        if planned.touched or manifest.embedder != stamp:
            manifest.embedder = stamp
            mf.save(manifest, manifest_path)
        report.seconds = time.perf_counter() - started
        return report

    pool = ParserPool(timeout_s=parse_timeout_s, memory_mb=parse_memory_mb, workers=parse_workers, ocr=ocr)
    with pool:
        state = Writer(manifest, manifest_path, open_store, stamp, pool, report)
        state.chunking = chunking
        if rebuild or manifest.reset_pending:
            state.reset()
        for doc_id in stale_pending:
            state.store.delete_document(doc_id)
        untouched = mark_pending(state, work, set(by_id))
        index_all(state, work, set(removed), progress)
        for doc_id in removed:
            # Last, after any renamed copy took the content over: its chunks now carry the new doc_id.
            if manifest.docs[doc_id].chunks:
                state.store.delete_document(doc_id)
            del manifest.docs[doc_id]
            report.removed.append(doc_id)
        finish(state, untouched, second_stamp)
    report.seconds = time.perf_counter() - started
    return report
