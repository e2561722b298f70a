"""Years mentioned in a text (1800-2099), for year-range filters and matching a question's years."""

from __future__ import annotations

import re

# A four-digit year not inside a longer number ("12,1994,5", "978-3-12-199456"); dates such as 12.03.1999 and
# ranges such as 1994-1996 count.
_YEAR = re.compile(r"(?<![\d,])(18\d\d|19\d\d|20\d\d)(?!\d)")


def years_in(text: str) -> list[int]:
    """The distinct years a text mentions, sorted."""
    return sorted({int(y) for y in _YEAR.findall(text)})
