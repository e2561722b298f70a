"""The only code that knows Chroma and the embedders: open a store, write and search passages."""

from vectorstore.chroma import (
    EmbedderMismatch,
    Hit,
    IndexStats,
    Store,
    StoreError,
    StoreLocation,
    StoreUnavailable,
    open_store,
    read_stats,
)
from vectorstore.embeddings import DEFAULT_EMBEDDER, make_embedder

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
    "read_stats",
]
