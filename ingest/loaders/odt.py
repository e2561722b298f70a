"""OpenDocument text (.odt): its content.xml read with lxml, headings open sections, footnotes kept.

lxml rather than odfpy: the format is plain, explicit XML (text:h is a heading, text:list a list, table:table a
table), lxml is a dependency already and parses here with entities, DTDs and network access off; odfpy has had
no release since 2020. Only content.xml and meta.xml are read: macros (Basic/), embedded objects (Object N/),
links and images are never opened, followed or run.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from ingest.documents import LoadedDocument, LoadError, LoadOptions
from ingest.loaders.sections import Sections, open_zip, parse_xml, read_part, section_document

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_DC = "http://purl.org/dc/elements/1.1/"
_MIME = b"application/vnd.oasis.opendocument.text"
# Generated from the headings (a table of contents) or not text of the document (forms, change tracking).
_SKIPPED = {
    f"{{{_TEXT}}}table-of-content", f"{{{_TEXT}}}alphabetical-index", f"{{{_TEXT}}}illustration-index",
    f"{{{_TEXT}}}table-index", f"{{{_TEXT}}}object-index", f"{{{_TEXT}}}user-index", f"{{{_TEXT}}}bibliography",
    f"{{{_TEXT}}}sequence-decls", f"{{{_TEXT}}}variable-decls", f"{{{_TEXT}}}tracked-changes",
    f"{{{_OFFICE}}}forms",
}  # fmt: skip


class _Reader:
    """Walks office:text in reading order into sections, gathering the notes' bodies on the way."""

    def __init__(self) -> None:
        self.sections = Sections()
        self.notes: list[str] = []

    def inline(self, element: etree._Element) -> str:
        """A paragraph's text: spans and links as text, text:s as spaces, notes taken out to the footnotes."""
        out = [element.text or ""]
        for child in element:
            tag = child.tag
            if tag == f"{{{_TEXT}}}s":
                out.append(" " * int(child.get(f"{{{_TEXT}}}c", "1") or 1))
            elif tag == f"{{{_TEXT}}}tab":
                out.append("\t")
            elif tag == f"{{{_TEXT}}}line-break":
                out.append("\n")
            elif tag == f"{{{_TEXT}}}note":
                body = child.find(f"{{{_TEXT}}}note-body")
                if body is not None:
                    text = " ".join(
                        " ".join(self.inline(p).split()) for p in body.iter(f"{{{_TEXT}}}p", f"{{{_TEXT}}}h")
                    )
                    if text.strip():
                        self.notes.append(f"{len(self.notes) + 1}. {text.strip()}")
            elif isinstance(tag, str) and tag.startswith(f"{{{_TEXT}}}"):  # spans, links, bookmarks
                out.append(self.inline(child))
            out.append(child.tail or "")
        return "".join(out)

    def walk(self, parent: etree._Element, bullet: str = "") -> None:
        """Headings, paragraphs, lists, tables and sections below `parent`, in order."""
        for child in parent:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIPPED:
                continue
            if tag == f"{{{_TEXT}}}h":
                self.sections.heading(self.inline(child))
            elif tag == f"{{{_TEXT}}}p":
                text = self.inline(child).strip()
                self.sections.block(f"{bullet}{text}" if text else "")
            elif tag == f"{{{_TEXT}}}list":
                for item in child:
                    self.walk(item, "• ")
            elif tag == f"{{{_TABLE}}}table":
                self.table(child)
            else:  # text:section, text:list-item's wrappers, table-header-rows...: their content counts
                self.walk(child, bullet)

    def table(self, table: etree._Element) -> None:
        for row in table.iter(f"{{{_TABLE}}}table-row"):
            cells = []
            for cell in row.iter(f"{{{_TABLE}}}table-cell"):
                text = " ".join(" ".join(self.inline(p).split()) for p in cell.iter(f"{{{_TEXT}}}p"))
                if text.strip():
                    cells.append(text.strip())
            self.sections.block(" | ".join(cells))


def load_odt(path: Path, data: bytes, options: LoadOptions) -> LoadedDocument:
    """Load an OpenDocument text as sections under its headings."""
    with open_zip(data, "OpenDocument") as archive:
        mime = read_part(archive, "mimetype")
        if mime is not None and mime.strip() != _MIME:
            shown = mime.strip()[:60].decode("latin-1")
            raise LoadError(f"not an OpenDocument text (its mimetype is {shown!r}; only .odt text documents are read)")
        manifest = read_part(archive, "META-INF/manifest.xml") or b""
        if b"encryption-data" in manifest:
            raise LoadError("encrypted: password-protected OpenDocument files are not supported")
        content = read_part(archive, "content.xml")
        meta = read_part(archive, "meta.xml")
    if content is None:
        raise LoadError("not an OpenDocument text: it has no content.xml")
    root = parse_xml(content, "content.xml")
    body = root.find(f"{{{_OFFICE}}}body/{{{_OFFICE}}}text")
    if body is None:
        raise LoadError("not an OpenDocument text: content.xml has no office:text body")
    reader = _Reader()
    reader.walk(body)
    title = language = ""
    if meta is not None:
        info = parse_xml(meta, "meta.xml")
        title = info.findtext(f".//{{{_DC}}}title") or ""
        language = info.findtext(f".//{{{_DC}}}language") or ""
    pages = reader.sections.close(reader.notes)
    return section_document(path, pages, title=title, language=language, what="OpenDocument text")
