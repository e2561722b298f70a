"""The only code that knows Chroma and the embedders: open a store, write and search passages."""

from typing import Any

from vectorstore.chroma import (
    EmbedderMismatch,
    Hit,
    IndexStats,
    Store,
    StoreError,
    StoreLocation,
    StoreUnavailable,
    open_store,
    passage_count,
    read_stats,
)
from vectorstore.defaults import DEFAULT_EMBEDDER, DEFAULT_SENTENCE_MODEL

__all__ = [
    "DEFAULT_EMBEDDER",
    "DEFAULT_SENTENCE_MODEL",
    "EmbedderMismatch",
    "Hit",
    "IndexStats",
    "SentenceIndex",
    "Store",
    "StoreError",
    "StoreLocation",
    "StoreUnavailable",
    "make_embedder",
    "make_sentence_embedder",
    "open_store",
    "passage_count",
    "read_stats",
]


def __getattr__(name: str) -> Any:
    # Lazy: the embedders import LangChain and the sentence index numpy; the no-op `kazde ingest` needs neither.
    if name == "SentenceIndex":
        from vectorstore.sentences import SentenceIndex

        return SentenceIndex
    if name in {"make_embedder", "make_sentence_embedder"}:
        from vectorstore import embeddings

        return getattr(embeddings, name)
    raise AttributeError(f"module 'vectorstore' has no attribute {name!r}")
