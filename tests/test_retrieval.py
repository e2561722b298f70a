"""Retrieval's pure parts: diversity among the top passages, merging adjacent chunks, filters."""

from __future__ import annotations

from service.qa.retrieval import Passage, _diverse, _drop_near_duplicates, _merge_adjacent
from service.qa.tuning import DEFAULT_TUNING
from vectorstore import Hit
from vectorstore.search import where_clause


def _p(doc: str, score: float, start: int = 0) -> Passage:
    return Passage(doc, doc, None, "", "de", f"{doc} text {start}", score, start, start + 10, [start // 10])


def test_overlapping_chunks_of_one_document_give_way_to_other_documents() -> None:
    passages = [_p("a", 0.90, 0), _p("a", 0.89, 10), _p("a", 0.88, 20), _p("b", 0.86), _p("c", 0.85)]
    assert [p.doc_id for p in _diverse(passages, 3, DEFAULT_TUNING)] == ["a", "b", "c"]


def test_a_document_far_ahead_of_the_rest_still_fills_the_list() -> None:
    passages = [_p("a", 0.90, 0), _p("a", 0.89, 10), _p("a", 0.88, 20), _p("b", 0.50), _p("c", 0.45)]
    assert [p.doc_id for p in _diverse(passages, 3, DEFAULT_TUNING)] == ["a", "a", "a"]


def _hit(doc: str, index: int, start: int, text: str, score: float) -> Hit:
    meta = {"doc_id": doc, "title": doc, "chunk_index": index, "start": start, "end": start + len(text)}
    return Hit(f"{doc}-{index}", text, meta, score)


def test_adjacent_overlapping_chunks_merge_into_one_exact_passage() -> None:
    page = "Erster Satz steht hier. Zweiter Satz folgt. Dritter Satz endet."
    first, second = page[:43], page[24:]
    merged = _merge_adjacent([_hit("d", 0, 0, first, 0.7), _hit("d", 1, 24, second, 0.8)])
    assert len(merged) == 1
    assert merged[0].text == page and merged[0].score == 0.8 and merged[0].chunk_indexes == [0, 1]


def test_near_duplicate_passages_of_two_documents_are_shown_once() -> None:
    text = "Das Goethe-Institut in Almaty wurde am 7. September 1994 eröffnet und ist seitdem aktiv."
    kept = _drop_near_duplicates([_p("a", 0.9), _p("b", 0.8)], DEFAULT_TUNING)
    assert len(kept) == 2
    a, b = _p("a", 0.9), _p("b", 0.8)
    a.text, b.text = text, text + " Mehr nicht."
    assert [p.doc_id for p in _drop_near_duplicates([a, b], DEFAULT_TUNING)] == ["a"]


def test_filters_become_one_chroma_where_clause() -> None:
    assert where_clause(None) is None
    assert where_clause({"language": ["de"]}) == {"language": {"$in": ["de"]}}
    assert where_clause({"doc_type": ["treaty"], "year_from": 1990, "year_to": 1999}) == {
        "$and": [
            {"doc_type": {"$in": ["treaty"]}},
            {"year_max": {"$gte": 1990}},
            {"year_min": {"$lte": 1999}},
        ]
    }
