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
from vectorstore.defaults import DEFAULT_EMBEDDER

__all__ = [
    "DEFAULT_EMBEDDER",
    "EmbedderMismatch",
    "Hit",
    "IndexStats",
    "Store",
    "StoreError",
    "StoreLocation",
    "StoreUnavailable",
    "make_embedder",
    "open_store",
    "passage_count",
    "read_stats",
]


def __getattr__(name: str) -> Any:
    # Lazy: the embedders import LangChain, which the no-op path of `kazde ingest` never needs.
    if name == "make_embedder":
        from vectorstore.embeddings import make_embedder

        return make_embedder
    raise AttributeError(f"module 'vectorstore' has no attribute {name!r}")
