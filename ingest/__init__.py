"""Files -> clean page texts -> chunks -> the store, incrementally and safely against bad files and kills.

The public face: `run` (the pipeline), what it reads and reports, the manifest's reader, the loaders' entry and
the formats they take, and the chunker's sizes. The text kernel is `ingest.text`, public in its own right.
"""

from ingest.chunking import CHUNK_CHARS, OVERLAP_CHARS, chunk_page
from ingest.doctype import DOC_TYPES
from ingest.documents import Chunk, LoadedDocument, LoadError, Page
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.loaders import load as load_file
from ingest.lock import WriterBusy, WriterLock
from ingest.manifest import Manifest
from ingest.manifest import load as load_manifest
from ingest.ocr import OcrOptions
from ingest.pipeline import IngestError, IngestReport, Removal, StoreOpener, remove, run

__all__ = [
    "CHUNK_CHARS",
    "DOC_TYPES",
    "OVERLAP_CHARS",
    "SUPPORTED_SUFFIXES",
    "Chunk",
    "IngestError",
    "IngestReport",
    "LoadError",
    "LoadedDocument",
    "Manifest",
    "OcrOptions",
    "Page",
    "Removal",
    "StoreOpener",
    "WriterBusy",
    "WriterLock",
    "chunk_page",
    "load_file",
    "load_manifest",
    "remove",
    "run",
]
