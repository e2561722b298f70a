"""Cross-lingual retrieval on XQuAD: every query language against every corpus language, and pooled.

XQuAD (../shared/bench/xquad/beir): 240 paragraphs and 1,190 questions, parallel in en/de/ru. Each corpus is
indexed by the real ingest pipeline (one file per paragraph); each method ranks paragraphs for every question:
keyword only (BM25), dense only with each of the two embedders (the default, and multilingual-e5-small's
passage vectors), and the service's final retrieval (language-aware fusion plus sentence rescoring). Pooled:
the three corpora in one index, where any language's copy of the gold paragraph counts. The questions asked are
those of the test articles (a40-a47, issue 17's split; the reader and any tuning fit on a00-a39), while every
article stays in the haystack.

    python bench/xquad.py        # writes the "xquad" section of docs/benchmarks.md
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import BENCH_DATA, table, write_section  # noqa: E402

LANGS = ("en", "de", "ru")
BEIR = BENCH_DATA / "xquad" / "beir"
TEST_FROM = 40  # articles a40-a47 are the test part (a00-a31 train, a32-a39 dev)


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _write_corpus(folder: Path, langs: tuple[str, ...]) -> None:
    folder.mkdir(parents=True)
    for lang in langs:
        for row in _rows(BEIR / f"corpus.{lang}.jsonl"):
            header = f"SOURCE: xquad:{row['_id']} | TITLE: {row['title']} | LANG: {lang}\n\n"
            (folder / f"{row['_id']}.{lang}.txt").write_text(header + row["text"] + "\n", "utf-8")


def _index(tmp: Path, name: str, langs: tuple[str, ...]):
    from ingest import run
    from service.qa import open_index
    from service.settings import Settings
    from vectorstore import DEFAULT_EMBEDDER

    folder = tmp / f"corpus-{name}"
    _write_corpus(folder, langs)
    settings = Settings(data_dir=tmp / f"data-{name}")

    def opener(reset: bool):
        return open_index(settings, reset=reset)

    run([folder], opener, settings.manifest_path, stamp=DEFAULT_EMBEDDER, second_stamp=settings.sentence_stamp)
    return opener(False)


def test_queries(lang: str) -> list[dict]:
    """The questions of the test articles (a40-a47) in one language: what XQuAD figures are read on."""
    return [q for q in _rows(BEIR / f"queries.{lang}.jsonl") if int(q["gold_doc"][1:3]) >= TEST_FROM]


def _paragraph(doc_id: str) -> str:
    return doc_id.split(".", 1)[0]


SINGLE = ("keyword (BM25)", "dense (USE-m3)", "dense (e5-small)")
FINAL = "kazde (final)"


def _methods(store, scorer) -> dict[str, Callable[[str, str], list[str]]]:
    from service.qa import retrieve

    def by_ids(ids: list[str]) -> list[str]:
        return [str(h.metadata["doc_id"]) for h, _ in _in_order(store.get(ids), ids)]

    def keyword(query: str, lang: str) -> list[str]:
        return by_ids([i for i, _ in store.keyword_search(query, k=10)])

    def dense(query: str, lang: str) -> list[str]:
        return [str(h.metadata["doc_id"]) for h in store.search(query, k=10)]

    def second(query: str, lang: str) -> list[str]:
        return by_ids([i for i, _ in store.search_second(store.sentences.query(query), k=10)])

    def final(query: str, lang: str) -> list[str]:
        return [p.doc_id for p in retrieve(store, scorer, query, k=10, language=lang)]

    return dict(zip((*SINGLE, FINAL), (keyword, dense, second, final), strict=True))


def _remember_queries(store, memory: dict) -> None:
    """Encode each question once for all corpora: the same questions are asked of every index."""

    def cached(encode: Callable, model: str) -> Callable:
        def call(text: str):
            if (model, text) not in memory:
                memory[(model, text)] = encode(text)
            return memory[(model, text)]

        return call

    store.embedder.embed_query = cached(store.embedder.embed_query, "default")
    store.sentences.query = cached(store.sentences.query, "second")


def _in_order(found, ids: list[str]):
    by_id = {h.id: (h, v) for h, v in found}
    return [by_id[i] for i in ids if i in by_id]


def _score(rank: Callable[[str, str], list[str]], queries: list[dict], lang: str) -> tuple[float, float, float]:
    hit1 = hit5 = rr = 0.0
    for q in queries:
        paragraphs = list(dict.fromkeys(_paragraph(d) for d in rank(q["text"], lang)))
        gold = q["gold_doc"]
        hit1 += paragraphs[:1] == [gold]
        hit5 += gold in paragraphs[:5]
        rr += 1 / (paragraphs.index(gold) + 1) if gold in paragraphs[:10] else 0.0
    n = len(queries)
    return hit1 / n, hit5 / n, rr / n


def _with_count(rate: float, n: int) -> str:
    """A recall as people read it: the rate, its count and 95% Wilson interval."""
    from service.qa import wilson

    k = round(rate * n)
    lo, hi = wilson(k, n)
    return f"{rate:.3f} ({k}/{n}, {lo:.2f}–{hi:.2f})"


def main() -> None:
    """Index each corpus and the pooled one, score every method on every query language, record the tables."""
    from service.qa import SentenceScorer

    queries = {lang: test_queries(lang) for lang in LANGS}
    results: dict[tuple[str, str, str], tuple[float, float, float]] = {}
    memory: dict = {}
    with tempfile.TemporaryDirectory(prefix="kazde-xquad-") as tmp_name:
        tmp = Path(tmp_name)
        for corpus in (*LANGS, "pooled"):
            store = _index(tmp, corpus, LANGS if corpus == "pooled" else (corpus,))
            _remember_queries(store, memory)
            methods = _methods(store, SentenceScorer(store.embedder, store.sentences))
            for qlang in LANGS:
                for name, rank in methods.items():
                    results[(name, qlang, corpus)] = _score(rank, queries[qlang], qlang)
                    print(name, qlang, corpus, results[(name, qlang, corpus)], file=sys.stderr)
    methods_order = [*SINGLE, FINAL]
    matrix = []
    for qlang in LANGS:
        for corpus in LANGS:
            row: list[object] = [f"{qlang}→{corpus}"]
            for name in methods_order:
                row.append(_with_count(results[(name, qlang, corpus)][1], len(queries[qlang])))
            best_single = max(results[(m, qlang, corpus)][1] for m in SINGLE)
            row.append("yes" if results[(FINAL, qlang, corpus)][1] >= best_single else "NO")
            matrix.append(row)
    detail = [
        [f"{qlang}→{corpus}", name, *results[(name, qlang, corpus)]]
        for corpus in (*LANGS, "pooled")
        for qlang in LANGS
        for name in methods_order
    ]
    body = "\n\n".join(
        [
            "## Cross-lingual retrieval (XQuAD)",
            f"240 parallel paragraphs (all indexed) and the {len(queries['en'])} questions per language of the test "
            "articles a40-a47 (../shared/bench/xquad; a00-a39 are where the reader and tuning may fit), every query "
            "language against every corpus language; `pooled` indexes all three corpora together and any "
            "language's copy of the gold paragraph counts (`python bench/xquad.py`). Recall@5:",
            table(["query→corpus", *methods_order, "final ≥ best single"], matrix),
            "All figures (recall@1, recall@5, mrr@10):",
            table(["query→corpus", "method", "recall@1", "recall@5", "mrr@10"], detail),
        ]
    )
    print(body)
    write_section("xquad", body)


if __name__ == "__main__":
    main()
