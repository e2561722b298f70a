"""Sentence vectors from a second multilingual embedder, computed at ingest and read when answering.

Retrieval ranks a passage by its best sentence (service/qa/ranking.py). Scoring that sentence with two different
multilingual embedders, the default one and multilingual-e5-small, finds the answering sentence more often
than either alone, across languages and in Kazakh above all, where the default embedder is weak
(docs/benchmarks.md, "Second embedder"). The small e5 model encodes ~100 sentences a second here: too slow
for the candidates of every question, fast enough for every sentence once, at ingest.

The vectors are a pure function of the sentence text and the model, so the table is content-addressed: a
sentence shared by many passages or documents is stored once, an entry never goes stale, and a sentence the
table lacks (an index built before it existed) is encoded when first asked for and kept in memory.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vectorstore.sqlite import ThreadConnections

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

_BATCH = 64
_LOOKUP = 500  # ids per SQL lookup


def _key(sentence: str) -> str:
    return hashlib.blake2b(sentence.encode(), digest_size=16).hexdigest()


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / (np.linalg.norm(vectors, axis=-1, keepdims=True) + 1e-9)


class SentenceIndex:
    """Unit vectors of sentences by one embedder, in a SQLite file shared by every process of a deployment."""

    def __init__(
        self,
        path: Path,
        embedder: Embeddings,
        split: Callable[[str], list[str]],
        *,
        stamp: str = "",
        memory_size: int = 50_000,
    ) -> None:
        self.path = path
        self.stamp = stamp  # what identifies the embedder's vectors (vectorstore.defaults.sentence_stamp)
        self.embedder = embedder
        self.split = split
        self._connections = ThreadConnections(path)
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._memory_size = memory_size
        self._lock = threading.Lock()
        db = self._db()
        with db:
            db.execute("CREATE TABLE IF NOT EXISTS sentence_vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")

    def _db(self) -> sqlite3.Connection:
        return self._connections.get()

    def index(self, texts: Iterable[str]) -> int:
        """Store the vectors of the passages' sentences that the table lacks; the number encoded."""
        sentences = {_key(s): s for text in texts for s in self.split(text)}
        stored = self._stored(list(sentences))  # once: asked per sentence, it made large ingests quadratic
        missing = [k for k in sentences if k not in stored]
        for i in range(0, len(missing), _BATCH):
            keys = missing[i : i + _BATCH]
            vectors = _unit(self.embedder.embed_documents([sentences[k] for k in keys]))
            db = self._db()
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO sentence_vectors (key, vector) VALUES (?, ?)",
                    [(k, v.tobytes()) for k, v in zip(keys, vectors, strict=True)],
                )
        return len(missing)

    def _stored(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        db = self._db()
        for i in range(0, len(keys), _LOOKUP):
            part = list(keys[i : i + _LOOKUP])
            marks = ",".join("?" * len(part))
            for key, blob in db.execute(f"SELECT key, vector FROM sentence_vectors WHERE key IN ({marks})", part):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def vectors(self, sentences: Sequence[str]) -> np.ndarray:
        """Unit vectors of the sentences, in order: from memory, the table, or encoded now (kept in memory)."""
        keys = [_key(s) for s in sentences]
        with self._lock:
            found = {k: self._memory[k] for k in keys if k in self._memory}
            for k in found:
                self._memory.move_to_end(k)
        rest = [k for k in dict.fromkeys(keys) if k not in found]
        if rest:
            found |= self._stored(rest)
            new = [k for k in rest if k not in found]
            if new:
                text = {k: s for k, s in zip(keys, sentences, strict=True)}
                found |= dict(zip(new, _unit(self.embedder.embed_documents([text[k] for k in new])), strict=True))
            with self._lock:
                for k in rest:
                    self._memory[k] = found[k]
                while len(self._memory) > self._memory_size:
                    self._memory.popitem(last=False)
        if not keys:
            return np.zeros((0, 1), dtype=np.float32)
        return np.stack([found[k] for k in keys])

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of whole passages by the same embedder (encoded now: the store keeps them)."""
        return _unit(self.embedder.embed_documents(list(texts)))

    def query(self, text: str) -> np.ndarray:
        """The question's unit vector."""
        return _unit(self.embedder.embed_query(text))

    def forget(self, texts: Iterable[str], keep: Iterable[str]) -> int:
        """Drop the stored sentences of `texts` that none of the `keep` texts holds (a removed document's, which
        no other passage shares); the number dropped."""
        gone = {_key(s) for text in texts for s in self.split(text)}
        for text in keep:
            if not gone:
                break
            gone.difference_update(_key(s) for s in self.split(text))
        keys = list(gone)
        db = self._db()
        with db:
            for i in range(0, len(keys), _LOOKUP):
                part = keys[i : i + _LOOKUP]
                db.execute(f"DELETE FROM sentence_vectors WHERE key IN ({','.join('?' * len(part))})", part)
        with self._lock:
            for key in keys:
                self._memory.pop(key, None)
        return len(keys)

    def count(self) -> int:
        """Sentences stored."""
        return int(self._db().execute("SELECT count(*) FROM sentence_vectors").fetchone()[0])

    def clear(self) -> None:
        """Forget every stored vector."""
        db = self._db()
        with db:
            db.execute("DELETE FROM sentence_vectors")
        with self._lock:
            self._memory.clear()
