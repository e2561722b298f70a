"""Parse files in worker processes with a wall-clock timeout and a memory cap.

pypdf has a history of infinite loops and decompression bombs; a file that hangs or blows up its worker
becomes a failed file with a reason, and a fresh worker takes the next one. Workers are long-lived, so the
cost of isolation is one pipe round trip per file, not one process start.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import signal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ingest.documents import LoadedDocument, LoadError

log = logging.getLogger(__name__)


def _worker_main(conn: Connection, memory_mb: int) -> None:
    import resource

    # Ctrl-C belongs to the parent, which stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from ingest.loaders import load

    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        try:
            result: tuple[str, Any] = ("ok", load(Path(path)))
        except LoadError as exc:
            result = ("error", str(exc))
        except MemoryError:
            result = ("error", f"parsing needed more than the memory cap of {memory_mb} MB")
        except RecursionError:
            result = ("error", "the file's structure nests too deeply to parse")
        except Exception as exc:  # a loader bug or a library failure: still a reason, never a traceback
            result = ("error", f"could not be parsed ({type(exc).__name__}: {_one_line(exc)})")
        try:
            conn.send(result)
        except MemoryError:
            conn.send(("error", f"parsing needed more than the memory cap of {memory_mb} MB"))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200]


class _Worker:
    def __init__(self, ctx: Any, memory_mb: int) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, memory_mb), daemon=True)
        self.process.start()
        child.close()

    def stop(self) -> None:
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


class ParserPool:
    """Up to `workers` parser processes; `parse()` may be called from that many threads at once."""

    def __init__(self, *, timeout_s: float = 120.0, memory_mb: int = 2048, workers: int = 1) -> None:
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        # spawn, not fork: the parent may hold a model and Chroma's threads, which a fork would copy and break.
        self._ctx = mp.get_context("spawn")
        self._idle: queue.SimpleQueue[_Worker | None] = queue.SimpleQueue()
        self._all: list[_Worker] = []
        for _ in range(workers):
            self._idle.put(None)  # a slot: the worker starts on first use

    def parse(self, path: Path) -> LoadedDocument:
        """Load one file in a worker; raise LoadError with the reason when it fails, hangs or blows up."""
        worker = self._idle.get()
        try:
            if worker is None or not worker.process.is_alive():
                worker = self._start()
            worker.conn.send(str(path))
            if not worker.conn.poll(self.timeout_s):
                self._discard(worker)
                worker = None
                raise LoadError(f"parsing took longer than {self.timeout_s:g} s; stopped")
            try:
                status, value = worker.conn.recv()
            except (EOFError, OSError):
                code = worker.process.exitcode if worker.process.join(timeout=5) is None else None
                self._discard(worker)
                worker = None
                raise LoadError(_death_reason(code, self.memory_mb)) from None
        finally:
            self._idle.put(worker)
        if status == "ok":
            return value
        raise LoadError(value)

    def _start(self) -> _Worker:
        worker = _Worker(self._ctx, self.memory_mb)
        self._all.append(worker)
        return worker

    def _discard(self, worker: _Worker) -> None:
        worker.stop()
        if worker in self._all:
            self._all.remove(worker)

    def close(self) -> None:
        """Stop every worker."""
        for worker in self._all:
            worker.stop()
        self._all.clear()

    def __enter__(self) -> ParserPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _death_reason(code: int | None, memory_mb: int) -> str:
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        return f"the parser crashed ({name}); over its {memory_mb} MB memory cap, or a damaged file"
    return f"the parser stopped unexpectedly (exit code {code})"
