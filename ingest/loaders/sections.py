"""What the page-less formats share (Word, OpenDocument, EPUB): text cut into sections at its headings, and
their zip containers read safely.

Each heading opens a section, one Page (number None) whose `section` is that heading, so that a citation can
say where in the document its quote stands. A heading with no text of its own before the next heading ("Part
I" above "Chapter 1") is carried into the next section's text. Footnotes are kept, as a last section.
"""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

from lxml import etree

from ingest.documents import LoadedDocument, LoadError, Page
from ingest.loaders.common import LANGUAGE_SAMPLE, clean_value, describe, language_code, one_line, stem_title
from ingest.text.language import detect_language
from ingest.text.normalize import garbage_reason, normalize_text

FOOTNOTES = "Footnotes"
# Office files encrypted with a password (and legacy .doc) are OLE compound files, not zips.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A part of an office file or e-book is XML of a few MB at most; one this large is a zip bomb.
MAX_PART_BYTES = 64 * 1024 * 1024
# No DTDs, entities or network: a document's XML is data, never instructions to fetch or expand anything.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class Sections:
    """Blocks of text in reading order, gathered into one Page per heading."""

    def __init__(self) -> None:
        self.pages: list[Page] = []
        self._heading = ""
        self._blocks: list[str] = []
        self._body = False  # whether the open section has text besides its headings

    def heading(self, text: str) -> None:
        """Start a new section under this heading (blank headings are ignored)."""
        title = clean_value(text)
        if not title:
            return
        if self._body:
            self._flush()
        self._heading = title
        self._blocks.append(title)

    def block(self, text: str) -> None:
        """A paragraph, list item or table row of the open section."""
        if text.strip():
            self._blocks.append(text)
            self._body = True

    def close(self, footnotes: list[str] | None = None) -> list[Page]:
        """The pages, the footnotes (when there are any) last."""
        self._flush()
        if footnotes:
            self.heading(FOOTNOTES)
            for note in footnotes:
                self.block(note)
            self._flush()
        return self.pages

    def _flush(self) -> None:
        text = normalize_text("\n\n".join(self._blocks)) if self._body else ""
        if text:
            self.pages.append(Page(text, None, self._heading))
        self._blocks, self._body = [], False


def open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """The file as a zip archive; LoadError with a reason when it is not one."""
    if not data:
        raise LoadError("empty file (0 bytes)")
    if data.startswith(_OLE_MAGIC):
        raise LoadError(
            f"not a {what} file of today's zip format: an OLE container, that is a password-protected file "
            "or a legacy .doc; save it without a password as .docx or .odt"
        )
    try:
        return zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile as exc:
        start = one_line(data[:8].decode("latin-1"), 8)
        raise LoadError(f"not a {what} file: not a zip container ({exc}; it starts with {start!r})") from exc


def read_part(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """One member's bytes (None when absent); LoadError when it is too large or damaged."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        raise LoadError(f"{name} unpacks to {info.file_size // 2**20} MB (a zip bomb?); not read")
    try:
        return archive.read(info)
    except Exception as exc:  # CRC errors, unsupported compression, truncated data
        raise LoadError(f"{name} is damaged ({describe(exc)})") from exc


def parse_xml(data: bytes, name: str) -> etree._Element:
    """An XML part, parsed without entities, DTDs or network access; LoadError when it is not XML."""
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise LoadError(f"{name} is not well-formed XML ({one_line(str(exc), 100)})") from exc


def section_document(
    path: Path, pages: list[Page], *, title: str, language: str, what: str, source: str = ""
) -> LoadedDocument:
    """The loaded document; its title and language from the file's own properties where they are set, else
    the first heading (or the file name) and the language of its text."""
    if not pages:
        raise LoadError(f"no text in the {what}")
    sample = "\n\n".join(p.text for p in pages[:20])[:LANGUAGE_SAMPLE]
    reason = garbage_reason(sample)
    if reason:
        raise LoadError(f"not readable text ({reason})")
    return LoadedDocument(
        pages=pages,
        title=clean_value(title) or pages[0].section or stem_title(path),
        source=source,
        language=language_code(language) or detect_language(sample),
    )
