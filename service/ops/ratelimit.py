"""Per-client rate limiting of questions (`KAZDE_RATE_LIMIT` per minute; off unless set).

The counts live in one SQLite file under KAZDE_DATA_DIR, so every worker of a deployment (and every process
on the host) counts against the same limit. A fixed one-minute window per client address: one short write
transaction per question.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from service.errors import RateLimited

WINDOW_S = 60


class RateLimiter:
    """Counts questions per client and window; refuses those over the limit."""

    def __init__(self, path: Path, per_minute: int) -> None:
        self.per_minute = per_minute
        self.path = path
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db().execute(
            "CREATE TABLE IF NOT EXISTS hits (client TEXT, window INTEGER, count INTEGER, PRIMARY KEY (client, window))"
        )

    def check(self, client: str) -> None:
        """Count a question from `client`; raise RateLimited (429) when it is over the limit."""
        now = time.time()
        window = int(now // WINDOW_S)
        db = self._db()
        db.execute("DELETE FROM hits WHERE window < ?", (window - 1,))
        (count,) = db.execute(
            "INSERT INTO hits VALUES (?, ?, 1) ON CONFLICT (client, window) DO UPDATE SET count = count + 1 "
            "RETURNING count",
            (client, window),
        ).fetchone()
        if count > self.per_minute:
            retry = int((window + 1) * WINDOW_S - now) + 1
            raise RateLimited(
                f"Too many questions: at most {self.per_minute} a minute. Try again in {retry} s.",
                code="rate_limited",
                retry_after_s=retry,
            )

    def _db(self) -> sqlite3.Connection:
        """This thread's connection to the counts (autocommit; WAL, so that workers do not block each other)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
        return db
