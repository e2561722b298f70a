"""Word, OpenDocument and EPUB files, as LibreOffice writes them (tests/fixtures/office, remade by `make
fixtures`), and hostile ones: sections under headings, lists, tables and footnotes kept, nothing fetched."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from ingest import LoadError, load_file
from ingest.loaders.sections import MAX_PART_BYTES

OFFICE = Path(__file__).parent / "fixtures" / "office"
FORMATS = ("docx", "odt", "epub")
FOUNDING = "Die Gründung in Almaty"


def _sections(path: Path) -> dict[str, str]:
    doc = load_file(path)
    assert all(page.number is None for page in doc.pages)
    return {page.section: page.text for page in doc.pages}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_word_processors_file_is_read_as_sections_under_its_headings(fmt: str) -> None:
    doc = load_file(OFFICE / f"goethe_chronik.{fmt}")
    assert (doc.title, doc.language, doc.problems) == ("Chronik des Goethe-Instituts Kasachstan", "de", [])
    sections = _sections(OFFICE / f"goethe_chronik.{fmt}")
    assert list(sections)[:2] == [FOUNDING, "Partner in den Regionen"]
    founding = sections[FOUNDING]
    assert founding.startswith(FOUNDING + "\n\n")
    # The note reference's number does not run into the text ("Haus 9.1 Erster").
    assert (
        "am 7. September 1994 in Almaty eröffnet; die erste Adresse war der Mikrobezirk Samal-3, Haus 9. " in founding
    )
    everything = "\n".join(sections.values())
    # A table's rows as lines of cells; the footnote kept, numbered.
    assert "2005 | Zusammenarbeit mit dem Deutschen Theater Almaty" in everything
    assert "1. Nach der Chronik zum 30-jährigen Bestehen des Instituts, 2024." in everything


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_list_items_are_marked_and_a_subheading_opens_its_own_section(fmt: str) -> None:
    sections = _sections(OFFICE / f"goethe_chronik.{fmt}")
    assert "• Astana\n\n• Karaganda" in sections["Partner in den Regionen"]
    assert sections["Schulen: Partner der Zukunft"].startswith("Schulen: Partner der Zukunft\n\n2008 begann")
    assert sections["Footnotes"] == "Footnotes\n\n1. Nach der Chronik zum 30-jährigen Bestehen des Instituts, 2024."


def _rezip(source: Path, dest: Path, replace: dict[str, bytes]) -> Path:
    """A copy of an office file or e-book with some members replaced (or added)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename not in replace:
                out.writestr(info, src.read(info))
        for name, data in replace.items():
            out.writestr(name, data)
    return dest


def test_an_external_entity_is_never_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LINE", encoding="utf-8")
    evil = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        "<text:p>Das Kulturabkommen wurde 1994 in Almaty unterzeichnet, sagt dieser Absatz. &x;</text:p>"
        "</office:text></office:body></office:document-content>"
    ).encode()
    path = _rezip(OFFICE / "goethe_chronik.odt", tmp_path / "evil.odt", {"content.xml": evil})
    text = "\n".join(p.text for p in load_file(path).pages)
    assert "1994 in Almaty unterzeichnet" in text and "TOP-SECRET" not in text


def test_a_zip_bomb_part_is_refused_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("[Content_Types].xml", "<Types/>")
        out.writestr("word/footnotes.xml", b"<" + b" " * (MAX_PART_BYTES + 1))
    with pytest.raises(LoadError, match="not a readable Word document|zip bomb"):
        load_file(path)
    with zipfile.ZipFile(OFFICE / "goethe_chronik.docx") as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    parts["word/footnotes.xml"] = b"<" + b" " * (MAX_PART_BYTES + 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    (tmp_path / "bomb2.docx").write_bytes(buffer.getvalue())
    with pytest.raises(LoadError, match=r"word/footnotes.xml unpacks to 64 MB \(a zip bomb\?\)"):
        load_file(tmp_path / "bomb2.docx")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("locked.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "password-protected file or a legacy .doc"),
        ("plain.docx", b"just some text, not a zip", "not a Word file: not a zip container"),
        ("empty.epub", b"", "empty file"),
    ],
)
def test_files_that_are_not_what_their_name_says_get_a_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(LoadError, match=reason.replace(".", r"\.")):
        load_file(tmp_path / name)


def test_protected_books_and_documents_are_refused_saying_so(tmp_path: Path) -> None:
    encryption = (
        b'<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
        b'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData><enc:CipherData>'
        b'<enc:CipherReference URI="OEBPS/sections/section0001.xhtml"/>'
        b"</enc:CipherData></enc:EncryptedData></encryption>"
    )
    book = _rezip(OFFICE / "goethe_chronik.epub", tmp_path / "drm.epub", {"META-INF/encryption.xml": encryption})
    with pytest.raises(LoadError, match="DRM-protected"):
        load_file(book)
    with zipfile.ZipFile(OFFICE / "goethe_chronik.odt") as src:
        manifest = re.sub(
            rb'(<manifest:file-entry manifest:full-path="content.xml"[^>]*?)/>',
            rb"\1><manifest:encryption-data/></manifest:file-entry>",
            src.read("META-INF/manifest.xml"),
        )
    assert b"encryption-data" in manifest
    odt = _rezip(OFFICE / "goethe_chronik.odt", tmp_path / "locked.odt", {"META-INF/manifest.xml": manifest})
    with pytest.raises(LoadError, match="encrypted: password-protected"):
        load_file(odt)


def test_an_epub_chapter_missing_from_the_zip_costs_only_that_chapter(tmp_path: Path) -> None:
    with zipfile.ZipFile(OFFICE / "goethe_chronik.epub") as src, zipfile.ZipFile(tmp_path / "torn.epub", "w") as out:
        for info in src.infolist():
            if not info.filename.endswith("section0002.xhtml"):
                out.writestr(info, src.read(info))
    assert list(_sections(tmp_path / "torn.epub")) == [FOUNDING]
