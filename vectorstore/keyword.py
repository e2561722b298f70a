"""The keyword index: SQLite FTS5 with BM25 ranking, kept beside Chroma and written in step with it.

FTS5 is SQLite's maintained full-text engine; its `bm25()` ranks. The index lives in one file under the data
directory, is updated row by row with every upsert and delete (never rebuilt per query), and is rebuilt from
Chroma only when the two disagree in size (a new data directory, or an index from before this file existed).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ingest.text import query_terms
from vectorstore.sqlite import ThreadConnections


class KeywordIndex:
    """Passages by id, with doc_id, content hash and language, searchable by BM25.

    A plain table holds each passage's id and metadata, indexed for the lookups that writes need (by id, by
    document); the FTS5 table holds only the text, under the same rowid. An FTS5 table has no index on its
    other columns, so deleting by id there would scan every row for every passage written.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connections = ThreadConnections(path)
        db = self._db()
        with db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS passage_meta (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
                "doc_id TEXT NOT NULL, version TEXT NOT NULL, language TEXT NOT NULL)"
            )
            db.execute("CREATE INDEX IF NOT EXISTS passage_meta_doc ON passage_meta (doc_id, version)")
            db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS passage_text USING fts5("
                "text, tokenize = 'unicode61 remove_diacritics 2')"
            )

    def _db(self) -> sqlite3.Connection:
        return self._connections.get()

    def upsert(self, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> None:
        """Write passages; an id written again replaces its row."""
        db = self._db()
        with db:
            db.execute("BEGIN")
            self._delete_rowids(db, self._rowids(db, ids))
            for i, t, m in zip(ids, texts, metadatas, strict=True):
                cur = db.execute(
                    "INSERT INTO passage_meta (id, doc_id, version, language) VALUES (?, ?, ?, ?)",
                    (i, m.get("doc_id", ""), m.get("version", ""), m.get("language", "")),
                )
                db.execute("INSERT INTO passage_text (rowid, text) VALUES (?, ?)", (cur.lastrowid, t))

    def delete_document(self, doc_id: str, *, keep_version: str | None = None) -> None:
        """Delete a document's passages, except those of the version `keep_version`."""
        db = self._db()
        with db:
            db.execute("BEGIN")
            if keep_version is None:
                rows = db.execute("SELECT rowid FROM passage_meta WHERE doc_id = ?", (doc_id,))
            else:
                rows = db.execute(
                    "SELECT rowid FROM passage_meta WHERE doc_id = ? AND version != ?", (doc_id, keep_version)
                )
            self._delete_rowids(db, [r[0] for r in rows.fetchall()])

    @staticmethod
    def _rowids(db: sqlite3.Connection, ids: Sequence[str]) -> list[int]:
        out: list[int] = []
        for i in range(0, len(ids), 500):
            part = list(ids[i : i + 500])
            marks = ",".join("?" * len(part))
            out += [r[0] for r in db.execute(f"SELECT rowid FROM passage_meta WHERE id IN ({marks})", part)]
        return out

    @staticmethod
    def _delete_rowids(db: sqlite3.Connection, rowids: list[int]) -> None:
        db.executemany("DELETE FROM passage_text WHERE rowid = ?", [(r,) for r in rowids])
        db.executemany("DELETE FROM passage_meta WHERE rowid = ?", [(r,) for r in rowids])

    def search(self, query: str, k: int = 30) -> list[tuple[str, float]]:
        """Up to k (id, BM25 score) pairs, best first; higher is better."""
        terms = query_terms(query)
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
        rows = self._db().execute(
            "SELECT m.id, s.score FROM (SELECT rowid, bm25(passage_text) AS score FROM passage_text "
            "WHERE passage_text MATCH ? ORDER BY score LIMIT ?) AS s JOIN passage_meta AS m ON m.rowid = s.rowid "
            "ORDER BY s.score",
            (match, k),
        )
        return [(i, -float(score)) for i, score in rows]

    def count(self) -> int:
        """Rows in the index."""
        return int(self._db().execute("SELECT count(*) FROM passage_meta").fetchone()[0])

    def ids(self) -> set[str]:
        """Every passage id."""
        return {row[0] for row in self._db().execute("SELECT id FROM passage_meta")}

    def clear(self) -> None:
        """Remove every row."""
        db = self._db()
        with db:
            db.execute("BEGIN")
            db.execute("DELETE FROM passage_text")
            db.execute("DELETE FROM passage_meta")
