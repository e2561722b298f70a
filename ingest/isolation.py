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
from pathlib import Path
from typing import IO, Any

from ingest.documents import LoadedDocument, LoadError

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!Q")
WALL_FACTOR = 10  # the wall-clock backstop, in multiples of the CPU-time limit


def _send(stream: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _recv(stream: IO[bytes]) -> Any:
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


def worker_main(memory_mb: int, cpu_s: float) -> None:
    """The worker's loop: read a path, load it, answer ("ok", LoadedDocument) or ("error", reason).

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

    while True:
        try:
            path = _recv(inp)
        except EOFError:
            return
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_limit = math.ceil(usage.ru_utime + usage.ru_stime + cpu_s)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_limit, resource.RLIM_INFINITY))
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
            _send(out, result)
        except MemoryError:
            _send(out, ("error", f"parsing needed more than the memory cap of {memory_mb} MB"))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200]


class _Worker:
    """A plain child process (`python -m ingest.isolation`): no re-import of the caller's __main__."""

    def __init__(self, memory_mb: int, cpu_s: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ingest.isolation", str(memory_mb), repr(cpu_s)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
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

    `timeout_s` is the CPU time one file may take to parse; the wall clock allows WALL_FACTOR times that.
    """

    def __init__(self, *, timeout_s: float = 120.0, memory_mb: int = 2048, workers: int = 1) -> None:
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self._idle: queue.SimpleQueue[_Worker | None] = queue.SimpleQueue()
        self._all: list[_Worker] = []
        for _ in range(workers):
            self._idle.put(None)  # a slot: the worker starts on first use

    def parse(self, path: Path) -> LoadedDocument:
        """Load one file in a worker; raise LoadError with the reason when it fails, hangs or blows up."""
        worker = self._idle.get()
        try:
            if worker is None or not worker.is_alive():
                worker = self._start()
            try:
                worker.send(str(path))
                if not worker.wait_readable(self.timeout_s * WALL_FACTOR):
                    self._discard(worker)
                    worker = None
                    raise LoadError(
                        f"parsing took longer than {self.timeout_s * WALL_FACTOR:g} s without finishing"
                        " (waiting, not computing); stopped"
                    )
                status, value = worker.recv()
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
            return value
        raise LoadError(value)

    def _start(self) -> _Worker:
        worker = _Worker(self.memory_mb, self.timeout_s)
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
    worker_main(int(sys.argv[1]), float(sys.argv[2]))
