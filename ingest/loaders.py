"""Turn one file (PDF, plain text, Markdown, HTML) into a LoadedDocument, or say in one line why not."""

from __future__ import annotations

import codecs
import logging
import re
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

from bs4 import BeautifulSoup, Tag
from bs4.dammit import EncodingDetector
from bs4.element import CData, NavigableString, PageElement, PreformattedString
from pypdf import PasswordType, PdfReader
from pypdf.errors import (
    DependencyError,
    EmptyFileError,
    FileNotDecryptedError,
    LimitReachedError,
    PyPdfError,
)

from ingest.documents import LoadedDocument, LoadError, Page
from ingest.language import detect_language
from ingest.normalize import garbage_reason, normalize_text

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = frozenset({".pdf", ".txt", ".md", ".markdown", ".html", ".htm"})
_SUPPORTED_TEXT = ".pdf, .txt, .md, .html"

_TITLE_MAX = 200
# Enough text for detect_language, which looks at the first 2,000 characters.
_LANGUAGE_SAMPLE = 2000


def load(path: Path, *, password: str | None = None) -> LoadedDocument:
    """Load a supported file into pages and metadata; raise LoadError with a one-line reason if it can't."""
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        shown = f"'{suffix}'" if suffix else "(no extension)"
        raise LoadError(f"unsupported file type {shown} (supported: {_SUPPORTED_TEXT})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read the file: {exc.strerror or exc}") from exc
    return loader(path, data, password)


# --- Shared helpers ----------------------------------------------------------------------------------------


def _one_line(text: str, limit: int = 160) -> str:
    """Collapse whitespace (exception messages may hold raw bytes and newlines) and cut to a short line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# pypdf appends raw bytes to some messages ("... @69697: b'15.31l\n8482..."): noise to a reader.
_BYTES_DUMP = re.compile(r": b['\"].*$", re.DOTALL)


def _message(exc: BaseException) -> str:
    """The exception's message on one short line."""
    return _one_line(_BYTES_DUMP.sub("", str(exc)))


def _describe(exc: BaseException) -> str:
    """'ErrorType: message' on one line."""
    message = _message(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _clean_value(value: str) -> str:
    """A metadata value on one line, without invisible characters."""
    return _one_line(normalize_text(value), _TITLE_MAX)


def _stem_title(path: Path) -> str:
    """A title made from the file name: 'Abkommen_1996' -> 'Abkommen 1996'."""
    return _clean_value(path.stem.replace("_", " "))


def _language_code(value: str) -> str:
    """The two-letter code at the start of a language tag ('de-DE' -> 'de'), or '' when there is none."""
    match = re.match(r"([A-Za-z]{2})(?:[-_]|$)", value.strip())
    return match.group(1).lower() if match else ""


def _decode(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), or UTF-16/32 when a BOM says so; never guess another encoding."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        # UTF-32-LE's BOM starts with UTF-16-LE's, so it is tested first.
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                reason = f"not valid {codec.upper()} text despite its byte-order mark ({exc.reason})"
                raise LoadError(reason) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8"
        ) from exc


# --- Plain text and Markdown -------------------------------------------------------------------------------

# The bundled corpus starts each file with "SOURCE: <url> | TITLE: <title> | LANG: <code> | KEY: value ...".
_HEADER_KEY = re.compile(r"[A-Z][A-Z0-9_]*(?: [A-Za-z0-9_()]+)*")
_HEADER_FIRST_KEYS = frozenset({"SOURCE", "TITLE", "LANG"})
_MARKDOWN_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)


def _parse_header(line: str) -> dict[str, str] | None:
    """The header line's KEY: value pairs, or None when the line is not such a header."""
    fields: dict[str, str] = {}
    last_key = ""
    for part in line.split(" | "):
        key, sep, value = part.partition(": ")
        if sep and len(key) <= 40 and _HEADER_KEY.fullmatch(key):
            last_key = key.upper()
            fields[last_key] = value.strip()
        elif last_key:
            # A value that itself contains " | " (a title, say) continues the previous field.
            fields[last_key] += " | " + part
        else:
            return None
    first_key = line.partition(": ")[0].upper()
    return fields if first_key in _HEADER_FIRST_KEYS else None


