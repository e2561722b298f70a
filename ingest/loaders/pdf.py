"""PDF through pypdf: one page each, page by page error handling, garbage detection, encryption."""

from __future__ import annotations

import logging
import re
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pypdf import PasswordType, PdfReader
from pypdf.errors import (
    DependencyError,
    EmptyFileError,
    FileNotDecryptedError,
    LimitReachedError,
    PyPdfError,
)

from ingest.documents import LoadedDocument, LoadError, LoadOptions, Page
from ingest.loaders.common import (
    LANGUAGE_SAMPLE,
    clean_value,
    describe,
    exc_message,
    one_line,
    stem_title,
)
from ingest.ocr import MAX_PIXELS, DocumentReader, OcrOptions, read_pages, unavailable_reason
from ingest.text.language import detect_language
from ingest.text.normalize import garbage_reason, normalize_text

# A 600-page file of glyph names would otherwise list 600 problems; the count says enough after this many.
_MAX_PAGE_PROBLEMS = 30
# A dynamic XFA form's pages only hold Adobe's short "please upgrade" notice.
_XFA_PLACEHOLDER_MAX_CHARS = 1500
_UNTITLED = re.compile(
    r"(untitled|unbenannt|ohne titel|без названия|document\d*|dokument\d*|microsoft word - .*|.*\.(docx?|pdf|"
    r"rtf|odt|tex|dvi|indd|qxd|ps|eps|xlsx?|pptx?))",
    re.IGNORECASE,
)

_LETTER = re.compile(r"[^\W\d_]")

if TYPE_CHECKING:
    from PIL.Image import Image

log = logging.getLogger(__name__)
_PYPDF_LOG = logging.getLogger("pypdf")
_quiet_lock = threading.Lock()
_quiet_users = 0
_saved_propagate = True


class _NoiseCounter(logging.Handler):
    """Counts pypdf's warnings and log records during one load (in this thread) and keeps the first."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.count = 0
        self.first = ""

    def add(self, message: str) -> None:
        self.count += 1
        if not self.first:
            self.first = one_line(message, 100)
        log.debug("pypdf: %s", message)

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        try:
            message = record.getMessage()
        except Exception:  # a malformed record must not break the load
            message = str(record.msg)
        self.add(message)


@contextmanager
def _quiet_pypdf() -> Iterator[_NoiseCounter]:
    """Route pypdf's warnings and log records into a counter instead of stderr while a PDF is read."""
    global _quiet_users, _saved_propagate
    counter = _NoiseCounter()
    with _quiet_lock:
        if _quiet_users == 0:
            _saved_propagate = _PYPDF_LOG.propagate
            # Without a handler of its own, a damaged file's thousands of records would reach the root
            # logger (or Python's last-resort stderr handler).
            _PYPDF_LOG.propagate = False
        _quiet_users += 1
        _PYPDF_LOG.addHandler(counter)
    try:
        # catch_warnings is process-wide and not thread-safe; ingestion loads one file at a time per worker.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield counter
        for warning in caught:
            counter.add(str(warning.message))
    finally:
        with _quiet_lock:
            _PYPDF_LOG.removeHandler(counter)
            _quiet_users -= 1
            if _quiet_users == 0:
                _PYPDF_LOG.propagate = _saved_propagate


def _unreadable_reason(data: bytes, exc: Exception) -> str:
    """Why pypdf could not open the file, in words a user can act on."""
    if b"%PDF-" not in data[:1024]:
        start = one_line(data[:20].decode("latin-1"), 20)
        return f"not a PDF file (no %PDF- header; it starts with {start!r})"
    message = exc_message(exc).rstrip(".")
    if isinstance(exc, LimitReachedError):
        return f"not a readable PDF: a pypdf safety limit was reached ({message})"
    cause = message if isinstance(exc, PyPdfError) and message else describe(exc)
    if b"%%EOF" not in data[-1024:]:
        return f"not a readable PDF: {cause} (no %%EOF marker: truncated file?)"
    return f"not a readable PDF: {cause}"


def _dependency_reason(exc: Exception) -> str:
    if "cryptography" in str(exc):
        return "encrypted with AES: the 'cryptography' package is needed (pip install 'pypdf[crypto]')"
    return f"a library needed to read this PDF is missing ({exc_message(exc)})"


