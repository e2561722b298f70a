"""Text clean-up shared by every loader, and a check for extracted text that is not prose."""

from __future__ import annotations

import re
import unicodedata

# Invisible characters that carry no text: zero-width spaces and joiners, word joiner, BOM, soft hyphen,
# invisible math operators, bidi controls, and Unicode tag characters (U+E0000-U+E007F). Poisoned documents
# hide instructions in them, and they split words that should match a search.
_INVISIBLE = (
    [0x00AD, 0x034F, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064]
    + list(range(0x202A, 0x202F))
    + list(range(0x2066, 0x206A))
    + [0xFEFF]
    + list(range(0xE0000, 0xE0080))
)
# Unusual spaces become plain ones, so that "1 000" (narrow no-break space) and "z. B." match a query.
_SPACES = [0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000]
# PDF fonts emit typographic ligatures (U+FB00-FB06) as one code point: "classiﬁcation" would never match
# "classification". NFKC would fix them too but also rewrites superscripts, fractions and full-width forms.
_LIGATURES = dict(zip(range(0xFB00, 0xFB07), ["ff", "fi", "fl", "ffi", "ffl", "st", "st"], strict=True))
_TABLE: dict[int, str | None] = {
    **dict.fromkeys(_INVISIBLE),
    **dict.fromkeys(_SPACES, " "),
    **_LIGATURES,
    # Line separators other than \n: CR-LF and CR are handled first by _NEWLINES.
    0x000B: "\n",
    0x000C: "\n",
    0x0085: "\n",
    0x2028: "\n",
    0x2029: "\n\n",
}

_NEWLINES = re.compile(r"\r\n?")
# A soft hyphen at a line end marks a hyphenation point: the word continues on the next line.
_SOFT_HYPHEN_BREAK = re.compile("\u00ad[ \t]*\n[ \t]*")
# A letter, a hyphen at the end of the line, and the word that starts the next line.
_HYPHEN_BREAK = re.compile(r"([^\W\d_])-[ \t]*\n[ \t]*([^\W\d_]+)")
# "Ost- und Westeuropa": a hyphen before a conjunction is a suspended compound, not a split word.
_CONJUNCTIONS = frozenset({"und", "oder", "bzw", "sowie", "bis", "and", "or", "to", "и", "или", "және"})
_SPACE_RUNS = re.compile(r"[ \t]+")
_TRAILING_SPACE = re.compile(r" +\n")
_BLANK_RUNS = re.compile(r"\n{3,}")


def _join_hyphenated(match: re.Match[str]) -> str:
    last, word = match.group(1), match.group(2)
    if word[0].islower() and word not in _CONJUNCTIONS:
        return last + word
    # An uppercase start is a real compound ("Kasachisch-Deutsche"): keep the hyphen, drop the break.
    joiner = "- " if word in _CONJUNCTIONS else "-"
    return last + joiner + word


def normalize_text(text: str) -> str:
    """Return text in NFC without invisible characters, with re-joined words and tidy whitespace."""
    text = _NEWLINES.sub("\n", text)
    text = _SOFT_HYPHEN_BREAK.sub("", text)
    text = text.translate(_TABLE)
    # NFC after removing invisibles: a zero-width character between a letter and its accent stops composition.
    text = unicodedata.normalize("NFC", text)
    text = _HYPHEN_BREAK.sub(_join_hyphenated, text)
    text = _SPACE_RUNS.sub(" ", text)
    text = _TRAILING_SPACE.sub("\n", text)
    text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip()


# --- Garbage detection -------------------------------------------------------------------------------------
#
# Thresholds are deliberately conservative: dropping a real page loses content silently, while indexing a
# garbage page only adds noise. Each rule needs a pattern that prose does not produce in quantity, and the
# statistical rules only apply to texts long enough for a share to mean something.

# Type3 fonts without a ToUnicode map come out of pypdf as glyph names: "/g437/g258"; other tools print
# them bare ("g437 g258") or as "/uni0435", "/c158", "/afii10017".
_GLYPH_NAMES = re.compile(r"/[A-Za-z]{1,7}[0-9A-Fa-f]*\d[0-9A-Fa-f]*\b|(?<![\w/])g\d{1,5}\b")
# pdfminer writes glyphs it cannot map as "(cid:123)".
_CID_CODES = re.compile(r"\(cid:\d+\)")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")
# C0/C1 controls other than tab and newline (normalize_text has already turned \r, \v, \f into \n).
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_NON_SPACE = re.compile(r"\S")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORDS = re.compile(r"\S+")
_LETTERS = re.compile(r"[^\W\d_]")
_PUNCT = re.compile(r"[!-/:-@\[-`{-~]")
# Dot leaders and rules: "....", ". . . .", "-----".
_LEADERS = re.compile(r"([^\w\s])(?: ?\1){2,}")

