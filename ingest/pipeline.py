"""The ingest run: find files, diff them against the manifest, parse, chunk, write, report."""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ingest import manifest as mf
from ingest.chunking import CHUNK_CHARS, CHUNKER, OVERLAP_CHARS, chunk_pages
from ingest.doctype import classify
from ingest.documents import Chunk, LoadedDocument, LoadError
from ingest.isolation import ParserPool
from ingest.manifest import Entry, Manifest

log = logging.getLogger(__name__)

_FLUSH_CHUNKS = 256  # chunks embedded and written together: fewer, larger calls to the embedder and Chroma
_SAVE_EVERY_S = 2.0
_PARSE_AHEAD = 512  # at most so many documents parsed ahead of the one being embedded ...
_PARSE_AHEAD_BYTES = 64 << 20  # ... and at most so many bytes of their files


class IngestError(Exception):
    """The run itself cannot proceed (a path that does not exist, say); files that fail are not this."""


class StoreLike(Protocol):
    """What ingestion needs of the vector store."""

    def upsert(self, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> int: ...

    def delete_document(self, doc_id: str, *, keep_version: str | None = None) -> None: ...

    def warm_up(self) -> None: ...

    def sync_keyword_index(self) -> bool: ...

    def sync_sentences(self) -> int: ...


# Opens the store on first need (reset=True drops the collection first); a no-op run never calls it.
StoreOpener = Callable[[bool], StoreLike]
Progress = Callable[[int, int, str], None]


@dataclass
class IngestReport:
    """What a run did, in documents (and chunks written)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    duplicates: dict[str, str] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)
    chunks: int = 0
    sentences: int = 0  # sentences newly encoded by the second embedder
    sentence_seconds: float = 0.0
    seconds: float = 0.0
    second_upgrade: tuple[str, str] | None = None  # (old, new) second-embedder stamp, when this run re-encoded

    def as_json(self) -> dict[str, Any]:
        """The CONTRACT's summary object: counts, plus the failures and duplicates by name."""
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "removed": len(self.removed),
            "failed": len(self.failed),
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
            "sentences": self.sentences,
            "sentence_seconds": round(self.sentence_seconds, 3),
            "failures": [{"doc_id": d, "reason": r} for d, r in sorted(self.failed.items())],
            "duplicates": [{"doc_id": d, "duplicate_of": p} for d, p in sorted(self.duplicates.items())],
            "problems": {d: p for d, p in sorted(self.problems.items())},
        } | (
            {"second_embedder": dict(zip(("from", "to"), self.second_upgrade, strict=True))}
            if self.second_upgrade
            else {}
        )


@dataclass(frozen=True)
class _File:
    doc_id: str
    path: Path
    root: str


@dataclass
class _Work:
    file: _File
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


def discover(paths: Iterable[Path]) -> tuple[list[_File], dict[str, str], list[str]]:
    """Files under the given paths, ids colliding within the run, and the roots that were walked."""
    files: dict[str, _File] = {}
    clashes: dict[str, str] = {}
    roots: list[str] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise IngestError(f"no such file or folder: {raw}")
        root = path.resolve()
        roots.append(str(root))
        if root.is_file():
            found = [(root.name, root)]
        else:
            found = sorted(_walk(root))
        for doc_id, file_path in found:
            if doc_id in files and files[doc_id].path != file_path:
                clashes[doc_id] = f"doc id already taken by {files[doc_id].path} in this run"
                continue
            files[doc_id] = _File(doc_id, file_path, str(root))
    return list(files.values()), clashes, roots


def _walk(root: Path) -> Iterable[tuple[str, Path]]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            if path.is_file():
                yield path.relative_to(root).as_posix(), path


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
        )
        for index, (page, start, end) in enumerate(chunk_pages(doc.pages, size, overlap))
    ]