def _open_pdf(data: bytes, password: str | None) -> PdfReader:
    """A PdfReader with its pages listed, decrypted when needed; LoadError when that is impossible."""
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        if reader.is_encrypted:
            # PdfReader has tried the empty user password already; a given password comes first, and
            # the empty one still opens a file whose user password is empty when a wrong one was given.
            tries = [password, ""] if password else [""]
            if all(reader.decrypt(p) == PasswordType.NOT_DECRYPTED for p in tries):
                reason = "encrypted: wrong password" if password else "encrypted: a password is required"
                raise LoadError(reason)
        if len(reader.pages) == 0:
            raise LoadError("the PDF has no pages")
        return reader
    except LoadError:
        raise
    except DependencyError as exc:
        raise LoadError(_dependency_reason(exc)) from exc
    except FileNotDecryptedError as exc:
        raise LoadError("encrypted: a password is required") from exc
    except EmptyFileError as exc:
        raise LoadError("empty file") from exc
    # pypdf raises more than its own errors on damaged files (KeyError, ValueError, RecursionError...).
    except Exception as exc:
        raise LoadError(_unreadable_reason(data, exc)) from exc


def _is_dynamic_xfa(reader: PdfReader) -> bool:
    """True for an XFA form that viewers must render themselves: its PDF pages are only a placeholder."""
    try:
        root = reader.root_object
        acroform = root.get("/AcroForm")
        return bool(root.get("/NeedsRendering")) and acroform is not None and "/XFA" in acroform.get_object()
    except Exception:  # a damaged catalogue just means "not XFA"
        return False


def _pdf_title(reader: PdfReader) -> str:
    """The /Title from the document information, when it is a real title rather than a file name."""
    try:
        metadata = reader.metadata
        raw = metadata.title if metadata is not None else None
    except Exception:  # broken metadata must not cost the text
        return ""
    title = clean_value(raw) if isinstance(raw, str) else ""
    if len(title) < 3 or not _LETTER.search(title) or _UNTITLED.fullmatch(title) or garbage_reason(title):
        return ""
    return title


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _no_text_reason(
    total: int, failures: list[str], garbage: Counter[str], xfa: bool, ocr: str, unread: list[str]
) -> str:
    """Why not one page of a PDF gave text to index (`ocr`: why scans were not read, "" when they were)."""
    if xfa and garbage:
        return "no readable text: a dynamic XFA form (its content is not stored in the PDF pages)"
    if not failures and not garbage and not unread:
        where = "its only page" if total == 1 else f"any of its {total} pages"
        if ocr:
            return f"no extractable text on {where} (scanned/image-only PDF? {ocr})"
        return f"no text on {where}: no text layer, and OCR found the page{'s' if total > 1 else ''} blank"
    parts = []
    if unread:
        parts.append(f"{_plural(len(unread), 'page')} not read by OCR ({unread[0]})")
    if garbage:
        parts.append(f"{_plural(sum(garbage.values()), 'page')} garbage ({garbage.most_common(1)[0][0]})")
    if failures:
        parts.append(f"{_plural(len(failures), 'page')} failed ({failures[0]})")
    if not unread:
        empty = total - sum(garbage.values()) - len(failures)
        if empty:
            parts.append(f"{_plural(empty, 'page')} {'empty' if ocr else 'blank'}")
    return "no readable text: " + ", ".join(parts)


def _ocr_off_reason(options: OcrOptions) -> str:
    """Why the pages without text were not read by OCR ("" when they can be)."""
    if not options.enabled:
        return "OCR is off (KAZDE_OCR=0)"
    return unavailable_reason() or ""


def _render(data: bytes, password: str | None, dpi: int) -> tuple[Any, Callable[[int], Image]]:
    """The PDFium document (to close) and a function that renders its page n (from 1) as a greyscale image, at
    `dpi` or less for a huge page."""
    import pypdfium2 as pdfium  # imported here: only scans need it

    document = pdfium.PdfDocument(data, password=password)

    def image(number: int) -> Image:
        page = document[number - 1]
        width, height = page.get_size()
        scale = dpi / 72
        if width * height * scale * scale > MAX_PIXELS:
            scale = (MAX_PIXELS / (width * height)) ** 0.5
        return page.render(scale=scale, grayscale=True).to_pil()

    return document, image


