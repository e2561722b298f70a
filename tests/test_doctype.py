"""Document types for filters, from title and source URL."""

from __future__ import annotations

import pytest

from ingest.doctype import classify


@pytest.mark.parametrize(
    ("title", "source", "expected"),
    [
        (
            "Abkommen zwischen der Regierung der Bundesrepublik Deutschland und ...",
            "https://de.wikisource.org/x",
            "treaty",
        ),
        (
            "Об утверждении Соглашения между Правительством Республики Казахстан",
            "https://adilet.zan.kz/rus/docs/P9",
            "treaty",
        ),
        ("Deutsches Theater Almaty (deutschsprachige Wikipedia)", "https://de.wikipedia.org/wiki/X", "reference"),
        ("Germany and Kazakhstan aim to deepen partnership", "https://amp.dw.com/en/germany/a-66006496", "news"),
        ("Staatsministerin Pieper eröffnet Deutschlandjahr", "https://www.auswaertiges-amt.de/de/newsroom/1", "news"),
        ("Die kulturelle und humanitäre Zusammenarbeit", "http://www.botschaft-kaz.de/de/index.php?id=3", "article"),
        ("seed article", "", "article"),
    ],
)
def test_documents_are_typed_by_title_and_source(title: str, source: str, expected: str) -> None:
    assert classify(title, source) == expected
