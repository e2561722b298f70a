"""What a run reports, what it needs of the store, and its one error."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class IngestError(Exception):
    """The run itself cannot proceed (a path that does not exist, say); files that fail are not this."""


class StoreLike(Protocol):
    """What ingestion needs of the vector store."""

    def upsert(self, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> int: ...

    def delete_document(self, doc_id: str, *, keep_version: str | None = None) -> None: ...

    def remove_document(self, doc_id: str) -> int: ...

    def warm_up(self) -> None: ...

    def sync_keyword_index(self) -> bool: ...

    def sync_sentences(self) -> int: ...


# Opens the store on first need (reset=True drops the collection first); a no-op run never calls it.
StoreOpener = Callable[[bool], StoreLike]
# (files done, of files, the document at hand, and what is happening to it: "" or "OCR: page 3 of 10").
Progress = Callable[[int, int, str, str], None]


@dataclass
class IngestReport:
    """What a run did, in documents (and chunks written)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    duplicates: dict[str, str] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)
    chunks: int = 0
    sentences: int = 0  # sentences newly encoded by the second embedder
    sentence_seconds: float = 0.0
    seconds: float = 0.0
    second_upgrade: tuple[str, str] | None = None  # (old, new) second-embedder stamp, when this run re-encoded

    def as_json(self) -> dict[str, Any]:
        """The CONTRACT's summary object: counts, plus the failures and duplicates by name."""
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "removed": len(self.removed),
            "failed": len(self.failed),
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
            "sentences": self.sentences,
            "sentence_seconds": round(self.sentence_seconds, 3),
            "failures": [{"doc_id": d, "reason": r} for d, r in sorted(self.failed.items())],
            "duplicates": [{"doc_id": d, "duplicate_of": p} for d, p in sorted(self.duplicates.items())],
            "problems": {d: p for d, p in sorted(self.problems.items())},
        } | (
            {"second_embedder": dict(zip(("from", "to"), self.second_upgrade, strict=True))}
            if self.second_upgrade
            else {}
        )
