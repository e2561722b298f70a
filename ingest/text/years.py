"""Years in texts and questions (1800-2099): for year-range filters and for matching a question's years."""

from __future__ import annotations

import re

# A four-digit year not inside a longer number ("12,1994,5", "978-3-12-199456"); dates such as 12.03.1999 and
# ranges such as 1994-1996 count.
_YEAR = re.compile(r"(?<![\d,])(18\d\d|19\d\d|20\d\d)(?!\d)")
_Y = r"(18\d\d|19\d\d|20\d\d)"
# "1992-2000", "1992–2000", "zwischen 1992 und 2000", "between 1992 and 2000", "from 1992 to 2000",
# "von 1992 bis 2000", "с 1992 по 2000", "с 1992 до 2000", "1992 бен 2000 жылдар аралығында".
_RANGE = re.compile(
    rf"(?<!\d){_Y}\s*[-–—]\s*{_Y}(?!\d)"
    rf"|\b(?:between|from|zwischen|von|с|от)\s+{_Y}\s+(?:and|to|und|bis|по|до)\s+{_Y}"
    rf"|(?<!\d){_Y}\s+(?:бен|мен|және)\s+{_Y}",
    re.I,
)
# Decades: "the 1990s", "die 1990er", "в 1990-е годы", "1990-х", "1990 жылдары".
_DECADE = re.compile(r"(?<!\d)(1[89]\d0|20\d0)(?:s\b|er\b|-?е\b|-?х\b|'s\b|-ші|-шы)", re.I)
MAX_SPAN = 60


def years_in(text: str) -> list[int]:
    """The distinct years a text mentions, sorted."""
    return sorted({int(y) for y in _YEAR.findall(text)})


def years_asked(question: str) -> set[int]:
    """The years a question is about: those it names, every year of the ranges and decades it names."""
    years = set(years_in(question))
    for m in _RANGE.finditer(question):
        a, b = sorted(int(y) for y in m.groups() if y)
        if b - a <= MAX_SPAN:
            years.update(range(a, b + 1))
    for m in _DECADE.finditer(question):
        start = int(m.group(1))
        years.update(range(start, start + 10))
    return years
