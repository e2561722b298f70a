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
    IndexStats,
    Store,
    StoreError,
    StoreLocation,
    StoreUnavailable,
    open_store,
    passage_count,
    read_stats,
)
from vectorstore.defaults import DEFAULT_EMBEDDER, DEFAULT_SENTENCE_MODEL, sentence_stamp
from vectorstore.search import FILTER_KEYS, Candidates, Hit, HybridWeights

__all__ = [
    "DEFAULT_EMBEDDER",
    "DEFAULT_SENTENCE_MODEL",
    "FILTER_KEYS",
    "Candidates",
    "EmbedderMismatch",
    "Hit",
    "HybridWeights",
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
    "sentence_stamp",
    # Kazde's own e5 model code (loaded on first use): its serving engine and the torch definition
    "E5Engine",
    "E5_PASSAGE",
    "E5_QUERY",
    "E5_VARIANTS",
    "build_e5_encoder",
    "ensure_onnx",
    "UniversalSentenceEncoderEmbeddings",
]

_E5 = {"E5Engine": "E5Engine", "E5_PASSAGE": "PASSAGE", "E5_QUERY": "QUERY", "E5_VARIANTS": "VARIANTS"}
_E5 |= {"ensure_onnx": "ensure_onnx"}


def __getattr__(name: str) -> Any:
    # Lazy: the embedders import LangChain and the sentence index numpy; the no-op `kazde ingest` needs neither.
    if name == "SentenceIndex":
        from vectorstore.sentences import SentenceIndex

        return SentenceIndex
    if name in {"make_embedder", "make_sentence_embedder", "UniversalSentenceEncoderEmbeddings"}:
        from vectorstore import embeddings

        return getattr(embeddings, name)
    if name in _E5:
        from vectorstore import e5engine

        return getattr(e5engine, _E5[name])
    if name == "build_e5_encoder":
        from vectorstore.e5model import build_encoder

        return build_encoder
    raise AttributeError(f"module 'vectorstore' has no attribute {name!r}")