# Share of the (glyph-counted) text above which a marker pattern means the whole text is that garbage.
# Prose with a stray "(cid:5)" or a URL with "/v1" stays far below.
_MARKER_SHARE = 0.3
# Replacement characters and controls: one in ten characters means the decoding failed, not one bad glyph.
_BROKEN_CHAR_SHARE = 0.1
# The statistical rules need this much text: "Page 1" or "0 2 4 6 8" is short but not garbage.
_MIN_CHARS_FOR_SHARES = 40
_MIN_WORDS_FOR_SHARES = 15
# OCR noise such as ":., . . i, ." is mostly ASCII punctuation; prose has 2-10 %, and even a table of
# contents stays near 25 % once its dot leaders are left out. Symbols outside ASCII (maths, Braille, box
# drawing in a Unicode demo page) are not counted: they are rare but real content.
_MAX_PUNCT_SHARE = 0.5
# Single-letter words are 5-20 % of words in English, German, Russian or Kazakh prose; CID mojibake and
# letter-spaced junk, where every glyph stands alone, are far above.
_MAX_SINGLE_LETTER_WORDS = 0.6
# Unassigned code points never occur in real text; a few percent means a broken font encoding.
_UNASSIGNED_SHARE = 0.02

# Adobe's placeholder page of a dynamic XFA form: the form itself is not in the PDF's page content.
_XFA_PLACEHOLDER = re.compile(
    r"requires Adobe Reader \d|To view the full contents of this document, you need a later version"
    r"|If this message is not eventually replaced by the proper contents of the document"
    r"|Wenn diese Nachricht nicht (?:schließlich|irgendwann) durch den (?:korrekten|richtigen) Inhalt",
    re.IGNORECASE,
)
_XFA_PLACEHOLDER_MAX_CHARS = 1500


def _marker_share(text: str, pattern: re.Pattern[str], non_space: int) -> tuple[int, float]:
    """Count marker matches and their share of the text when each match counts as one glyph."""
    matches = pattern.findall(text)
    if not matches:
        return 0, 0.0
    covered = sum(len(m) for m in matches)
    glyphs = len(matches) + max(non_space - covered, 0)
    return len(matches), len(matches) / glyphs


def garbage_reason(text: str) -> str | None:
    """Return a short reason when non-empty extracted text is not prose (glyph names, mojibake), else None."""
    non_space = len(_NON_SPACE.findall(text))
    if non_space == 0:
        return None

    count, share = _marker_share(text, _GLYPH_NAMES, non_space)
    if count >= 2 and share >= _MARKER_SHARE:
        return "Type3 glyph names"
    count, share = _marker_share(text, _CID_CODES, non_space)
    if count >= 2 and share >= _MARKER_SHARE:
        return "unmapped CID codes"
    if len(text) <= _XFA_PLACEHOLDER_MAX_CHARS and _XFA_PLACEHOLDER.search(text):
        return "XFA form placeholder"

    private = len(_PRIVATE_USE.findall(text))
    if private >= 2 and private / non_space >= _MARKER_SHARE:
        return "Private Use Area characters"
    replacement = text.count("\ufffd")
    if replacement >= 3 and replacement / non_space >= _BROKEN_CHAR_SHARE:
        return "replacement characters (U+FFFD)"
    controls = len(_CONTROLS.findall(text))
    if controls >= 3 and controls / non_space >= _BROKEN_CHAR_SHARE:
        return "control characters"

    if non_space < _MIN_CHARS_FOR_SHARES:
        return None
    non_ascii = _NON_ASCII.findall(text)
    broken = {ch for ch in set(non_ascii) if unicodedata.category(ch) == "Cn"}
    unassigned = sum(1 for ch in non_ascii if ch in broken) if broken else 0
    if unassigned >= 3 and unassigned / non_space >= _UNASSIGNED_SHARE:
        return "CID mojibake: unassigned code points"
    without_leaders = _LEADERS.sub("", text)
    rest = len(_NON_SPACE.findall(without_leaders))
    if rest >= _MIN_CHARS_FOR_SHARES and len(_PUNCT.findall(without_leaders)) / rest > _MAX_PUNCT_SHARE:
        return "mostly punctuation (OCR noise)"
    words = [w for w in _WORDS.findall(text) if _LETTERS.search(w)]
    if len(words) >= _MIN_WORDS_FOR_SHARES:
        single = sum(1 for w in words if len(_LETTERS.findall(w)) == 1)
        if single / len(words) >= _MAX_SINGLE_LETTER_WORDS:
            return "mostly single-letter words"
    return None