class _Run:
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
        self._buffer: list[tuple[_Work, LoadedDocument, list[Chunk]]] = []
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

    def index(self, work: _Work, doc: LoadedDocument | LoadError) -> None:
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
        if sum(len(c) for _, _, c in self._buffer) >= _FLUSH_CHUNKS:
            self.flush()

    def flush(self) -> None:
        if not self._buffer:
            return
        chunks = [c for _, _, cs in self._buffer for c in cs]
        self.store.upsert([c.id for c in chunks], [c.text for c in chunks], [c.metadata() for c in chunks])
        now = _now()
        for work, doc, cs in self._buffer:
            doc_id = work.file.doc_id
            # Add first, then delete the old version's chunks: a reader sees the old or the new document.
            # A document new to the index has none, unless a run that died had begun to write it.
            if not work.is_new or doc_id in self.unfinished:
                self.store.delete_document(doc_id, keep_version=cs[0].version)
            self.m.docs[doc_id] = work.entry(
                chunker=self.chunker,
                chunks=len(cs),
                pages=len(doc.pages),
                title=doc.title,
                source=doc.source,
                language=doc.language,
                doc_type=doc.doc_type,
                problems=list(doc.problems),
                indexed_at=now,
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

    def fail(self, work: _Work, reason: str) -> None:
        doc_id = work.file.doc_id
        self._drop_own_chunks(doc_id)
        self.m.docs[doc_id] = work.entry(reason=reason, chunker=self.chunker, indexed_at=_now())
        self.report.failed[doc_id] = reason

    def duplicate(self, work: _Work, of: str) -> None:
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
    diff = _diff(files, manifest, roots, clashes, chunker)
    work, removed = diff.work, diff.removed
    report.unchanged.extend(diff.unchanged)
    report.failed.update(diff.failed_before)
    # Documents a killed run had begun to write and no manifest entry covers: gone ones lose their chunks; the
    # others stay pending until a run over their folder writes them whole.
    carried = {d: p for d, p in manifest.pending.items() if d not in manifest.docs}
    stale_pending = [d for d, p in carried.items() if d not in by_id and not Path(p).is_file()]
    manifest.pending = {d: p for d, p in carried.items() if d not in stale_pending}
    upgrade = second_stamp is not None and manifest.docs and manifest.second_embedder != second_stamp
    if upgrade:
        report.second_upgrade = (manifest.second_embedder, second_stamp or "")
    needs_store = bool(
        work or removed or stale_pending or rebuild or manifest.reset_pending or manifest.finish_pending or upgrade
    )
    if not needs_store:
        if diff.touched or manifest.embedder != stamp:
            manifest.embedder = stamp
            mf.save(manifest, manifest_path)
        report.seconds = time.perf_counter() - started
        return report

    with ParserPool(timeout_s=parse_timeout_s, memory_mb=parse_memory_mb, workers=parse_workers) as pool:
        state = _Run(manifest, manifest_path, open_store, stamp, pool, report)
        state.chunking = chunking
        if rebuild or manifest.reset_pending:
            state.reset()
        for doc_id in stale_pending:
            state.store.delete_document(doc_id)
        untouched = {d: p for d, p in manifest.pending.items() if d not in by_id}
        manifest.pending = untouched | {w.file.doc_id: str(w.file.path) for w in work}
        state.save()
        _index_all(state, work, set(removed), progress)
        for doc_id in removed:
            # Last, after any renamed copy took the content over: its chunks now carry the new doc_id.
            if manifest.docs[doc_id].chunks:
                state.store.delete_document(doc_id)
            del manifest.docs[doc_id]
            report.removed.append(doc_id)
        manifest.pending = untouched
        manifest.finish_pending = True
        state.save()
        state.store.sync_keyword_index()
        sentences_started = time.perf_counter()
        report.sentences = state.store.sync_sentences()
        report.sentence_seconds = time.perf_counter() - sentences_started
        state.store.drop_other_second()
        if second_stamp is not None:
            manifest.second_embedder = second_stamp
        manifest.finish_pending = False
        state.save()
    report.seconds = time.perf_counter() - started
    return report


def _diff(
    files: list[_File],
    manifest: Manifest,
    roots: list[str],
    clashes: dict[str, str],
    chunker: str,
) -> _Diff:
    """Split the files into work to do, unchanged documents, removed documents and known failures."""
    diff = _Diff(failed_before=dict(clashes))
    present = {f.doc_id for f in files}
    diff.removed = sorted(d for d, e in manifest.docs.items() if e.root in roots and d not in present)
    gone = set(diff.removed)
    changed: list[_Work] = []
    for f in files:
        entry = manifest.docs.get(f.doc_id)
        if entry is not None and entry.root != f.root:
            diff.failed_before[f.doc_id] = (
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
                diff.touched = True
            if entry.failed:
                diff.failed_before[f.doc_id] = entry.reason
            else:
                diff.unchanged.append(f.doc_id)
            continue
        gone.add(f.doc_id)
        changed.append(_Work(f, digest, stat.st_size, stat.st_mtime_ns, entry is None))
    # A duplicate whose primary changed, went away or never got its chunks (a run died) takes the content
    # over: it is redone first, as a primary.
    promoted: list[_Work] = []
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
            promoted.append(_Work(_File(doc_id, Path(e.path), e.root), e.content_hash, e.size, e.mtime_ns, False))
            if doc_id in diff.unchanged:
                diff.unchanged.remove(doc_id)
    diff.work = promoted + changed
    return diff


@dataclass
class _Diff:
    work: list[_Work] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed_before: dict[str, str] = field(default_factory=dict)
    touched: bool = False


def _index_all(state: _Run, work: list[_Work], removed: set[str], progress: Progress | None) -> None:
    removed_or_changed = {w.file.doc_id for w in work} | removed
    primaries = {h: d for h, d in state.m.primaries().items() if d not in removed_or_changed}
    total = len(work)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kazde-ingest") as threads:
        # Open the store and load the model while the first files parse, not after.
        warm = threads.submit(lambda: state.store.warm_up())
        ahead: deque[tuple[_Work, Future[LoadedDocument] | None]] = deque()
        queue_iter = iter(work)
        ahead_bytes = 0

        def fill() -> None:
            # Parse well ahead, bounded by file bytes: the embedder works in batches of _FLUSH_CHUNKS, and with
            # only a few small files parsed ahead it sat idle while the next batch was parsed one file at a
            # time (5.6 s of a 25 s ingest).
            nonlocal ahead_bytes
            while len(ahead) < _PARSE_AHEAD and ahead_bytes < _PARSE_AHEAD_BYTES:
                w = next(queue_iter, None)
                if w is None:
                    return
                of = primaries.get(w.content_hash)
                if of is not None and of != w.file.doc_id:
                    ahead.append((w, None))
                    continue
                primaries.setdefault(w.content_hash, w.file.doc_id)
                ahead.append((w, threads.submit(state.pool.parse, w.file.path)))
                ahead_bytes += w.size

        fill()
        warm.result()
        done = 0
        while ahead:
            w, future = ahead.popleft()
            ahead_bytes -= w.size if future is not None else 0
            fill()
            if future is None:
                state.flush()  # the primary's entry must exist before a duplicate points at it
                of = primaries[w.content_hash]
                if of in state.m.docs and state.m.docs[of].chunks:
                    state.duplicate(w, of)
                else:
                    state.fail(w, f"identical to {of}, which could not be indexed")
            else:
                try:
                    state.index(w, future.result())
                except LoadError as exc:
                    state.index(w, exc)
            done += 1
            if progress is not None:
                progress(done, total, w.file.doc_id)
        state.flush()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
