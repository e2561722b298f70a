"""The hybrid candidate search: the dense, keyword and second-embedder rankings of one store, fused.

A store holds three indexes of the same passages (Chroma's vectors, the FTS5 keyword index, the second
embedder's vectors); this is the one place that knows how they are searched together and how a candidate found
by one is scored by the others. Its weights are tuned knobs of the caller (service/qa/tuning.py), passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

    from vectorstore.chroma import Store

# The filters a search takes: lists of values, and an inclusive year range.
FILTER_KEYS = ("language", "doc_id", "doc_type", "year_from", "year_to")


@dataclass(frozen=True)
class Hit:
    """One passage found by a search, with its cosine similarity to the query."""

    id: str
    text: str
    metadata: dict[str, Any]
    score: float


class HybridWeights(Protocol):
    """What the fusion needs of the caller's tuning (service.qa.Tuning has these fields)."""

    fetch: int
    w_keyword_same: float
    w_keyword_cross: float
    keyword_half: float
    w_second_passage: float
    second_base: float


@dataclass
class Candidates:
    """The fused candidates, best first; each one's second-embedder bonus by id; the query's second vector."""

    hits: list[Hit]
    bonus: dict[str, float] = field(default_factory=dict)
    second_vector: np.ndarray | None = None


def where_clause(filters: dict[str, Any] | None) -> dict[str, Any] | None:
    """Chroma's `where` for validated filters (lists of values, and an inclusive year range)."""
    if not filters:
        return None
    clauses: list[dict[str, Any]] = []
    for key in ("language", "doc_id", "doc_type"):
        values = filters.get(key)
        if values:
            clauses.append({key: {"$in": list(values)}})
    # A passage matches a year range when the years it mentions overlap it.
    if filters.get("year_from") is not None:
        clauses.append({"year_max": {"$gte": int(filters["year_from"])}})
    if filters.get("year_to") is not None:
        clauses.append({"year_min": {"$lte": int(filters["year_to"])}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def hybrid_search(
    store: Store,
    query: str,
    vector: np.ndarray,
    *,
    filters: dict[str, Any] | None,
    language: str,
    weights: HybridWeights,
) -> Candidates:
    """Candidates of the dense, keyword and second-embedder rankings, each scored by the cosine plus a
    language-aware keyword bonus, ranked by that plus the second embedder's bonus.

    Keyword evidence counts by language: across languages only names, numbers and dates can match, and then they
    mean much; within one language common words match too.
    """
    import numpy as np

    t = weights
    where = where_clause(filters)
    second_vector = store.sentences.query(query) if store.sentences is not None else None
    dense = {h.id: h for h in store.search_vector(vector, k=t.fetch, where=where)}
    keyword = dict(store.keyword_search(query, k=t.fetch))
    second = dict(store.search_second(second_vector, k=t.fetch, where=where)) if second_vector is not None else {}
    missing = [i for i in dict.fromkeys([*keyword, *second]) if i not in dense]
    if missing:
        # Candidates of the other rankings: read them (the filters apply here too) and score them by their vector.
        unit = vector / (np.linalg.norm(vector) + 1e-9)
        for hit, emb in store.get(missing, where):
            v = np.asarray(emb, dtype=np.float32)
            dense[hit.id] = Hit(hit.id, hit.text, hit.metadata, float(v @ unit / (np.linalg.norm(v) + 1e-9)))
    if second_vector is not None and (lacking := [i for i in dense if i not in second]):
        second |= {i: float(np.dot(v, second_vector)) for i, v in store.second_vectors(lacking).items()}
    # A passage without a second vector (its sentences not encoded yet) gets no bonus.
    bonus = {i: t.w_second_passage * (cos - t.second_base) for i, cos in second.items() if i in dense}
    fused = []
    for hit in dense.values():
        bm25 = keyword.get(hit.id, 0.0)
        weight = t.w_keyword_same if hit.metadata.get("language") == language else t.w_keyword_cross
        fused.append(Hit(hit.id, hit.text, hit.metadata, hit.score + weight * bm25 / (bm25 + t.keyword_half)))
    fused.sort(key=lambda h: h.score + bonus.get(h.id, 0.0), reverse=True)
    return Candidates(fused, bonus, second_vector)
