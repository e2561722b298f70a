"""EPUB (2 and 3) through zipfile and the HTML loader: the spine's chapters in reading order, one section each.

EbookLib is AGPL-3.0 and not for an MIT project; the container is a zip of XHTML files named by an OPF
package document, which this module reads itself. Scripts, styles, images, fonts and links are never run or
followed; a DRM-encrypted book is refused with that reason.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import unquote

from ingest.documents import LoadedDocument, LoadError, LoadOptions
from ingest.loaders.common import source_url
from ingest.loaders.html import decode_html, main_text, parse_html
from ingest.loaders.sections import Sections, open_zip, parse_xml, read_part, section_document

_CONTAINER = "urn:oasis:names:tc:opendocument:xmlns:container"
_OPF = "http://www.idpf.org/2007/opf"
_DC = "http://purl.org/dc/elements/1.1/"
_XHTML_TYPES = ("application/xhtml+xml", "text/html")
_MAX_CHAPTERS = 5000
# Footnotes and endnotes of EPUB 3 live in <aside epub:type="footnote">, which the HTML loader drops as furniture.
_NOTE_TYPES = ("footnote", "endnote", "rearnote", "note")


def _package_path(archive: object) -> str:
    container = read_part(archive, "META-INF/container.xml")  # type: ignore[arg-type]
    if container is None:
        raise LoadError("not an EPUB: it has no META-INF/container.xml")
    rootfile = parse_xml(container, "container.xml").find(f".//{{{_CONTAINER}}}rootfile")
    path = rootfile.get("full-path") if rootfile is not None else None
    if not path:
        raise LoadError("not an EPUB: container.xml names no package document")
    return path


def _drm_reason(archive: object) -> str | None:
    """Why the book cannot be read when its chapters are encrypted (font obfuscation alone is fine)."""
    encryption = read_part(archive, "META-INF/encryption.xml")  # type: ignore[arg-type]
    if encryption is None:
        return None
    for reference in parse_xml(encryption, "encryption.xml").iter("{*}CipherReference"):
        if reference.get("URI", "").lower().endswith((".xhtml", ".html", ".htm", ".xml")):
            return "DRM-protected: its chapters are encrypted"
    return None


def _toc_labels(archive: object, root: object, base: str) -> dict[str, str]:
    """Each chapter file's first label in the book's table of contents (EPUB 3 nav, else EPUB 2 NCX)."""
    items = list(root.iter(f"{{{_OPF}}}item"))  # type: ignore[attr-defined]
    nav = next((i for i in items if "nav" in (i.get("properties") or "").split()), None)
    ncx = next((i for i in items if i.get("media-type") == "application/x-dtbncx+xml"), None)
    labels: dict[str, str] = {}
    for item, links in ((nav, "{*}a"), (ncx, "{*}navPoint")):
        if item is None:
            continue
        name = _member(base, item.get("href", ""))
        data = read_part(archive, name)  # type: ignore[arg-type]
        if data is None:
            continue
        folder = posixpath.dirname(name)
        for link in parse_xml(data, name).iter(links):
            if links == "{*}a":
                href, label = link.get("href", ""), "".join(link.itertext())
            else:
                content = link.find("{*}content")
                href = content.get("src", "") if content is not None else ""
                name_tag = link.find("{*}navLabel")
                label = "".join(name_tag.itertext()) if name_tag is not None else ""
            label = " ".join(label.split())
            if href and label:
                labels.setdefault(_member(folder, href), label)
        if labels:
            break
    return labels


def _member(folder: str, href: str) -> str:
    """The zip member an href relative to `folder` names (its fragment dropped, %-escapes decoded)."""
    return posixpath.normpath(posixpath.join(folder, unquote(href.split("#", 1)[0])))


def _section_name(soup: object, index: int) -> str:
    for name in ("h1", "h2", "h3", "h4"):
        heading = soup.find(name)  # type: ignore[attr-defined]
        if heading is not None and heading.get_text(" ", strip=True):
            return heading.get_text(" ", strip=True)
    return f"Chapter {index}"


def _kinds(tag: object) -> set[str]:
    return {k.removeprefix("doc-") for k in f"{tag.get('epub:type', '')} {tag.get('role', '')}".split()}  # type: ignore[attr-defined]


def _keep_notes(soup: object) -> None:
    """Turn note asides into plain blocks, so that their text is kept where the book puts it; drop the note
    references, whose numbers would run into the text ("Haus 9.1 Erster"), and number each note "1. ..."."""
    for ref in soup.find_all("a"):  # type: ignore[attr-defined]
        if "noteref" in _kinds(ref):
            parent = ref.parent
            ref.decompose()
            if parent is not None and parent.name == "sup" and not parent.get_text(strip=True):
                parent.decompose()
    for aside in soup.find_all("aside"):  # type: ignore[attr-defined]
        if _kinds(aside) & set(_NOTE_TYPES):
            aside.name = "div"
            back = aside.find("a", href=True)
            if back is not None and str(back["href"]).startswith("#") and back.get_text(strip=True).isdigit():
                back.replace_with(f"{back.get_text(strip=True)}. ")


def load_epub(path: Path, data: bytes, options: LoadOptions) -> LoadedDocument:
    """Load an EPUB's chapters in spine order, each a section named by its first heading."""
    sections = Sections()
    with open_zip(data, "EPUB") as archive:
        drm = _drm_reason(archive)
        if drm:
            raise LoadError(drm)
        package = _package_path(archive)
        opf = read_part(archive, package)
        if opf is None:
            raise LoadError(f"not an EPUB: its package document {package} is missing")
        root = parse_xml(opf, package)
        base = posixpath.dirname(package)
        items = {
            item.get("id"): (item.get("href", ""), item.get("media-type", "")) for item in root.iter(f"{{{_OPF}}}item")
        }
        spine = [ref.get("idref") for ref in root.iter(f"{{{_OPF}}}itemref")][:_MAX_CHAPTERS]
        labels = _toc_labels(archive, root, base)
        for index, idref in enumerate(spine, start=1):
            href, media = items.get(idref, ("", ""))
            if not href or media not in _XHTML_TYPES:
                continue
            name = _member(base, href)
            chapter = read_part(archive, name)
            if chapter is None:
                continue  # a spine entry whose file is missing: the rest of the book still counts
            soup = parse_html(decode_html(chapter))
            _keep_notes(soup)
            heading = labels.get(name) or _section_name(soup, index)
            text = main_text(soup)
            sections.heading(heading)
            sections.block(text.removeprefix(heading).strip())
    title = root.findtext(f".//{{{_DC}}}title") or ""
    language = root.findtext(f".//{{{_DC}}}language") or ""
    source = source_url(root.findtext(f".//{{{_DC}}}source") or "")
    return section_document(path, sections.close(), title=title, language=language, what="EPUB", source=source)
