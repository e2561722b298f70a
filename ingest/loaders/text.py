"""Plain text and Markdown, with the bundled corpus's `SOURCE: … | TITLE: … | LANG: …` header as metadata."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.documents import LoadedDocument, LoadError, LoadOptions, Page
from ingest.loaders.common import (
    clean_value,
    decode,
    language_code,
    source_url,
    stem_title,
)
from ingest.text.language import detect_language
from ingest.text.normalize import garbage_reason, normalize_text

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
        return clean_value(heading.group(1))
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    return clean_value(first_line)


def load_text(path: Path, data: bytes, options: LoadOptions) -> LoadedDocument:
    """Load a .txt or .md file as one page, taking metadata from the corpus header line if there is one."""
    text = decode(data)
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
    title = clean_value(header.get("TITLE", ""))
    if not title:
        title = (_markdown_title(body) if is_markdown else "") or stem_title(path)
    return LoadedDocument(
        pages=[Page(body, None)],
        title=title,
        source=source_url(header.get("SOURCE", "")),
        language=language_code(header.get("LANG", "")) or detect_language(body),
        doc_type=clean_value(header.get("DOC_TYPE") or header.get("TYPE") or ""),
    )