def _markdown_title(text: str) -> str:
    """The first Markdown heading, else the first non-empty line."""
    heading = _MARKDOWN_HEADING.search(text)
    if heading:
        return _clean_value(heading.group(1))
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    return _clean_value(first_line)


def _load_text(path: Path, data: bytes, password: str | None) -> LoadedDocument:
    """Load a .txt or .md file as one page, taking metadata from the corpus header line if there is one."""
    text = _decode(data)
    if not text.strip():
        raise LoadError("empty file")
    first_line, _, rest = text.lstrip("\r\n").partition("\n")
    header = _parse_header(first_line.rstrip("\r"))
    body = normalize_text(rest if header is not None else text)
    if not body:
        raise LoadError("empty file (only a header line)" if header is not None else "empty file")
    reason = garbage_reason(body)
    if reason:
        raise LoadError(f"not readable text ({reason})")

    header = header or {}
    is_markdown = path.suffix.lower() in {".md", ".markdown"}
    title = _clean_value(header.get("TITLE", ""))
    if not title:
        title = (_markdown_title(body) if is_markdown else "") or _stem_title(path)
    return LoadedDocument(
        pages=[Page(body, None)],
        title=title,
        source=_clean_value(header.get("SOURCE", "")),
        language=_language_code(header.get("LANG", "")) or detect_language(body),
        doc_type=_clean_value(header.get("DOC_TYPE") or header.get("TYPE") or ""),
    )


# --- HTML --------------------------------------------------------------------------------------------------

# Page furniture and non-text; their words would be indexed as if they were the article's.
_DROPPED_TAGS = [
    "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template", "svg",
    "iframe", "object", "canvas", "button",
]  # fmt: skip
# Text a reader never sees: poisoned pages hide instructions for the model in it.
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_PARAGRAPH_TAGS = frozenset({
    "address", "article", "blockquote", "body", "center", "details", "dialog", "div", "dl", "fieldset",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hgroup", "hr", "main", "ol", "p", "pre",
    "section", "summary", "table", "ul",
})  # fmt: skip
_LINE_TAGS = frozenset({"li", "dt", "dd", "tr", "caption", "option", "thead", "tbody", "tfoot"})
_CELL_TAGS = ["td", "th"]
_HTML_SPACE = re.compile(r"\s+")
_LEADING_SPACE = re.compile(r"^ +", re.MULTILINE)


class _Break(int):
    """Line breaks owed once an element's children are done (an int: never mistaken for the page's text)."""


def _decode_html(data: bytes) -> str:
    """Decode as UTF-8, else in the charset the page declares; an undeclared legacy encoding is refused."""
    try:
        return _decode(data)
    except LoadError as not_utf8:
        declared = EncodingDetector.find_declared_encoding(data, is_html=True)
        if not declared or declared.lower().replace("_", "-") in {"utf-8", "utf8"}:
            raise LoadError(f"{not_utf8} (and no other charset declared)") from None
    try:
        return data.decode(declared)
    except (LookupError, UnicodeDecodeError) as exc:
        raise LoadError(f"not decodable as its declared charset '{declared}' ({_describe(exc)})") from exc


def _is_hidden(tag: PageElement) -> bool:
    if not isinstance(tag, Tag):
        return False
    if tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
        return True
    style = tag.get("style")
    return isinstance(style, str) and _HIDDEN_STYLE.search(style) is not None


def _meta_content(soup: BeautifulSoup, key: str) -> str:
    """The content of <meta property=key> (Open Graph) or <meta name=key>."""
    for attr in ("property", "name"):
        tag = soup.find("meta", attrs={attr: key})
        if isinstance(tag, Tag) and isinstance(tag.get("content"), str):
            return tag["content"]
    return ""


