"""Text from images of pages: Tesseract (Debian's `tesseract-ocr` and its deu, rus, kaz, eng data) on pages
rendered by pypdfium2 or read by Pillow.

One full pass per page, in one language setting per document: the language of the document's other pages when
it has some, else a quick pass decides it (Tesseract's script detection on the first page with ink, then that
page read with the script's languages, whose text names the language for the pages after it). A page read
unsurely in the document's language (a Russian page in a German file) gets one more pass in its own script's
languages, and keeps the surer reading. Each page has a time limit of its own beside the file's, a blank page
is skipped without a pass, and a page whose words Tesseract is unsure of (mean confidence below a floor) is
reported rather than indexed.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingest.text.language import detect_language
from ingest.text.normalize import normalize_text

if TYPE_CHECKING:
    from PIL.Image import Image

# What Tesseract reads a document in, by the two-letter code of its language, and a script's languages when no
# language is known yet. Each with a second (and third) language: Russian pages quote German titles and Kazakh
# names, German ones English terms; a Cyrillic page read without eng turned "Bundesgesetzblatt" into
# "Випаездезе" (CER of Russian pages 2.9% with rus+kaz, 1.4% with rus+kaz+eng; docs/benchmarks.md, "OCR").
TESSERACT_LANGS = {"de": "deu+eng", "en": "eng+deu", "ru": "rus+kaz+eng", "kk": "kaz+rus+eng"}
SCRIPT_LANGS = {"Latin": "deu+eng", "Cyrillic": "rus+kaz+eng"}
ALL_LANGS = "deu+eng+rus+kaz"
INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-deu tesseract-ocr-rus tesseract-ocr-kaz tesseract-ocr-eng"
# A rendered page above this many pixels is scaled down (a poster at 300 dpi would take gigabytes).
MAX_PIXELS = 40_000_000
# A page with less ink than this share of dark pixels (at most 1,000 pixels a side) is blank or holds a stray
# mark: no pass is spent on it. One line of text on an A4 page is about ten times as much.
_INK_SHARE = 0.0002
# Fewer letters than this read from a page are a mark or a stamp, not text worth a passage.
_MIN_LETTERS = 8
_WORDS_FOR_LANGUAGE = 20
# Below this confidence in the document's language, a page is read once more in its own script's languages.
_SURE = 0.7


@dataclass(frozen=True)
class OcrOptions:
    """How scans are read (service/settings.py sets these from KAZDE_OCR*)."""

    enabled: bool = True
    page_timeout_s: float = 60.0
    file_timeout_s: float = 900.0
    min_confidence: float = 0.5
    dpi: int = 300


@dataclass(frozen=True)
class OcrPage:
    """One page read by OCR: its text and Tesseract's mean word confidence (0..1), in the languages used."""

    text: str
    confidence: float
    langs: str


class OcrError(Exception):
    """A page that could not be read (the message is the reason, one line)."""


@functools.cache
def available_langs() -> frozenset[str]:
    """The language data Tesseract has here (empty when Tesseract is not installed)."""
    binary = shutil.which("tesseract")
    if binary is None:
        return frozenset()
    try:
        out = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(line.strip() for line in out.splitlines()[1:] if line.strip())


def unavailable_reason() -> str | None:
    """Why OCR cannot run here (None when it can)."""
    have = available_langs()
    if not have:
        return f"OCR needs Tesseract, which is not installed ({INSTALL_HINT})"
    missing = sorted(set(ALL_LANGS.split("+")) - have)
    if missing:
        return f"Tesseract lacks the language data {', '.join(missing)} ({INSTALL_HINT})"
    return None


