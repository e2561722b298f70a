"""The text kernel: sentences, years, language, terms and text cleaning, shared by ingestion and the query path.

It imports nothing else of Kazde (tests/test_layout.py holds it to that), so the store, retrieval and the
answerers use the same sentence boundaries, year readings and language guesses as ingestion wrote.
"""

from ingest.text.language import detect_language
from ingest.text.normalize import garbage_reason, normalize_text
from ingest.text.sentences import (
    MAX_SENTENCE_CHARS,
    MIN_SENTENCE_CHARS,
    Span,
    scorable_sentences,
    scorable_spans,
    sentence_spans,
)
from ingest.text.terms import numbers, query_terms, stems
from ingest.text.years import years_asked, years_in

__all__ = [
    "MAX_SENTENCE_CHARS",
    "MIN_SENTENCE_CHARS",
    "Span",
    "detect_language",
    "garbage_reason",
    "normalize_text",
    "numbers",
    "query_terms",
    "scorable_sentences",
    "scorable_spans",
    "sentence_spans",
    "stems",
    "years_asked",
    "years_in",
]
