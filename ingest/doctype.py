"""A document's type for filtering: treaty, reference, news or article, from its title and source URL."""

from __future__ import annotations

import re

DOC_TYPES = ("treaty", "reference", "news", "article")

# The title of an agreement itself, or an official register of agreements (a digest of a treaty is a treaty).
_TREATY = re.compile(
    r"\b(abkommen zwischen|vereinbarung zwischen|agreement between|treaty|соглашени[еяй]\s+между|"
    r"об утверждении соглашения|договор между|келісім)|adilet\.zan\.kz|wikisource\.org/wiki/abkommen",
    re.I,
)
_REFERENCE = re.compile(
    r"wikipedia|enzyklop|encyclop|энциклопед|lehrmaterial|länderinfo|laenderinfo|völkerrechtliche praxis", re.I
)
_NEWS = re.compile(
    r"/news|newsroom|/aktuell|/blog/|/20\d\d/|pressemitteilung|press release|interview|"
    r"dw\.com|inform\.kz|qazinform|astanatimes|neweurope|irinnews|newscentralasia|caravan\.kz|el\.kz",
    re.I,
)


def classify(title: str, source: str) -> str:
    """The document type: the first of treaty, reference, news that its title or source shows, else article."""
    text = f"{title} {source}"
    if _TREATY.search(text):
        return "treaty"
    if _REFERENCE.search(text):
        return "reference"
    if _NEWS.search(text):
        return "news"
    return "article"
