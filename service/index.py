"""Opening the index the settings describe: Chroma, the keyword index and the second embedder's sentences."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from service.settings import Settings

if TYPE_CHECKING:
    from vectorstore import SentenceIndex, Store


def sentence_index(settings: Settings) -> SentenceIndex | None:
    """The sentence vectors of KAZDE_SENTENCE_MODEL, or None when it is "none"."""
    from ingest.chunking import scorable_sentences
    from vectorstore import SentenceIndex, make_sentence_embedder

    embedder = make_sentence_embedder(settings.sentence_model)
    if embedder is None:
        return None
    return SentenceIndex(settings.sentence_path, embedder, scorable_sentences)


def open_index(settings: Settings, *, reset: bool = False) -> Store:
    """The store with everything retrieval reads; `reset` empties all of it first."""
    from vectorstore import make_embedder, open_store

    embedder, stamp = make_embedder(settings.embedding_model)
    return open_store(
        settings.store_location,
        embedder,
        stamp,
        reset=reset,
        keyword_path=settings.keyword_path,
        sentences=sentence_index(settings),
    )


def index_stamp(settings: Settings) -> str:
    """The embedder stamp an ingest writes (the default's without loading it)."""
    from vectorstore import DEFAULT_EMBEDDER

    if settings.embedding_model == DEFAULT_EMBEDDER:
        return DEFAULT_EMBEDDER
    from vectorstore import make_embedder

    return make_embedder(settings.embedding_model)[1]


def index_opener(settings: Settings) -> Callable[[bool], Store]:
    """What ingest.run opens the store with: open_index for these settings."""
    return lambda reset: open_index(settings, reset=reset)
