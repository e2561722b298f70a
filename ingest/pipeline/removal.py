"""Taking a document out of the index: its passages from every index and its manifest entry.

The caller holds the writer lock (ingest.lock) and decides about the file itself: a document of an ingested
folder comes back with the next ingest of that folder unless its file goes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ingest import manifest as mf
from ingest.pipeline.report import StoreOpener


@dataclass
class Removal:
    """What removing one document did."""

    doc_id: str
    root: str  # the folder (or file) it was ingested from
    path: str  # its file
    passages: int = 0
    # Other files with the same content, listed as its duplicates: their entries go too, so that the next ingest
    # of their folder indexes one of them as a document of its own.
    duplicates: list[str] = field(default_factory=list)


def remove(doc_id: str, open_store: StoreOpener, manifest_path: Path) -> Removal | None:
    """Remove a document from the index and the manifest; None when the manifest does not know it."""
    manifest = mf.load(manifest_path)
    entry = manifest.docs.get(doc_id)
    if entry is None:
        return None
    removal = Removal(doc_id, entry.root, entry.path)
    if entry.chunks and not entry.failed:
        removal.passages = open_store(False).remove_document(doc_id)  # type: ignore[attr-defined]
    removal.duplicates = sorted(d for d, e in manifest.docs.items() if e.duplicate_of == doc_id)
    for gone in [doc_id, *removal.duplicates]:
        del manifest.docs[gone]
        manifest.pending.pop(gone, None)
    mf.save(manifest, manifest_path)
    return removal
