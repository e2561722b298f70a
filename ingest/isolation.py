"""Parse files in worker processes with a wall-clock timeout and a memory cap.

pypdf has a history of infinite loops and decompression bombs; a file that hangs or blows up its worker
becomes a failed file with a reason, and a fresh worker takes the next one. Workers are long-lived, so the
cost of isolation is one pipe round trip per file, not one process start.

The time limit is CPU time (RLIMIT_CPU, set afresh for each file), so a file's fate does not depend on how
busy the machine is: a 619-page PDF that parses in 15 s of CPU is not stopped because other work slowed it
to 60 s of wall clock. A worker that waits without computing (a named pipe, a stalled disk) is stopped by a
wall-clock limit of WALL_FACTOR times as long.
"""

from __future__ import annotations

import json
import logging
import math
import os
import pickle
import queue
import select
import signal
import struct
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from ingest.documents import LoadedDocument, LoadError, LoadOptions
from ingest.ocr import OcrOptions

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!Q")
WALL_FACTOR = 10  # the wall-clock backstop, in multiples of the CPU-time limit


def _send(stream: IO[bytes], obj: Any) -> None:
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    data = memoryview(_HEADER.pack(len(payload)) + payload)
    while data:  # an unbuffered stream may take part of it at a time
        written = stream.write(data)
        data = data[written if written is not None else len(data) :]
    stream.flush()


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _recv(stream: IO[bytes]) -> Any:
    (size,) = _HEADER.unpack(_read_exact(stream, _HEADER.size))
    return pickle.loads(_read_exact(stream, size))


def worker_main(memory_mb: int, cpu_s: float, ocr: OcrOptions) -> None:
    """The worker's loop: read a path, load it, answer ("ok", LoadedDocument) or ("error", reason), after any
    number of ("progress", pages done, of pages) while OCR reads the file's scanned pages.

    Each file may use `cpu_s` seconds of CPU time; past that the kernel ends the worker with SIGXCPU.
    """
    import resource

    # Ctrl-C belongs to the parent, which stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The protocol owns the real stdout; anything a library prints goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    inp = sys.stdin.buffer
    # Parsing runs ahead of embedding, which is the critical path: let the embedder have the CPU first.
    os.nice(5)
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from ingest.loaders import load

    def progress(done: int, total: int) -> None:
        _send(out, ("progress", done, total))

    options = LoadOptions(ocr=ocr, progress=progress)
    while True:
        try:
            path = _recv(inp)
        except EOFError:
            return
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_limit = math.ceil(usage.ru_utime + usage.ru_stime + cpu_s)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_limit, resource.RLIM_INFINITY))
        try:
            result: tuple[str, Any] = ("ok", load(Path(path), options))
        except LoadError as exc:
            result = ("error", str(exc))
        except MemoryError:
            result = ("error", f"parsing needed more than the memory cap of {memory_mb} MB")
        except RecursionError:
            result = ("error", "the file's structure nests too deeply to parse")
        except Exception as exc:  # a loader bug or a library failure: still a reason, never a traceback
            result = ("error", f"could not be parsed ({type(exc).__name__}: {_one_line(exc)})")
        try:
            _send(out, result)
        except MemoryError:
            _send(out, ("error", f"parsing needed more than the memory cap of {memory_mb} MB"))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200]


class _Worker:
    """A plain child process (`python -m ingest.isolation`): no re-import of the caller's __main__."""

    def __init__(self, memory_mb: int, cpu_s: float, ocr: OcrOptions) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ingest.isolation", str(memory_mb), repr(cpu_s), json.dumps(asdict(ocr))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            # Unbuffered: a worker may send several messages (OCR progress, then the result), and bytes read
            # ahead into a buffer would be invisible to select(), which waits for the next one.
            bufsize=0,
        )

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def send(self, path: str) -> None:
        assert self.process.stdin is not None
        _send(self.process.stdin, path)

    def wait_readable(self, timeout: float) -> bool:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        return bool(ready)

    def recv(self) -> Any:
        assert self.process.stdout is not None
        return _recv(self.process.stdout)

    def stop(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log.warning("parser worker %s did not stop", self.process.pid)


class ParserPool:
    """Up to `workers` parser processes; `parse()` may be called from that many threads at once.

    `timeout_s` is the CPU time one file may take to parse; the wall clock allows WALL_FACTOR times that
    between two signs of life (OCR reports each page; `ocr.file_timeout_s` bounds a file's OCR).
    """

    def __init__(
        self, *, timeout_s: float = 120.0, memory_mb: int = 2048, workers: int = 1, ocr: OcrOptions | None = None
    ) -> None:
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.ocr = ocr or OcrOptions()
        self._idle: queue.SimpleQueue[_Worker | None] = queue.SimpleQueue()
        self._all: list[_Worker] = []
        for _ in range(workers):
            self._idle.put(None)  # a slot: the worker starts on first use

    def parse(self, path: Path, on_progress: Callable[[int, int], None] | None = None) -> LoadedDocument:
        """Load one file in a worker; raise LoadError with the reason when it fails, hangs or blows up.

        `on_progress(done, total)` hears of each page OCR reads.
        """
        worker = self._idle.get()
        try:
            if worker is None or not worker.is_alive():
                worker = self._start()
            try:
                worker.send(str(path))
                while True:
                    if not worker.wait_readable(self.timeout_s * WALL_FACTOR):
                        self._discard(worker)
                        worker = None
                        raise LoadError(
                            f"parsing took longer than {self.timeout_s * WALL_FACTOR:g} s without finishing"
                            " (waiting, not computing); stopped"
                        )
                    status, *value = worker.recv()
                    if status != "progress":
                        break
                    if on_progress is not None:
                        on_progress(*value)
            except (EOFError, OSError, pickle.UnpicklingError):
                try:
                    code: int | None = worker.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    code = None
                self._discard(worker)
                worker = None
                raise LoadError(_death_reason(code, self.memory_mb, self.timeout_s)) from None
        finally:
            self._idle.put(worker)
        if status == "ok":
            return value[0]
        raise LoadError(value[0])

    def _start(self) -> _Worker:
        worker = _Worker(self.memory_mb, self.timeout_s, self.ocr)
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


def _death_reason(code: int | None, memory_mb: int, cpu_s: float) -> str:
    if code == -signal.SIGXCPU:
        return f"parsing took more than {cpu_s:g} s of CPU time; stopped"
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        return f"the parser crashed ({name}): over its {memory_mb} MB memory cap, or a damaged file"
    # An uncaught error in the worker is nearly always a MemoryError raised where it cannot be answered.
    return f"the parser failed hard (exit code {code}), most likely over its {memory_mb} MB memory cap"


if __name__ == "__main__":
    worker_main(int(sys.argv[1]), float(sys.argv[2]), OcrOptions(**json.loads(sys.argv[3])))
