"""HTML: title, canonical URL, language and the main text, through BeautifulSoup."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from bs4 import BeautifulSoup, Tag
from bs4.dammit import EncodingDetector
from bs4.element import CData, NavigableString, PageElement, PreformattedString

from ingest.documents import LoadedDocument, LoadError, LoadOptions, Page
from ingest.loaders.common import (
    clean_value,
    decode,
    describe,
    language_code,
    source_url,
    stem_title,
)
from ingest.text.language import detect_language
from ingest.text.normalize import garbage_reason, normalize_text

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


def decode_html(data: bytes) -> str:
    """Decode as UTF-8, else in the charset the page declares; an undeclared legacy encoding is refused."""
    try:
        return decode(data)
    except LoadError as not_utf8:
        declared = EncodingDetector.find_declared_encoding(data, is_html=True)
        if not declared or declared.lower().replace("_", "-") in {"utf-8", "utf8"}:
            raise LoadError(f"{not_utf8} (and no other charset declared)") from None
    try:
        return data.decode(declared)
    except (LookupError, UnicodeDecodeError) as exc:
        raise LoadError(f"not decodable as its declared charset '{declared}' ({describe(exc)})") from exc


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


def parse_html(markup: str | bytes) -> BeautifulSoup:
    """The page parsed by lxml's HTML parser (as browsers would: broken markup is mended, not refused)."""
    with warnings.catch_warnings():
        # bs4 warns about XHTML parsed as HTML and markup that looks like a file name; both are fine here.
        warnings.simplefilter("ignore")
        return BeautifulSoup(markup, "lxml")


def main_text(soup: BeautifulSoup) -> str:
    """The text a reader sees in the page's main part, without furniture, hidden text or scripts.

    Takes the page furniture out of `soup` on the way.
    """
    for tag in soup.find_all(_DROPPED_TAGS) + soup.find_all(_is_hidden):
        if not tag.decomposed:
            tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    for cell in root.find_all(_CELL_TAGS):
        # Paragraphs inside a table cell (as word processors write them) stay on the row's line.
        for block in cell.find_all(["p", "div"]):
            block.insert_after(" ")
            block.unwrap()
    return _LEADING_SPACE.sub("", normalize_text(_html_text(root)))


def load_html(path: Path, data: bytes, options: LoadOptions) -> LoadedDocument:
    """Load an HTML page's main text as one page, with title, canonical URL and language from its markup."""
    soup = parse_html(decode_html(data))

    head_title = soup.head.find("title") if soup.head is not None else None
    h1 = soup.find("h1")
    title = clean_value(
        _meta_content(soup, "og:title")
        or (head_title.get_text() if head_title is not None else "")
        or (h1.get_text(" ") if h1 is not None else "")
    )
    canonical = soup.find("link", rel="canonical")
    href = canonical.get("href") if isinstance(canonical, Tag) else None
    source = source_url((href if isinstance(href, str) else "") or _meta_content(soup, "og:url"))
    lang = soup.html.get("lang") if soup.html is not None else None

    text = main_text(soup)
    if not text:
        raise LoadError("no text in the HTML page's body")
    reason = garbage_reason(text)
    if reason:
        raise LoadError(f"not readable text ({reason})")
    return LoadedDocument(
        pages=[Page(text, None)],
        title=title or stem_title(path),
        source=source,
        language=language_code(lang if isinstance(lang, str) else "") or detect_language(text),
    )
