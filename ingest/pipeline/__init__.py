"""The ingest pipeline, in its parts: discovery → planning → the parse-ahead scheduler → the buffered writer,
with chunk identity, crash recovery and the report beside them. `run` (runner.py) is the one entry; `remove`
takes a document out."""

from ingest.pipeline.identity import chunker_id, make_chunks, version_of
from ingest.pipeline.removal import Removal, remove
from ingest.pipeline.report import IngestError, IngestReport, Progress, StoreLike, StoreOpener
from ingest.pipeline.runner import run

__all__ = [
    "IngestError",
    "IngestReport",
    "Progress",
    "Removal",
    "StoreLike",
    "StoreOpener",
    "chunker_id",
    "make_chunks",
    "remove",
    "run",
    "version_of",
]
