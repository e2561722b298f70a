"""The only code that knows Chroma and the embedders: open a store, write and search passages."""

import os
from typing import Any

# The two embedders take turns on the same cores for every question. OpenMP threads that spin while they wait
# (the default) take the cores from the other model: a question's e5 encoding took 47 ms instead of 16, and
# retrieval p95 was 134 ms instead of 60 at 300 chunks (docs/benchmarks.md, "Scale"). Set before any model
# library loads its OpenMP runtime; an explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

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
