"""One loader per format; `load` picks it by the file's extension."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.documents import LoadedDocument, LoadError, LoadOptions
from ingest.loaders.docx import load_docx
from ingest.loaders.epub import load_epub
from ingest.loaders.html import load_html
from ingest.loaders.image import load_image
from ingest.loaders.odt import load_odt
from ingest.loaders.pdf import load_pdf
from ingest.loaders.text import load_text

__all__ = ["IMAGE_SUFFIXES", "SUPPORTED_SUFFIXES", "load"]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
SUPPORTED_SUFFIXES = (
    frozenset({".pdf", ".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".odt", ".epub"}) | IMAGE_SUFFIXES
)
_SUPPORTED_TEXT = ".pdf, .txt, .md, .html, .docx, .odt, .epub, .png, .jpg, .tif"


def load(path: Path, options: LoadOptions | None = None, *, password: str | None = None) -> LoadedDocument:
    """Load a supported file into pages and metadata; raise LoadError with a one-line reason if it can't."""
    if options is None:
        options = LoadOptions(password=password)
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        shown = f"'{suffix}'" if suffix else "(no extension)"
        raise LoadError(f"unsupported file type {shown} (supported: {_SUPPORTED_TEXT})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read the file: {exc.strerror or exc}") from exc
    return loader(path, data, options)


_LOADERS: dict[str, Callable[[Path, bytes, LoadOptions], LoadedDocument]] = {
    ".pdf": load_pdf,
    ".txt": load_text,
    ".md": load_text,
    ".markdown": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".docx": load_docx,
    ".odt": load_odt,
    ".epub": load_epub,
    **dict.fromkeys(IMAGE_SUFFIXES, load_image),
}