def _ocr(
    data: bytes, options: LoadOptions, numbers: list[int], language: str
) -> tuple[dict[int, Page], list[str], list[str]]:
    """The pages `numbers` read by OCR; the problems to report, and the reasons of the pages left unread."""
    try:
        document, image = _render(data, options.password, options.ocr.dpi)
    except Exception as exc:  # pdfium refuses some files pypdf opens
        reason = f"pages without text could not be rendered for OCR ({describe(exc)})"
        return {}, [reason], [reason]
    try:
        read, problems = read_pages(image, numbers, DocumentReader(options.ocr, language), options.progress)
    finally:
        document.close()
    pages = {n: Page(p.text, n, ocr=p.confidence) for n, p in read.items()}
    if read:
        confidence = sum(p.confidence for p in read.values()) / len(read)
        langs = sorted({p.langs for p in read.values()})
        shown = _ranges(sorted(read))
        problems.append(
            f"{_plural(len(read), 'page')} read by OCR ({shown}; Tesseract {', '.join(langs)}, "
            f"mean confidence {confidence:.2f})"
        )
    return pages, problems, [p for p in problems if p.startswith("page")]


def _read_instead(problem: str, read: dict[int, Page]) -> str:
    number, _, rest = problem.removeprefix("page ").partition(": ")
    if not number.isdigit() or int(number) not in read:
        return problem
    return f"page {number}: {rest.removesuffix(', not indexed')}; read by OCR instead"


def _ranges(numbers: list[int]) -> str:
    """'page 3' or 'pages 1-4, 7'."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    text = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in spans)
    return f"page{'s' if len(numbers) > 1 else ''} {text}"


def load_pdf(path: Path, data: bytes, options: LoadOptions) -> LoadedDocument:
    """Load a PDF page by page; a page that fails or holds garbage is reported and skipped, and a page without
    a text layer (or with only garbage) is read by OCR when it can be."""
    if not data:
        raise LoadError("empty file (0 bytes)")
    pages: list[Page] = []
    problems: list[str] = []
    failures: list[str] = []
    garbage: Counter[str] = Counter()
    scanned: list[int] = []  # pages for OCR: no text, garbage or a failed extraction
    with _quiet_pypdf() as noise:
        reader = _open_pdf(data, options.password)
        total = len(reader.pages)
        xfa = _is_dynamic_xfa(reader)
        for number in range(1, total + 1):
            try:
                raw = reader.pages[number - 1].extract_text()
            except DependencyError as exc:
                # Every page would fail the same way: say so once, for the whole file.
                raise LoadError(_dependency_reason(exc)) from exc
            except Exception as exc:  # one damaged page must not cost the others
                failures.append(describe(exc))
                problems.append(f"page {number}: extraction failed ({failures[-1]})")
                scanned.append(number)
                continue
            text = normalize_text(raw or "")
            if not text:
                scanned.append(number)
                continue
            reason = garbage_reason(text)
            if reason is None and xfa and len(text) <= _XFA_PLACEHOLDER_MAX_CHARS:
                reason = "XFA form placeholder"
            if reason:
                garbage[reason] += 1
                problems.append(f"page {number}: garbage text ({reason}), not indexed")
                if not xfa:
                    scanned.append(number)
                continue
            pages.append(Page(text, number))
        title = _pdf_title(reader)

    sample = _sample(pages)
    ocr_off = _ocr_off_reason(options.ocr) if scanned else ""
    unread: list[str] = []
    if scanned and not ocr_off:
        read, ocr_problems, unread = _ocr(data, options, scanned, detect_language(sample) if sample else "")
        # A page whose text layer was garbage or failed, and which OCR read: say so rather than "not indexed".
        problems = [_read_instead(p, read) for p in problems] + ocr_problems
        pages = sorted([*pages, *read.values()], key=lambda p: p.number or 0)
        sample = sample or _sample(pages)
    elif scanned and pages:
        problems.append(f"{_ranges(scanned)} without text not read: {ocr_off}")
    if not pages:
        raise LoadError(_no_text_reason(total, failures, garbage, xfa, ocr_off, unread))
    if len(problems) > _MAX_PAGE_PROBLEMS:
        hidden = len(problems) - _MAX_PAGE_PROBLEMS
        problems = problems[:_MAX_PAGE_PROBLEMS] + [f"... and {_plural(hidden, 'more page')} with problems"]
    if noise.count:
        defects = _plural(noise.count, "defect")
        problems.append(f"pypdf worked around {defects} in the file (first: {noise.first})")
    return LoadedDocument(
        pages=pages,
        title=title or stem_title(path),
        language=detect_language(sample),
        problems=problems,
    )


def _sample(pages: list[Page]) -> str:
    sample = ""
    for page in pages:
        sample += page.text + "\n\n"
        if len(sample) >= LANGUAGE_SAMPLE:
            break
    return sample
