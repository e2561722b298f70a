"""One writer at a time: an exclusive, non-blocking lock file in the data directory."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType


class WriterBusy(Exception):
    """Another process is writing to this index."""


class WriterLock:
    """Held while an ingest writes; a second writer is refused at once, never left waiting."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "writer.lock"
        self._fd: int | None = None

    def __enter__(self) -> WriterLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise WriterBusy(f"another ingest (pid {holder}) is writing to this index; wait for it to finish") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            # The lock goes with the descriptor; the kernel drops it too when a killed writer's fd closes.
            os.close(self._fd)
            self._fd = None
