"""What is indexed: one entry per document (content hash, chunks, duplicate of, failure), written atomically.

The manifest only ever lags behind Chroma, never runs ahead of it: an entry is written after its chunks are
stored. Since chunk ids derive from content hash and position, redoing a document it lags on rewrites the
same ids, so a run killed at any point is finished by the next one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

VERSION = 1


@dataclass
class Entry:
    """One file known to the index: indexed (chunks > 0), a duplicate of another, or failed (reason)."""

    root: str
    path: str
    content_hash: str
    size: int = 0
    mtime_ns: int = 0
    chunks: int = 0
    pages: int = 0
    title: str = ""
    source: str = ""
    language: str = ""
    doc_type: str = ""
    duplicate_of: str | None = None
    reason: str = ""
    chunker: str = ""  # the chunking rules its chunks were cut by (ingest.chunking.CHUNKER)
    problems: list[str] = field(default_factory=list)
    indexed_at: str = ""

    @property
    def failed(self) -> bool:
        """Whether the file could not be indexed."""
        return bool(self.reason)


@dataclass
class Manifest:
    """Every known document by doc_id, the embedder stamp, and the intent of a run in progress."""

    embedder: str = ""
    store: str = ""
    docs: dict[str, Entry] = field(default_factory=dict)
    # doc_id -> file of every document a run is about to write: if the run dies, the next one knows which
    # documents may hold chunks the manifest does not list, and deletes them once no file claims them.
    pending: dict[str, str] = field(default_factory=dict)
    # Set before a rebuild drops the collection, cleared after: a run that finds it set drops it again.
    reset_pending: bool = False
    # Set before the run's last step (the second embedder's sentence and passage vectors), cleared after: a run
    # killed during it leaves it set, and the next run finishes that step even when no file changed.
    finish_pending: bool = False
    # The stamp of the second embedder whose vectors the last finished run wrote (vectorstore.defaults.sentence_stamp).
    second_embedder: str = ""

    def primaries(self) -> dict[str, str]:
        """content hash -> doc_id of the document whose chunks hold that content."""
        return {
            e.content_hash: doc_id
            for doc_id, e in self.docs.items()
            if not e.failed and e.duplicate_of is None and e.chunks > 0
        }


def load(path: Path) -> Manifest:
    """Read the manifest; a missing file is an empty index."""
    try:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Manifest()
    if raw.get("version") != VERSION:
        raise ValueError(f"{path}: manifest version {raw.get('version')!r} is not {VERSION}; rebuild the index")
    return Manifest(
        embedder=raw.get("embedder", ""),
        store=raw.get("store", ""),
        docs={k: Entry(**v) for k, v in raw.get("docs", {}).items()},
        pending=dict(raw.get("pending", {})),
        reset_pending=bool(raw.get("reset_pending", False)),
        finish_pending=bool(raw.get("finish_pending", False)),
        second_embedder=str(raw.get("second_embedder", "")),
    )


def save(manifest: Manifest, path: Path) -> None:
    """Write the manifest atomically: readers see the old or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "version": VERSION,
        "embedder": manifest.embedder,
        "store": manifest.store,
        "reset_pending": manifest.reset_pending,
        "finish_pending": manifest.finish_pending,
        "second_embedder": manifest.second_embedder,
        "pending": manifest.pending,
        "docs": {k: asdict(v) for k, v in sorted(manifest.docs.items())},
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".manifest-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def content_hash(path: Path) -> str:
    """sha256 of the file's bytes, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
