"""The SQLite files beside Chroma (keyword index, sentence vectors): one connection per thread, in WAL mode."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class ThreadConnections:
    """Hands each thread its own connection to one file; WAL lets the service read while an ingest writes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)

    def get(self) -> sqlite3.Connection:
        """This thread's connection (autocommit unless a transaction is opened)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db
