"""Crash recovery: what a killed run leaves in the manifest, and how the next run picks it up.

Three marks make a run resumable at any point: `pending` (the documents being written, whose chunks may be of
two versions until their entry is saved), `reset_pending` (a rebuild that dropped the collection) and
`finish_pending` (the store's keyword index and second-embedder vectors, brought in line after the writes).
"""

from __future__ import annotations

import time
from pathlib import Path

from ingest.manifest import Manifest
from ingest.pipeline.planning import Work
from ingest.pipeline.writer import Writer


def carry_pending(manifest: Manifest, present: set[str]) -> list[str]:
    """Keep the documents a killed run had begun to write and no manifest entry covers; those whose file is gone
    are returned, to lose their chunks. The others stay pending until a run over their folder writes them whole."""
    carried = {d: p for d, p in manifest.pending.items() if d not in manifest.docs}
    stale = [d for d, p in carried.items() if d not in present and not Path(p).is_file()]
    manifest.pending = {d: p for d, p in carried.items() if d not in stale}
    return stale


def mark_pending(state: Writer, work: list[Work], present: set[str]) -> dict[str, str]:
    """Mark this run's documents pending (saved before any is written); the pending ones of other folders, which
    this run leaves alone, are returned."""
    manifest = state.m
    untouched = {d: p for d, p in manifest.pending.items() if d not in present}
    manifest.pending = untouched | {w.file.doc_id: str(w.file.path) for w in work}
    state.save()
    return untouched


def finish(state: Writer, untouched: dict[str, str], second_stamp: str | None) -> None:
    """After the writes: the keyword index and the second embedder's vectors brought in line, under
    `finish_pending`, so that a run killed here redoes this step even if no file changed."""
    manifest, report = state.m, state.report
    manifest.pending = untouched
    manifest.finish_pending = True
    state.save()
    state.store.sync_keyword_index()
    started = time.perf_counter()
    report.sentences = state.store.sync_sentences()
    report.sentence_seconds = time.perf_counter() - started
    state.store.drop_other_second()
    if second_stamp is not None:
        manifest.second_embedder = second_stamp
    manifest.finish_pending = False
    state.save()