def _html_text(root: Tag) -> str:
    """The element's text with breaks around block elements and ' | ' between table cells."""
    for pre in root.find_all("pre"):
        pre.string = pre.get_text()  # one string, so that its line breaks are kept below
    out: list[str] = []
    # Breaks are owed rather than written, so that nested or adjacent blocks give one break, not several.
    owed = 0
    # An explicit stack rather than recursion: deeply nested markup must not hit the recursion limit.
    todo: list[PageElement | _Break] = [root]
    while todo:
        item = todo.pop()
        text = ""
        if isinstance(item, _Break):
            owed = max(owed, item)
        elif isinstance(item, NavigableString):
            if isinstance(item, PreformattedString) and not isinstance(item, CData):
                continue  # comments, doctypes, processing instructions
            in_pre = item.parent is not None and item.parent.name == "pre"
            text = str(item) if in_pre else _HTML_SPACE.sub(" ", item)
        elif isinstance(item, Tag):
            if item.name == "br":
                owed = min(owed + 1, 2)  # <br><br> is how many pages mark a paragraph
                continue
            if item.name in _CELL_TAGS and item.find_previous_sibling(_CELL_TAGS) is not None:
                text = " | "
            lines = 2 if item.name in _PARAGRAPH_TAGS else 1 if item.name in _LINE_TAGS else 0
            if lines:
                owed = max(owed, lines)
                todo.append(_Break(lines))
            todo.extend(reversed(item.contents))
        if not text or (owed and not text.strip()):
            continue  # whitespace between blocks means nothing
        if owed and out:
            out.append("\n" * owed)
        owed = 0
        out.append(text)
    return "".join(out)


def _load_html(path: Path, data: bytes, password: str | None) -> LoadedDocument:
    """Load an HTML page's main text as one page, with title, canonical URL and language from its markup."""
    markup = _decode_html(data)
    with warnings.catch_warnings():
        # bs4 warns about XHTML parsed as HTML and markup that looks like a file name; both are fine here.
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(markup, "lxml")

    head_title = soup.head.find("title") if soup.head is not None else None
    h1 = soup.find("h1")
    title = _clean_value(
        _meta_content(soup, "og:title")
        or (head_title.get_text() if head_title is not None else "")
        or (h1.get_text(" ") if h1 is not None else "")
    )
    canonical = soup.find("link", rel="canonical")
    href = canonical.get("href") if isinstance(canonical, Tag) else None
    source = _clean_value((href if isinstance(href, str) else "") or _meta_content(soup, "og:url"))
    lang = soup.html.get("lang") if soup.html is not None else None

    for tag in soup.find_all(_DROPPED_TAGS) + soup.find_all(_is_hidden):
        if not tag.decomposed:
            tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    text = _LEADING_SPACE.sub("", normalize_text(_html_text(root)))
    if not text:
        raise LoadError("no text in the HTML page's body")
    reason = garbage_reason(text)
    if reason:
        raise LoadError(f"not readable text ({reason})")
    return LoadedDocument(
        pages=[Page(text, None)],
        title=title or _stem_title(path),
        source=source,
        language=_language_code(lang if isinstance(lang, str) else "") or detect_language(text),
    )


# --- PDF ---------------------------------------------------------------------------------------------------

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
            self.first = _one_line(message, 100)
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
        start = _one_line(data[:20].decode("latin-1"), 20)
        return f"not a PDF file (no %PDF- header; it starts with {start!r})"
    message = _message(exc).rstrip(".")
    if isinstance(exc, LimitReachedError):
        return f"not a readable PDF: a pypdf safety limit was reached ({message})"
    cause = message if isinstance(exc, PyPdfError) and message else _describe(exc)
    if b"%%EOF" not in data[-1024:]:
        return f"not a readable PDF: {cause} (no %%EOF marker: truncated file?)"
    return f"not a readable PDF: {cause}"