def _env() -> dict[str, str]:
    # One thread per Tesseract: parsing runs beside the embedder and the service's answers, and Tesseract's
    # OpenMP threads would take every core from them for little gain on one page.
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def _encode(image: Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _tesseract(image: Image, args: list[str], timeout_s: float) -> str:
    try:
        done = subprocess.run(
            ["tesseract", "stdin", "stdout", *args],
            input=_encode(image),
            capture_output=True,
            timeout=timeout_s,
            env=_env(),
        )
    except subprocess.TimeoutExpired:
        raise OcrError(f"OCR took longer than the page limit of {timeout_s:g} s") from None
    except OSError as exc:
        raise OcrError(f"Tesseract could not be started ({exc.strerror or exc})") from exc
    if done.returncode != 0:
        message = " ".join(done.stderr.decode(errors="replace").split())[:160]
        raise OcrError(f"Tesseract failed (exit {done.returncode}: {message})")
    return done.stdout.decode("utf-8", errors="replace")


def prepare(image: Image) -> Image:
    """The page as Tesseract reads it best: greyscale, at most MAX_PIXELS, small photos enlarged."""
    image = image.convert("L")
    pixels = image.width * image.height
    if pixels > MAX_PIXELS:
        scale = (MAX_PIXELS / pixels) ** 0.5
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    elif max(image.size) < 1500:
        # A phone photo or a thumbnail: letters a few pixels high are below what Tesseract reads.
        image = image.resize((image.width * 2, image.height * 2))
    return image


def is_blank(image: Image) -> bool:
    """Whether a greyscale page holds (almost) no ink."""
    small = image.copy()
    small.thumbnail((1000, 1000))
    dark = sum(small.histogram()[:160])
    return dark < _INK_SHARE * max(1, small.width * small.height)


def script_of(image: Image, timeout_s: float) -> str | None:
    """Tesseract's guess of the page's script (Latin, Cyrillic, ...), None when it cannot tell."""
    small = image.copy()
    small.thumbnail((1400, 1400))
    try:
        out = _tesseract(small, ["--psm", "0"], timeout_s)
    except OcrError:
        return None  # too little text to tell, most often
    for line in out.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Script":
            return value.strip() or None
    return None


def recognise(image: Image, langs: str, timeout_s: float) -> OcrPage:
    """Read one prepared page: its text, lines and paragraphs as Tesseract found them, and its confidence."""
    tsv = _tesseract(image, ["-l", langs, "--psm", "3", "tsv"], timeout_s)
    paragraphs: dict[tuple[str, str], dict[str, list[str]]] = {}
    weight = total = 0.0
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":  # level 5: a word
            continue
        word = cols[11].strip()
        try:
            conf = float(cols[10])
        except ValueError:
            continue
        if not word or conf < 0:
            continue
        paragraphs.setdefault((cols[2], cols[3]), {}).setdefault(cols[4], []).append(word)
        weight += len(word)
        total += len(word) * conf
    text = "\n\n".join("\n".join(" ".join(words) for words in lines.values()) for lines in paragraphs.values())
    return OcrPage(normalize_text(text), round(total / weight / 100, 3) if weight else 0.0, langs)


class DocumentReader:
    """Reads the scanned pages of one document, choosing its language once."""

    def __init__(self, options: OcrOptions, language: str = "") -> None:
        self.options = options
        self.langs = TESSERACT_LANGS.get(language, "")
        self.deadline = time.monotonic() + options.file_timeout_s

    def out_of_time(self) -> bool:
        """Whether the file's OCR time limit is spent."""
        return time.monotonic() > self.deadline

    def read(self, image: Image) -> OcrPage | None:
        """One page's text, or None for a blank page; OcrError when it cannot be read."""
        page = prepare(image)
        if is_blank(page):
            return None
        started = time.monotonic()
        timeout = min(self.options.page_timeout_s, max(1.0, self.deadline - started))
        if self.langs:
            result = recognise(page, self.langs, timeout)
            if result.confidence >= max(self.options.min_confidence, _SURE):
                return result
            # Unsure in the document's language: a page in another one (a Russian page of a German file)?
            langs = SCRIPT_LANGS.get(script_of(page, timeout) or "", ALL_LANGS)
            left = timeout - (time.monotonic() - started)
            if langs == self.langs or left < 1:
                return result
            other = recognise(page, langs, left)
            return other if other.confidence > result.confidence else result
        script = script_of(page, timeout)
        first = recognise(page, SCRIPT_LANGS.get(script or "", ALL_LANGS), timeout)
        if len(first.text.split()) >= _WORDS_FOR_LANGUAGE:
            self.langs = TESSERACT_LANGS.get(detect_language(first.text), first.langs)
        return first


def read_pages(
    images: Callable[[int], Image],
    numbers: list[int],
    reader: DocumentReader,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[int, OcrPage], list[str]]:
    """OCR the pages `numbers` (images(n) renders page n): the pages read, and the problems met, one line each."""
    pages: dict[int, OcrPage] = {}
    problems: list[str] = []
    floor = reader.options.min_confidence
    for index, number in enumerate(numbers):
        if progress is not None:
            progress(index, len(numbers))
        if reader.out_of_time():
            left = len(numbers) - index
            problems.append(
                f"pages {number}-{numbers[-1]} ({left}) not read: the file's OCR time limit of "
                f"{reader.options.file_timeout_s:g} s was reached"
            )
            break
        try:
            page = reader.read(images(number))
        except OcrError as exc:
            problems.append(f"page {number}: {exc}; not indexed")
            continue
        except Exception as exc:  # a page that cannot be rendered or decoded costs only that page
            problems.append(f"page {number}: could not be rendered for OCR ({type(exc).__name__}: {exc}); not indexed")
            continue
        if page is None or sum(ch.isalpha() for ch in page.text) < _MIN_LETTERS:
            continue  # blank, or a mark too small to be text
        if page.confidence < floor:
            problems.append(
                f"page {number}: OCR confidence {page.confidence:.2f} is below the floor of {floor:.2f}; not indexed"
            )
            continue
        pages[number] = page
    if progress is not None:
        progress(len(numbers), len(numbers))
    return pages, problems
