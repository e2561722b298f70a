"""Planning: the files against the manifest: what to (re)index, what is unchanged, removed or a duplicate."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest import manifest as mf
from ingest.manifest import Entry, Manifest
from ingest.pipeline.discovery import SourceFile


@dataclass
class Work:
    file: SourceFile
    content_hash: str
    size: int
    mtime_ns: int
    is_new: bool

    def entry(self, **fields: Any) -> Entry:
        """A manifest entry for this file, with the given outcome fields."""
        return Entry(
            root=self.file.root,
            path=str(self.file.path),
            content_hash=self.content_hash,
            size=self.size,
            mtime_ns=self.mtime_ns,
            **fields,
        )


def plan(
    files: list[SourceFile],
    manifest: Manifest,
    roots: list[str],
    clashes: dict[str, str],
    chunker: str,
) -> Plan:
    """Split the files into work to do, unchanged documents, removed documents and known failures."""
    planned = Plan(failed_before=dict(clashes))
    present = {f.doc_id for f in files}
    planned.removed = sorted(d for d, e in manifest.docs.items() if e.root in roots and d not in present)
    gone = set(planned.removed)
    changed: list[Work] = []
    for f in files:
        entry = manifest.docs.get(f.doc_id)
        if entry is not None and entry.root != f.root:
            planned.failed_before[f.doc_id] = (
                f"doc id already indexed from {entry.root}; rename the file, or run with --rebuild"
            )
            continue
        stat = f.path.stat()
        if entry is not None and entry.size == stat.st_size and entry.mtime_ns == stat.st_mtime_ns:
            digest = entry.content_hash
        else:
            digest = mf.content_hash(f.path)
        if entry is not None and entry.content_hash == digest and entry.chunker == chunker:
            if (entry.size, entry.mtime_ns, entry.path) != (stat.st_size, stat.st_mtime_ns, str(f.path)):
                entry.size, entry.mtime_ns, entry.path = stat.st_size, stat.st_mtime_ns, str(f.path)
                planned.touched = True
            if entry.failed:
                planned.failed_before[f.doc_id] = entry.reason
            else:
                planned.unchanged.append(f.doc_id)
            continue
        gone.add(f.doc_id)
        changed.append(Work(f, digest, stat.st_size, stat.st_mtime_ns, entry is None))
    # A duplicate whose primary changed, went away or never got its chunks (a run died) takes the content
    # over: it is redone first, as a primary.
    promoted: list[Work] = []
    for doc_id, e in sorted(manifest.docs.items()):
        if e.duplicate_of is None or doc_id in gone or not Path(e.path).is_file():
            continue
        primary = manifest.docs.get(e.duplicate_of)
        valid = (
            primary is not None
            and e.duplicate_of not in gone
            and primary.content_hash == e.content_hash
            and primary.chunker == chunker
            and primary.chunks > 0
        )
        if not valid:
            promoted.append(Work(SourceFile(doc_id, Path(e.path), e.root), e.content_hash, e.size, e.mtime_ns, False))
            if doc_id in planned.unchanged:
                planned.unchanged.remove(doc_id)
    planned.work = promoted + changed
    return planned


@dataclass
class Plan:
    work: list[Work] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed_before: dict[str, str] = field(default_factory=dict)
    touched: bool = False
