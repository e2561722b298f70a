"""Word (.docx) through python-docx: headings open sections, lists and tables as text, footnotes kept.

Only the document's XML is read: macros (vbaProject.bin), embedded objects, external links and images are
never opened, followed or run. Headers and footers are page furniture and left out.
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path

from ingest.documents import LoadedDocument, LoadError, LoadOptions
from ingest.loaders.common import describe
from ingest.loaders.sections import Sections, open_zip, parse_xml, read_part, section_document

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"(heading|überschrift|заголовок)\s*\d+|title|titel|заглавие", re.IGNORECASE)
_LIST_STYLE = re.compile(r"list|aufzählung|liste|список", re.IGNORECASE)


def _is_heading(paragraph: object) -> bool:
    style = getattr(paragraph, "style", None)
    name = getattr(style, "name", "") or ""
    if _HEADING_STYLE.fullmatch(name.strip()):
        return True
    ppr = paragraph._p.pPr  # type: ignore[attr-defined]
    # A paragraph given an outline level directly (w:outlineLvl) is a heading whatever its style.
    return ppr is not None and ppr.find(f"{_W}outlineLvl") is not None


def _is_list_item(paragraph: object) -> bool:
    ppr = paragraph._p.pPr  # type: ignore[attr-defined]
    if ppr is not None and ppr.find(f"{_W}numPr") is not None:
        return True
    name = getattr(getattr(paragraph, "style", None), "name", "") or ""
    return bool(_LIST_STYLE.search(name))


def _table_rows(table: object) -> list[str]:
    """Each row as its cells' text joined by ' | ' (a merged cell, which python-docx repeats, counted once)."""
    rows = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells: list[str] = []
        last = None
        for cell in row.cells:
            if cell._tc is last:
                continue
            last = cell._tc
            cells.append(" ".join(cell.text.split()))
        line = " | ".join(c for c in cells if c)
        if line:
            rows.append(line)
    return rows


def _notes(archive: zipfile.ZipFile, part: str, tag: str) -> list[str]:
    """The text of each real footnote or endnote (not the separators), in document order."""
    data = read_part(archive, part)
    if data is None:
        return []
    notes = []
    for note in parse_xml(data, part).iter(f"{_W}{tag}"):
        if note.get(f"{_W}type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        paragraphs = ["".join(t.text or "" for t in p.iter(f"{_W}t", f"{_W}tab")).strip() for p in note.iter(f"{_W}p")]
        text = " ".join(p for p in paragraphs if p)
        if text:
            notes.append(f"{len(notes) + 1}. {text}")
    return notes


def load_docx(path: Path, data: bytes, options: LoadOptions) -> LoadedDocument:
    """Load a Word document as sections under its headings."""
    import docx  # python-docx: imported here, so that importing the loaders stays light

    with open_zip(data, "Word") as archive:  # also a clear reason for a file that is not a zip at all
        notes = _notes(archive, "word/footnotes.xml", "footnote") + _notes(archive, "word/endnotes.xml", "endnote")
    try:
        document = docx.Document(BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, PackageNotFoundError...
        raise LoadError(f"not a readable Word document ({describe(exc)})") from exc

    sections = Sections()
    for item in document.iter_inner_content():
        if hasattr(item, "rows"):
            for row in _table_rows(item):
                sections.block(row)
        elif _is_heading(item):
            sections.heading(item.text)
        else:
            text = item.text.strip()
            sections.block(f"• {text}" if text and _is_list_item(item) else text)
    pages = sections.close(notes)
    properties = document.core_properties
    return section_document(
        path, pages, title=properties.title or "", language=properties.language or "", what="Word document"
    )
