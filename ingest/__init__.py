"""Files -> clean page texts -> chunks -> the store, incrementally and safely against bad files and kills."""

from ingest.documents import Chunk, LoadedDocument, LoadError, Page
from ingest.lock import WriterBusy, WriterLock
from ingest.pipeline import IngestError, IngestReport, StoreOpener, run

__all__ = [
    "Chunk",
    "IngestError",
    "IngestReport",
    "LoadError",
    "LoadedDocument",
    "Page",
    "StoreOpener",
    "WriterBusy",
    "WriterLock",
    "run",
]
