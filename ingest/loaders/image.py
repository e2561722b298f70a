"""Photographs and scans of pages (.png, .jpg, .tif; a multi-page TIFF is one page per frame), read by OCR."""

from __future__ import annotations

import warnings
from io import BytesIO
from pathlib import Path

from ingest.documents import LoadedDocument, LoadError, LoadOptions, Page
from ingest.loaders.common import describe, stem_title
from ingest.ocr import DocumentReader, read_pages, unavailable_reason
from ingest.text.language import detect_language

MAX_FRAMES = 500  # of a multi-page TIFF


def load_image(path: Path, data: bytes, options: LoadOptions) -> LoadedDocument:
    """Read an image of one or more pages by OCR; each frame is a page, numbered from 1."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise LoadError("empty file (0 bytes)")
    if not options.ocr.enabled:
        raise LoadError("an image of a page: its text needs OCR, which is off (KAZDE_OCR=0)")
    missing = unavailable_reason()
    if missing:
        raise LoadError(f"an image of a page: its text needs OCR. {missing}")
    try:
        with warnings.catch_warnings():
            # Pillow warns, then refuses, past its decompression-bomb limit (about 89 million pixels).
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data))
            frames = min(getattr(image, "n_frames", 1), MAX_FRAMES)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise LoadError(f"the image is too large to read ({describe(exc)})") from exc
    except UnidentifiedImageError as exc:
        raise LoadError(f"not an image Pillow can read ({path.suffix} by name)") from exc
    except Exception as exc:  # truncated or damaged image data
        raise LoadError(f"a damaged image ({describe(exc)})") from exc

    def frame(number: int) -> Image.Image:
        image.seek(number - 1)
        return image.copy()

    read, problems = read_pages(frame, list(range(1, frames + 1)), DocumentReader(options.ocr), options.progress)
    if not read:
        why = problems[0] if problems else "no text: OCR found the image blank"
        raise LoadError(why if len(problems) <= 1 else f"no readable text: {why} (and {len(problems) - 1} more)")
    pages = [Page(p.text, n, ocr=p.confidence) for n, p in sorted(read.items())]
    mean = sum(p.confidence for p in read.values()) / len(read)
    problems.append(f"read by OCR (Tesseract {read[min(read)].langs}, mean confidence {mean:.2f})")
    text = "\n\n".join(p.text for p in pages)
    return LoadedDocument(pages=pages, title=stem_title(path), language=detect_language(text), problems=problems)
