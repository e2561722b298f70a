"""The keyword index: SQLite FTS5 with BM25 ranking, kept beside Chroma and written in step with it.

FTS5 is SQLite's maintained full-text engine; its `bm25()` ranks. The index lives in one file under the data
directory, is updated row by row with every upsert and delete (never rebuilt per query), and is rebuilt from
Chroma only when the two disagree in size (a new data directory, or an index from before this file existed).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

_WORD = re.compile(r"\w+")
# Question words and function words of the four languages: matching them says nothing about a passage.
_STOP = frozenset(
    """
    a an and are as at be by did do does for from has have how in is it its many much of on or since that the
    this to was were what when where which who whom whose why with
    am an auf aus bei das dem den der des die ein eine einem einen einer es für hat im in ist mit nach seit
    sind und vom von wann war was welche welcher welches wer wie wo wurde wurden zu zum zur
    в во для до и из или как какая какие каким каких каком какой когда кто на о об от по при с со сколько
    был была были было это что где году год
    және мен туралы қашан қандай қай кім не қанша жылы неше
    """.split()
)
MAX_TERMS = 32


def query_terms(text: str) -> list[str]:
    """The words of a question worth matching (lowercased, no stop words, no one-letter words)."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if len(word) > 1 and word not in _STOP:
            seen.setdefault(word, None)
    return list(seen)[:MAX_TERMS]


class KeywordIndex:
    """Passages by id, with doc_id, content hash and language, searchable by BM25."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS passages USING fts5("
                "id UNINDEXED, doc_id UNINDEXED, content_hash UNINDEXED, language UNINDEXED, text, "
                "tokenize = 'unicode61 remove_diacritics 2')"
            )

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            # One connection per thread; WAL lets the service read while an ingest writes.
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def upsert(self, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> None:
        """Write passages; an id written again replaces its row."""
        db = self._db()
        with db:
            db.execute("BEGIN")
            db.executemany("DELETE FROM passages WHERE id = ?", [(i,) for i in ids])
            db.executemany(
                "INSERT INTO passages (id, doc_id, content_hash, language, text) VALUES (?, ?, ?, ?, ?)",
                [
                    (i, m.get("doc_id", ""), m.get("content_hash", ""), m.get("language", ""), t)
                    for i, t, m in zip(ids, texts, metadatas, strict=True)
                ],
            )

    def delete_document(self, doc_id: str, *, keep_hash: str | None = None) -> None:
        """Delete a document's passages, except those of the version `keep_hash`."""
        db = self._db()
        with db:
            if keep_hash is None:
                db.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
            else:
                db.execute("DELETE FROM passages WHERE doc_id = ? AND content_hash != ?", (doc_id, keep_hash))

    def search(self, query: str, k: int = 30) -> list[tuple[str, float]]:
        """Up to k (id, BM25 score) pairs, best first; higher is better."""
        terms = query_terms(query)
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
        rows = self._db().execute(
            "SELECT id, bm25(passages) FROM passages WHERE passages MATCH ? ORDER BY bm25(passages) LIMIT ?",
            (match, k),
        )
        return [(i, -float(score)) for i, score in rows]

    def languages(self, ids: Iterable[str]) -> dict[str, str]:
        """The language of each passage id."""
        ids = list(ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._db().execute(f"SELECT id, language FROM passages WHERE id IN ({marks})", ids)
        return dict(rows.fetchall())

    def count(self) -> int:
        """Rows in the index."""
        return int(self._db().execute("SELECT count(*) FROM passages").fetchone()[0])

    def ids(self) -> set[str]:
        """Every passage id."""
        return {row[0] for row in self._db().execute("SELECT id FROM passages")}

    def clear(self) -> None:
        """Remove every row."""
        db = self._db()
        with db:
            db.execute("DELETE FROM passages")
