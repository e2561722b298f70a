"""Chunks end at sentences and paragraphs, overlap, stay within size, and are exact slices of their page."""

from __future__ import annotations

import pytest

from ingest.chunking import chunk_page
from ingest.text import sentence_spans, years_asked, years_in
from service.resources import BUNDLED_CORPUS


def _corpus_bodies() -> list[str]:
    return [p.read_text(encoding="utf-8").split("\n", 2)[-1] for p in sorted(BUNDLED_CORPUS.glob("*.txt"))]


def test_sentences_do_not_split_at_abbreviations_or_ordinal_dates() -> None:
    text = "Das Abkommen trat am 26. Mai 1994 in Kraft, vgl. BGBl. II S. 462. Danach folgte z. B. ein Zweites."
    sentences = [text[s.start : s.end] for s in sentence_spans(text)]
    assert sentences == [
        "Das Abkommen trat am 26. Mai 1994 in Kraft, vgl. BGBl. II S. 462.",
        "Danach folgte z. B. ein Zweites.",
    ]


def test_russian_sentences_split_but_not_after_initials() -> None:
    text = "Соглашение подписано в 1994 г. в Алматы. Его подписал А. Н. Иванов! Что дальше?"
    sentences = [text[s.start : s.end] for s in sentence_spans(text)]
    assert sentences == [
        "Соглашение подписано в 1994 г. в Алматы.",
        "Его подписал А. Н. Иванов!",
        "Что дальше?",
    ]


def test_chunks_are_slices_within_the_size_and_cover_every_sentence() -> None:
    size = 300
    for body in _corpus_bodies():
        chunks = chunk_page(body, size=size, overlap=80)
        assert chunks, "every non-empty page yields chunks"
        for start, end in chunks:
            assert end - start <= size
            assert body[start:end] == body[start:end].strip()
        covered = [False] * len(body)
        for start, end in chunks:
            covered[start:end] = [True] * (end - start)
        for s in sentence_spans(body):
            assert all(covered[i] for i in range(s.start, s.end) if not body[i].isspace()), body[s.start : s.end]


def test_consecutive_chunks_overlap_by_whole_sentences_within_a_paragraph() -> None:
    sentence = "Die Zusammenarbeit im Bereich der Kultur wurde vertieft und erweitert. "
    text = sentence * 20
    chunks = chunk_page(text.strip(), size=300, overlap=150)
    assert len(chunks) > 3
    for (_s1, e1), (s2, _e2) in zip(chunks, chunks[1:], strict=False):
        assert s2 < e1, "the next chunk repeats the end of the previous one"
        assert text[s2 : s2 + 4] == "Die ", "and starts at a sentence"


def test_a_chunk_ends_at_a_paragraph_rather_than_cutting_the_next_one() -> None:
    para_a = "Erster Absatz mit einem langen Satz über die Kulturbeziehungen beider Länder. " * 3
    para_b = "Zweiter Absatz über das Goethe-Institut in Almaty und seine Sprachkurse. " * 3
    text = para_a.strip() + "\n\n" + para_b.strip()
    chunks = chunk_page(text, size=400, overlap=100)
    assert [text[s:e] for s, e in chunks] == [para_a.strip(), para_b.strip()]


@pytest.mark.parametrize("size", [200, 800])
def test_a_sentence_longer_than_a_chunk_is_cut_at_spaces(size: int) -> None:
    text = " ".join(f"Wort{i}" for i in range(600))
    chunks = chunk_page(text, size=size, overlap=50)
    assert all(e - s <= size for s, e in chunks)
    assert all(text[s - 1] == " " for s, _ in chunks[1:])
    assert " ".join(text[s:e] for s, e in chunks).split() == text.split()


@pytest.mark.parametrize(
    ("question", "first", "last"),
    [
        ("Was geschah zwischen 1992 und 2000?", 1992, 2000),
        ("What agreements were signed between 1994 and 1996?", 1994, 1996),
        ("Что было в 1990-е годы?", 1990, 1999),
        ("German emigration in the 1990s", 1990, 1999),
        ("Соглашения с 1992 по 1995 год", 1992, 1995),
        ("Abkommen 1994–1996", 1994, 1996),
        ("When did the Goethe-Institut open in 1994?", 1994, 1994),
    ],
)
def test_the_years_a_question_asks_about_include_its_ranges_and_decades(question: str, first: int, last: int) -> None:
    assert years_asked(question) == set(range(first, last + 1))


def test_years_in_text_skip_long_numbers_but_keep_dates() -> None:
    assert years_in("ISBN 978-3-12-199456, am 12.03.1999, BGBl. 2000 II S. 462, 1,1994,5") == [1999, 2000]
