"""The Chroma collection behind Kazde: embedded or server client, the embedder stamp, batched writes."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

COLLECTION = "kazde_passages"
_PAGE = 5000  # rows per read when walking the whole collection


class StoreError(Exception):
    """The index cannot be used as asked; the message says what to do."""


class StoreUnavailable(StoreError):
    """Chroma cannot be reached or opened."""


class EmbedderMismatch(StoreError):
    """The index was built by another embedder than the one configured."""


@dataclass(frozen=True)
class StoreLocation:
    """An embedded index directory, or a Chroma server's host and port."""

    path: Path | None = None
    host: str = ""
    port: int = 8000

    def describe(self) -> str:
        """Where the index is, in words for messages and `kazde status`."""
        return f"chroma server http://{self.host}:{self.port}" if self.host else f"embedded {self.path}"


@dataclass(frozen=True)
class Hit:
    """One passage found by a search, with its cosine similarity to the query."""

    id: str
    text: str
    metadata: dict[str, Any]
    score: float


def _client(location: StoreLocation) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if location.host:
            return chromadb.HttpClient(host=location.host, port=location.port, settings=settings)
        assert location.path is not None
        location.path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(location.path), settings=settings)
    except Exception as exc:  # chromadb raises bare ValueError/ConnectError subclasses alike
        raise StoreUnavailable(f"cannot open the index at {location.describe()}: {_short(exc)}") from exc


class Store:
    """The passages of every indexed document, with the embedder that built them."""

    def __init__(self, client: Any, collection: Any, embedder: Embeddings, stamp: str) -> None:
        self._client = client
        self._collection = collection
        self.embedder = embedder
        self.stamp = stamp
        self._max_batch = max(1, min(client.get_max_batch_size(), 1000))

    def upsert(self, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> int:
        """Embed and write passages; writing the same id again replaces it (idempotent)."""
        if not ids:
            return 0
        vectors = self.embedder.embed_documents(list(texts))
        for i in range(0, len(ids), self._max_batch):
            j = i + self._max_batch
            self._collection.upsert(
                ids=list(ids[i:j]),
                documents=list(texts[i:j]),
                metadatas=list(metadatas[i:j]),
                embeddings=vectors[i:j],
            )
        return len(ids)

    def warm_up(self) -> None:
        """Load the embedder's model now (it loads lazily on first use otherwise)."""
        self.embedder.embed_query("warm up")

    def delete_document(self, doc_id: str, *, keep_hash: str | None = None) -> None:
        """Delete a document's passages, except those of the version with content hash `keep_hash`."""
        where: dict[str, Any] = {"doc_id": doc_id}
        if keep_hash is not None:
            where = {"$and": [{"doc_id": doc_id}, {"content_hash": {"$ne": keep_hash}}]}
        self._collection.delete(where=where)

    def search(self, query: str, k: int = 5, where: dict[str, Any] | None = None) -> list[Hit]:
        """The k passages closest to the query, best first."""
        return self.search_vector(self.embedder.embed_query(query), k, where)

    def search_vector(self, vector: Sequence[float], k: int = 5, where: dict[str, Any] | None = None) -> list[Hit]:
        """The k passages closest to an embedded query, best first."""
        try:
            res = self._collection.query(
                query_embeddings=[[float(x) for x in vector]],
                n_results=k,
                where=where or None,
                include=["documents", "metadatas", "distances"],
            )
        except Exception as exc:  # connection errors and server faults alike: the caller reports a 503
            raise StoreUnavailable(f"the index could not be searched: {_short(exc)}") from exc
        return [
            Hit(id=i, text=t, metadata=dict(m or {}), score=1.0 - float(d))
            for i, t, m, d in zip(
                res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
            )
        ]

    def iter_records(self, *, with_text: bool = False) -> Iterator[tuple[str, dict[str, Any], str | None]]:
        """Every stored passage as (id, metadata, text or None), read in pages."""
        include = ["metadatas", "documents"] if with_text else ["metadatas"]
        offset = 0
        while True:
            res = self._collection.get(include=include, limit=_PAGE, offset=offset)
            ids = res["ids"]
            if not ids:
                return
            texts = res["documents"] if with_text else [None] * len(ids)
            yield from zip(ids, (dict(m or {}) for m in res["metadatas"]), texts, strict=True)
            offset += len(ids)

    def chunk_counts(self) -> Counter[str]:
        """Passages per doc_id, as Chroma itself reports them."""
        return Counter(str(meta.get("doc_id", "")) for _, meta, _ in self.iter_records())

    def count(self) -> int:
        """The number of passages in the collection."""
        return int(self._collection.count())


def open_store(location: StoreLocation, embedder: Embeddings, stamp: str, *, reset: bool = False) -> Store:
    """Open (or create) the collection at `location`, refusing one that another embedder built."""
    client = _client(location)
    try:
        if reset:
            _drop(client)
        collection = client.get_or_create_collection(
            COLLECTION,
            metadata={"embedder": stamp, "hnsw:space": "cosine"},
            embedding_function=None,
        )
    except StoreError:
        raise
    except Exception as exc:
        raise StoreUnavailable(f"cannot open the index at {location.describe()}: {_short(exc)}") from exc
    built_by = (collection.metadata or {}).get("embedder")
    if built_by != stamp:
        raise EmbedderMismatch(
            f"the index at {location.describe()} was built with the embedder '{built_by}', but "
            f"KAZDE_EMBEDDING_MODEL selects '{stamp}'. Set KAZDE_EMBEDDING_MODEL={built_by} to use it, "
            f"or run `kazde ingest --rebuild` to rebuild it with '{stamp}'."
        )
    return Store(client, collection, embedder, stamp)


@dataclass(frozen=True)
class IndexStats:
    """What an index holds, read without an embedder: who built it and passages per document."""

    embedder: str
    chunk_counts: Counter[str]


def read_stats(location: StoreLocation) -> IndexStats:
    """The embedder stamp and per-document passage counts, as Chroma reports them (empty when no index)."""
    client = _client(location)
    try:
        collection = client.get_collection(COLLECTION)
    except Exception:  # no collection yet: an empty index, not an error
        return IndexStats(embedder="", chunk_counts=Counter())
    store = Store(client, collection, embedder=None, stamp="")  # type: ignore[arg-type]
    return IndexStats(embedder=(collection.metadata or {}).get("embedder", ""), chunk_counts=store.chunk_counts())


def _short(exc: BaseException) -> str:
    """An exception as one line of at most 300 characters, for messages people read."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _drop(client: Any) -> None:
    try:
        client.delete_collection(COLLECTION)
    except Exception as exc:  # absent already: chromadb raises NotFoundError or ValueError by version
        log.debug("no collection to drop: %s", exc)
