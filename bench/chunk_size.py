"""Chunk size: retrieval quality of the question set for several chunk sizes, same embedder and corpus.

The corpus is the bundled one plus ../shared/bench/wikipedia-en (long English pages as distractors).
recall@k: some gold document among the documents of the first k passages (answerable questions only).

    python bench/chunk_size.py        # writes the "chunk-size" section of docs/benchmarks.md
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import BENCH_DATA, ROOT, table, write_section  # noqa: E402
from ingest import run  # noqa: E402
from vectorstore import StoreLocation, make_embedder, open_store  # noqa: E402

SIZES = [(400, 80), (600, 120), (800, 160), (1000, 200), (1400, 280)]


def main() -> None:
    """Index the corpus once per size, ask every answerable question, tabulate recall and mean chunk size."""
    questions = [json.loads(line) for line in (ROOT / "data" / "questions.jsonl").open(encoding="utf-8")]
    answerable = [q for q in questions if q["gold_docs"]]
    model, stamp = make_embedder()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size, overlap in SIZES:
            where = Path(tmp) / str(size)

            def opener(reset: bool, where: Path = where):
                return open_store(StoreLocation(path=where / "chroma"), model, stamp, reset=reset)

            report = run(
                [ROOT / "data" / "corpus", BENCH_DATA / "wikipedia-en"],
                opener,
                where / "manifest.json",
                stamp=stamp,
                chunking=(size, overlap),
            )
            store = opener(False)
            hits1 = hits5 = 0
            for q in answerable:
                docs = [h.metadata["doc_id"] for h in store.search(q["question"], k=5)]
                hits1 += docs[0] in q["gold_docs"]
                hits5 += any(d in q["gold_docs"] for d in docs)
            n = len(answerable)
            chars = sum(len(t or "") for _, _, t in store.iter_records(with_text=True))
            rows.append([size, overlap, report.chunks, round(chars / report.chunks), hits1 / n, hits5 / n])
            print(rows[-1], file=sys.stderr)
    body = "\n\n".join(
        [
            "## Chunk size",
            f"Retrieval on the project's question set ({len(answerable)} answerable questions, en/de/ru/kk, many "
            "cross-lingual) over the bundled corpus plus the three English Wikipedia pages, dense search with the "
            "default embedder, for several chunk sizes (`python bench/chunk_size.py`).",
            table(["chunk chars", "overlap", "chunks", "mean chars", "recall@1", "recall@5"], rows),
        ]
    )
    print(body)
    write_section("chunk-size", body)


if __name__ == "__main__":
    main()
