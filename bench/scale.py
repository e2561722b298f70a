"""Retrieval at scale: latency p50/p95 and memory at 300, 10,000 and 100,000 chunks, embedded and server.

There are not 100,000 distinct passages in ../shared/bench and the corpus, so the index is built from all of
their text (the bundled corpus, the Wikipedia pages, the XQuAD paragraphs in three languages and the readable
real-world PDFs) cut several times over with windows of different sizes and overlaps at sentence boundaries:
every passage is a real stretch of text, and no two are the same. Vectors are computed once and written to
both an embedded index and a `chroma run` server, each with its keyword index, in the order the sizes need.
Queries: the 103 questions of data/questions.jsonl and 200 XQuAD questions (en/de/ru), through the service's
own retrieval (hybrid search, sentence rescoring, diversity), k=5.

    python bench/scale.py            # writes the "scale" section of docs/benchmarks.md (about 20 minutes)
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import BENCH_DATA, ROOT, table, write_section  # noqa: E402

SIZES = [300, 10_000, 100_000]
# Passages that get their own second-embedder vector (multilingual-e5-small, ~8 passages/s here): enough to
# measure the rate. The rest carry the mean of their sentences' vectors by the same model in that collection,
# so that it has its full size for the latency figures; encoding all 100,000 would take hours.
OWN_SECOND = 2_000
# KAZDE_BENCH_SIZES=300,10000 re-measures the smaller sizes alone, into a section of its own.
PARTIAL = [int(x) for x in os.environ.get("KAZDE_BENCH_SIZES", "").split(",") if x.strip()]
WINDOWS = [
    (1000, 200),
    (800, 0),
    (650, 200),
    (500, 100),
    (400, 0),
    (300, 100),
    (250, 0),
    (1200, 400),
    (350, 0),
    (450, 150),
    (550, 0),
    (700, 100),
    (900, 300),
    (1100, 0),
]
READABLE_PDFS = [
    "unstructured_DA-619p.pdf",
    "unstructured_irm-2.3.59-400p.pdf",
    "pdfreader_screwey_xref_offsets.pdf",
    "govdocs1_027613.pdf",
    "sf_GeoTopo-komprimiert.pdf",
    "fmtcorpus_test_fontArialNotEmbedded.pdf",
    "plumber_federal-register-2020-17221.pdf",
    "pdfjs_tracemonkey.pdf",
    "pdfminer_dmca.pdf",
    "pdfreader_zlib_stream_issue.pdf",
]


def _documents() -> Iterator[tuple[str, str, str, list]]:
    """(doc_id, title, language, pages) of every source text."""
    from ingest import load_file

    for path in [*sorted((ROOT / "data" / "corpus").glob("*.txt")), *sorted((BENCH_DATA / "wikipedia-en").glob("*"))]:
        doc = load_file(path)
        yield path.name, doc.title, doc.language, doc.pages
    for lang in ("en", "de", "ru"):
        for line in (BENCH_DATA / "xquad" / "beir" / f"corpus.{lang}.jsonl").read_text("utf-8").splitlines():
            row = json.loads(line)
            from ingest import Page

            yield f"xquad_{row['_id']}_{lang}", row["title"], lang, [Page(row["text"])]
    for name in READABLE_PDFS:
        doc = load_file(BENCH_DATA / "pdfs" / name)
        yield name, doc.title, doc.language or "en", doc.pages


def passages(limit: int) -> list[tuple[str, str, dict]]:
    """Up to `limit` distinct passages (id, text, metadata), cut from the source texts window by window."""
    from ingest import chunk_page

    docs = list(_documents())
    seen: set[str] = set()
    out: list[tuple[str, str, dict]] = []
    for size, overlap in WINDOWS:
        for doc_id, title, lang, pages in docs:
            for page in pages:
                for index, (start, end) in enumerate(chunk_page(page.text, size, overlap)):
                    text = page.text[start:end]
                    key = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
                    if key in seen or len(text) < 80:
                        continue
                    seen.add(key)
                    meta = {
                        "doc_id": f"{doc_id}@{size}",
                        "title": title,
                        "language": lang,
                        "source": "",
                        "chunk_index": index,
                        "start": start,
                        "end": end,
                        "content_hash": key,
                        "doc_type": "",
                    }
                    if page.number is not None:
                        meta["page"] = page.number
                    out.append((key, text, meta))
                    if len(out) >= limit:
                        return out
    return out


def _queries() -> list[tuple[str, str]]:
    from ingest.text import detect_language

    rng = random.Random(11)
    qs = [json.loads(line)["question"] for line in (ROOT / "data" / "questions.jsonl").read_text("utf-8").splitlines()]
    out = [(q, detect_language(q) or "en") for q in qs]
    for lang in ("en", "de", "ru"):
        rows = (BENCH_DATA / "xquad" / "beir" / f"queries.{lang}.jsonl").read_text("utf-8").splitlines()
        out += [(json.loads(r)["text"], lang) for r in rng.sample(rows, 67)]
    return out[:303]


def _latency(store, queries: list[tuple[str, str]]) -> tuple[float, float]:
    import numpy as np

    from service.qa import SentenceScorer, retrieve

    scorer = SentenceScorer(store.embedder, store.sentences)
    retrieve(store, scorer, "warm up", k=5)
    times = []
    for q, lang in queries:
        started = time.perf_counter()
        retrieve(store, scorer, q, k=5, language=lang)
        times.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _service(
    data_dir: Path, env: dict[str, str], queries: list[tuple[str, str]], chunks: int
) -> tuple[float, float, float]:
    """`kazde serve` on the index: /api/ask p50/p95 ms over the questions, and the service process's peak RSS MB.

    The service is started on the index the benchmark wrote, and nothing else shares its memory: this is what
    a deployment's web process holds at this size (models, Chroma client, keyword index, sentence cache).
    """
    import urllib.request

    import numpy as np
    import psutil

    from bench.report import BIN, free_port

    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "kazde"), "serve", "--port", str(port), "--threads", "4"],
        env={**os.environ, "KAZDE_DATA_DIR": str(data_dir), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def ask(question: str) -> None:
        body = json.dumps({"question": question, "k": 5}).encode()
        request = urllib.request.Request(f"{url}/api/ask", body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            assert response.status == 200, response.status

    try:
        health = _answering(f"{url}/healthz", "kazde serve", attempts=600)
        if health["chunks"] != chunks:
            raise RuntimeError(f"the service sees {health['chunks']} chunks, not {chunks}")
        ask("warm up")
        peak, times = 0.0, []
        for q, _ in queries:
            started = time.perf_counter()
            ask(q)
            times.append((time.perf_counter() - started) * 1000)
            peak = max(peak, psutil.Process(proc.pid).memory_info().rss / 2**20)
        return float(np.percentile(times, 50)), float(np.percentile(times, 95)), peak
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def _server(tmp: Path) -> tuple[subprocess.Popen, int]:
    from bench.report import BIN, free_port

    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "chroma"), "run", "--path", str(tmp / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _answering(f"http://127.0.0.1:{port}/api/v2/heartbeat", "the chroma server", attempts=200)
    return proc, port


def _answering(url: str, what: str, attempts: int) -> dict:
    """The JSON that url answers once the process behind it is up (polled every 0.3 s)."""
    import urllib.request

    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{what} did not start")


def main() -> None:
    """Build the passages, embed once, grow both indexes size by size, time the queries at each size."""
    import numpy as np

    from ingest.text import scorable_sentences
    from service.settings import Settings
    from vectorstore import SentenceIndex, StoreLocation, make_embedder, make_sentence_embedder, open_store

    model, stamp = make_embedder()
    started = time.perf_counter()
    sizes = PARTIAL or SIZES
    items = passages(max(sizes))
    print(f"{len(items)} passages cut in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    started = time.perf_counter()
    vectors = np.asarray(model.embed_documents([t for _, t, _ in items]), dtype=np.float32)
    embed_s = time.perf_counter() - started
    print(f"embedded in {embed_s:.1f} s", file=sys.stderr)
    queries = _queries()
    rows, service_rows = [], []
    with tempfile.TemporaryDirectory(prefix="kazde-scale-") as tmp_name:
        tmp = Path(tmp_name)
        # Each index is laid out as a service's data directory (KAZDE_DATA_DIR), so that `kazde serve` can open it.
        data = {"embedded": tmp / "embedded", "server": tmp / "server-data"}
        for folder in data.values():
            folder.mkdir()
        sentence_file = Settings(data_dir=data["embedded"]).sentence_path
        (data["server"] / sentence_file.name).symlink_to(sentence_file)
        # The second embedder's sentence vectors, once for both indexes (the table is content-addressed).
        e5 = make_sentence_embedder(models_dir=Settings.from_env().models_dir)
        sentences = SentenceIndex(sentence_file, e5, scorable_sentences, stamp=e5.stamp)
        started = time.perf_counter()
        n_sentences = sentences.index(t for _, t, _ in items)
        sentence_s = time.perf_counter() - started
        print(f"{n_sentences} distinct sentences encoded in {sentence_s:.1f} s", file=sys.stderr)
        own = min(OWN_SECOND, len(items))
        started = time.perf_counter()
        second = sentences.passages([t for _, t, _ in items[:own]])
        passage_s = time.perf_counter() - started
        print(f"{own} passages encoded by the second embedder in {passage_s:.1f} s", file=sys.stderr)
        mean = [sentences.vectors(scorable_sentences(t) or [t]).mean(axis=0) for _, t, _ in items[own:]]
        second = np.concatenate([second, np.asarray(mean, dtype=np.float32).reshape(-1, second.shape[1])])
        second /= np.linalg.norm(second, axis=1, keepdims=True)
        server, port = _server(tmp)
        try:
            stores = {
                "embedded": open_store(
                    StoreLocation(path=data["embedded"] / "chroma"),
                    model,
                    stamp,
                    keyword_path=data["embedded"] / "keyword.sqlite",
                    sentences=sentences,
                ),
                "server": open_store(
                    StoreLocation(host="127.0.0.1", port=port),
                    model,
                    stamp,
                    keyword_path=data["server"] / "keyword.sqlite",
                    sentences=sentences,
                ),
            }
            done = 0
            for size in sizes:
                size = min(size, len(items))
                write_s = {}
                for mode, store in stores.items():
                    t0 = time.perf_counter()
                    for i in range(done, size, 1000):
                        j = min(i + 1000, size)
                        batch = items[i:j]
                        store.upsert(
                            [b[0] for b in batch],
                            [b[1] for b in batch],
                            [b[2] for b in batch],
                            vectors=vectors[i:j].tolist(),
                        )
                        store.write_second([b[0] for b in batch], [b[2] for b in batch], second[i:j].tolist())
                    write_s[mode] = time.perf_counter() - t0
                done = size
                for mode, store in stores.items():
                    p50, p95 = _latency(store, queries)
                    rows.append([f"{size:,}", mode, store.count(), p50, p95, write_s[mode], round(_rss_mb())])
                    print(rows[-1], file=sys.stderr)
            # The service itself on the largest index, in a process of its own (the benchmark lets go first).
            del stores
            from chromadb.api.client import SharedSystemClient

            SharedSystemClient.clear_system_cache()  # the embedded index is closed before the service opens it
            service_env = {"embedded": {}, "server": {"KAZDE_CHROMA_HOST": "127.0.0.1", "KAZDE_CHROMA_PORT": str(port)}}
            for mode, env in service_env.items():
                p50, p95, peak = _service(data[mode], env, queries, done)
                service_rows.append([f"{done:,}", mode, p50, p95, round(peak)])
                print(service_rows[-1], file=sys.stderr)
        finally:
            server.terminate()
            server.wait(timeout=30)
    body = "\n\n".join(
        [
            "## Scale" if not PARTIAL else f"## Scale, re-measured up to {max(sizes):,} chunks",
            f"Retrieval latency of the service's own pipeline (hybrid search, sentence rescoring, diversity; k=5) "
            f"for {len(queries)} questions (the question set and 200 XQuAD questions in en/de/ru), as the index "
            f"grows; embedded Chroma and a `chroma run` server on loopback, each with its keyword index. "
            f"{len(items):,} distinct passages were cut from all the text in ../shared/bench and the corpus with "
            f"{len(WINDOWS)} window sizes; embedding them took {embed_s:.0f} s "
            f"({len(items) / embed_s:.0f} passages/s) once for both indexes (`python bench/scale.py`). The second "
            f"embedder (multilingual-e5-small) encoded their {n_sentences:,} distinct sentences in {sentence_s:.0f} s "
            f"({n_sentences / sentence_s:.0f} sentences/s); the windows overlap, so they share sentences. The "
            f"same embedder's passage vectors (the service's third ranking) were computed for the first {own:,} "
            f"passages, {own / passage_s:.1f} passages/s; the others carry the mean of their sentences' vectors by "
            f"the same model, so that the collection searched has its full size (encoding all would take "
            f"{len(items) / (own / passage_s) / 3600:.1f} hours). **Ingest time at 100,000 chunks**, from these "
            f"measured rates (not run end to end): the default embedder "
            f"{100_000 / (len(items) / embed_s) / 60:.0f} min; the second embedder's passage vectors "
            f"{100_000 / (own / passage_s) / 3600:.1f} h; its sentence vectors, for 100,000 chunks of distinct "
            f"text (about 4 sentences each), {400_000 / (n_sentences / sentence_s) / 3600:.1f} h. The passages are "
            f"searchable after the first part; the rest runs as the ingest's last step. RSS in the first table is "
            "this benchmark process's: what a service process holds plus all the passages and their vectors, "
            "which the benchmark keeps in memory to write them.",
            table(
                ["chunks", "store", "count", "retrieval p50 ms", "retrieval p95 ms", "write s (this step)", "RSS MB"],
                rows,
            ),
            f"**The service on the largest index.** `kazde serve` (waitress, 4 threads) started in a process of "
            f"its own on each index the benchmark wrote (the embedded one after the benchmark closed it; the "
            f"server one through KAZDE_CHROMA_HOST), then the same {len(queries)} questions asked one at a time "
            f"through `POST /api/ask` (k=5, the extractive answer included): end-to-end latency over HTTP, and the "
            f"service process's peak RSS while answering (the two embedders, the Chroma client, the keyword "
            f"index loaded once, the sentence cache).",
            table(["chunks", "store", "/api/ask p50 ms", "/api/ask p95 ms", "service RSS MB"], service_rows),
        ]
    )
    print(body)
    write_section("scale" if not PARTIAL else "scale-partial", body)


if __name__ == "__main__":
    main()
