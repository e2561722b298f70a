"""What the loaders share: short one-line reasons, clean metadata values, strict text decoding."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from urllib.parse import urlsplit

from ingest.documents import LoadError
from ingest.text.normalize import normalize_text

TITLE_MAX = 200
# Enough text for detect_language, which looks at the first 2,000 characters.
LANGUAGE_SAMPLE = 2000


def one_line(text: str, limit: int = 160) -> str:
    """Collapse whitespace (exception messages may hold raw bytes and newlines) and cut to a short line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# pypdf appends raw bytes to some messages ("... @69697: b'15.31l\n8482..."): noise to a reader.
_BYTES_DUMP = re.compile(r": b['\"].*$", re.DOTALL)


def exc_message(exc: BaseException) -> str:
    """The exception's message on one short line."""
    return one_line(_BYTES_DUMP.sub("", str(exc)))


def describe(exc: BaseException) -> str:
    """'ErrorType: message' on one line."""
    message = exc_message(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def clean_value(value: str) -> str:
    """A metadata value on one line, without invisible characters."""
    return one_line(normalize_text(value), TITLE_MAX)


def source_url(value: str) -> str:
    """A document's source as a web address, or "" (a citation links to it: `javascript:`, `data:` or a
    local path would run or leak something in the reader's browser)."""
    url = clean_value(value)
    parts = urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def stem_title(path: Path) -> str:
    """A title made from the file name: 'Abkommen_1996' -> 'Abkommen 1996'."""
    return clean_value(path.stem.replace("_", " "))


def language_code(value: str) -> str:
    """The two-letter code at the start of a language tag ('de-DE' -> 'de'), or '' when there is none."""
    match = re.match(r"([A-Za-z]{2})(?:[-_]|$)", value.strip())
    return match.group(1).lower() if match else ""


def decode(data: bytes) -> str:
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
