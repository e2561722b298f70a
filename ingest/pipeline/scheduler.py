"""The parse-ahead scheduler: files parse in worker processes ahead of the document being written."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from ingest.documents import LoadedDocument, LoadError
from ingest.pipeline.planning import Work
from ingest.pipeline.report import Progress
from ingest.pipeline.writer import Writer

_PARSE_AHEAD = 512  # at most so many documents parsed ahead of the one being embedded ...
_PARSE_AHEAD_BYTES = 64 << 20  # ... and at most so many bytes of their files


def index_all(state: Writer, work: list[Work], removed: set[str], progress: Progress | None) -> None:
    removed_or_changed = {w.file.doc_id for w in work} | removed
    primaries = {h: d for h, d in state.m.primaries().items() if d not in removed_or_changed}
    total = len(work)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kazde-ingest") as threads:
        # Open the store and load the model while the first files parse, not after.
        warm = threads.submit(lambda: state.store.warm_up())
        ahead: deque[tuple[Work, Future[LoadedDocument] | None]] = deque()
        queue_iter = iter(work)
        ahead_bytes = 0

        def fill() -> None:
            # Parse well ahead, bounded by file bytes: the embedder works in batches of FLUSH_CHUNKS, and with
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
                ahead.append((w, threads.submit(state.pool.parse, w.file.path, pages(w.file.doc_id))))
                ahead_bytes += w.size

        done = 0

        def pages(doc_id: str) -> Callable[[int, int], None] | None:
            """What tells `progress` of the pages OCR reads in one file."""
            if progress is None:
                return None
            return lambda read, of: progress(done, total, doc_id, f"OCR: page {min(read + 1, of)} of {of}")

        fill()
        warm.result()
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
                progress(done, total, w.file.doc_id, "")
        state.flush()