def _dependency_reason(exc: Exception) -> str:
    if "cryptography" in str(exc):
        return "encrypted with AES: the 'cryptography' package is needed (pip install 'pypdf[crypto]')"
    return f"a library needed to read this PDF is missing ({_message(exc)})"


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
    title = _clean_value(raw) if isinstance(raw, str) else ""
    if len(title) < 3 or not _LETTER.search(title) or _UNTITLED.fullmatch(title) or garbage_reason(title):
        return ""
    return title


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _no_text_reason(total: int, failures: list[str], garbage: Counter[str], xfa: bool) -> str:
    """Why not one page of a PDF gave text to index."""
    if xfa and garbage:
        return "no readable text: a dynamic XFA form (its content is not stored in the PDF pages)"
    if not failures and not garbage:
        where = "its only page" if total == 1 else f"any of its {total} pages"
        return f"no extractable text on {where} (scanned/image-only PDF? OCR is not supported)"
    parts = []
    if garbage:
        parts.append(f"{_plural(sum(garbage.values()), 'page')} garbage ({garbage.most_common(1)[0][0]})")
    if failures:
        parts.append(f"{_plural(len(failures), 'page')} failed ({failures[0]})")
    empty = total - sum(garbage.values()) - len(failures)
    if empty:
        parts.append(f"{_plural(empty, 'page')} empty")
    return "no readable text: " + ", ".join(parts)


def _load_pdf(path: Path, data: bytes, password: str | None) -> LoadedDocument:
    """Load a PDF page by page; a page that fails or holds garbage is reported and skipped."""
    if not data:
        raise LoadError("empty file (0 bytes)")
    pages: list[Page] = []
    problems: list[str] = []
    failures: list[str] = []
    garbage: Counter[str] = Counter()
    with _quiet_pypdf() as noise:
        reader = _open_pdf(data, password)
        total = len(reader.pages)
        xfa = _is_dynamic_xfa(reader)
        for number in range(1, total + 1):
            try:
                raw = reader.pages[number - 1].extract_text()
            except DependencyError as exc:
                # Every page would fail the same way: say so once, for the whole file.
                raise LoadError(_dependency_reason(exc)) from exc
            except Exception as exc:  # one damaged page must not cost the others
                failures.append(_describe(exc))
                problems.append(f"page {number}: extraction failed ({failures[-1]})")
                continue
            text = normalize_text(raw or "")
            if not text:
                continue
            reason = garbage_reason(text)
            if reason is None and xfa and len(text) <= _XFA_PLACEHOLDER_MAX_CHARS:
                reason = "XFA form placeholder"
            if reason:
                garbage[reason] += 1
                problems.append(f"page {number}: garbage text ({reason}), not indexed")
                continue
            pages.append(Page(text, number))
        title = _pdf_title(reader)

    if not pages:
        raise LoadError(_no_text_reason(total, failures, garbage, xfa))
    if len(problems) > _MAX_PAGE_PROBLEMS:
        hidden = len(problems) - _MAX_PAGE_PROBLEMS
        problems = problems[:_MAX_PAGE_PROBLEMS] + [f"... and {_plural(hidden, 'more page')} with problems"]
    if noise.count:
        defects = _plural(noise.count, "defect")
        problems.append(f"pypdf worked around {defects} in the file (first: {noise.first})")
    sample = ""
    for page in pages:
        sample += page.text + "\n\n"
        if len(sample) >= _LANGUAGE_SAMPLE:
            break
    return LoadedDocument(
        pages=pages,
        title=title or _stem_title(path),
        language=detect_language(sample),
        problems=problems,
    )


_LOADERS: dict[str, Callable[[Path, bytes, str | None], LoadedDocument]] = {
    ".pdf": _load_pdf,
    ".txt": _load_text,
    ".md": _load_text,
    ".markdown": _load_text,
    ".html": _load_html,
    ".htm": _load_html,
}
