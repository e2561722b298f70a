"""Tune the language-aware fusion weights on the question set and XQuAD together.

For each (same-language keyword weight, cross-language keyword weight, chunk share in sentence scores), the
service's final retrieval (both embedders, indexed as `kazde ingest` does) ranks: the project's answerable
questions over the bundled corpus, and a sample of 300 XQuAD questions per language against each corpus language
(9 pairs). The table gives recall@1 and recall@5 of each, and the worst XQuAD pair; the service's defaults are
the row marked. Each row is a variant of the service's Tuning (dataclasses.replace) passed to retrieve(), so
that it reaches every use of a weight.

    python bench/fusion_weights.py [questions.jsonl]   # writes the "fusion-weights" section of docs/benchmarks.md
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import ROOT, table, write_section  # noqa: E402
from bench.xquad import BEIR, LANGS, _index, _paragraph, _rows  # noqa: E402

SAME = [0.1, 0.2, 0.3]
CROSS = [0.2, 0.3, 0.4]
CHUNK = [0.3, 0.5]
SAMPLE = 300


def _questions_store(tmp: Path):
    """The bundled corpus indexed as the service indexes it (both embedders, the keyword index)."""
    from ingest import run
    from service.qa import open_index
    from service.settings import Settings
    from vectorstore import DEFAULT_EMBEDDER

    settings = Settings(data_dir=tmp / "questions")

    def opener(reset: bool):
        return open_index(settings, reset=reset)

    run(
        [ROOT / "data" / "corpus"],
        opener,
        settings.manifest_path,
        stamp=DEFAULT_EMBEDDER,
        second_stamp=settings.sentence_stamp,
    )
    return opener(False)


def main() -> None:
    """Grid over the weights; print and record the table."""
    from ingest.text import detect_language
    from service.qa import DEFAULT_TUNING, SentenceScorer, retrieve

    rng = random.Random(7)
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data" / "questions.jsonl"
    questions = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    answerable = [q for q in questions if q["gold_docs"]]
    xquad = {lang: rng.sample(_rows(BEIR / f"queries.{lang}.jsonl"), SAMPLE) for lang in LANGS}
    base = DEFAULT_TUNING
    defaults = (base.w_keyword_same, base.w_keyword_cross, base.w_chunk)
    rows = []
    with tempfile.TemporaryDirectory(prefix="kazde-fusion-") as tmp_name:
        tmp = Path(tmp_name)
        qstore = _questions_store(tmp)
        stores = {lang: _index(tmp, lang, (lang,)) for lang in LANGS}
        scorers = {name: SentenceScorer(s.embedder, s.sentences) for name, s in [("q", qstore), *stores.items()]}
        q_langs = [detect_language(q["question"]) or "en" for q in answerable]
        for same, cross, chunk in itertools.product(SAME, CROSS, CHUNK):
            tuning = dataclasses.replace(base, w_keyword_same=same, w_keyword_cross=cross, w_chunk=chunk)
            h1 = h5 = 0
            for q, lang in zip(answerable, q_langs, strict=True):
                found = retrieve(qstore, scorers["q"], q["question"], k=5, language=lang, tuning=tuning)
                docs = [p.doc_id for p in found]
                h1 += docs[:1] != [] and docs[0] in q["gold_docs"]
                h5 += any(d in q["gold_docs"] for d in docs)
            pairs = {}
            for qlang, corpus in itertools.product(LANGS, LANGS):
                hit = 0
                for q in xquad[qlang]:
                    found = retrieve(stores[corpus], scorers[corpus], q["text"], k=5, language=qlang, tuning=tuning)
                    hit += q["gold_doc"] in {_paragraph(p.doc_id) for p in found}
                pairs[f"{qlang}→{corpus}"] = hit / SAMPLE
            worst = min(pairs, key=pairs.get)
            mark = " (default)" if (same, cross, chunk) == defaults else ""
            rows.append(
                [
                    f"{same}/{cross}/{chunk}{mark}",
                    h1 / len(answerable),
                    h5 / len(answerable),
                    sum(pairs.values()) / len(pairs),
                    f"{worst} {pairs[worst]:.3f}",
                ]
            )
            print(rows[-1], file=sys.stderr)
    body = "\n\n".join(
        [
            "## Fusion weights",
            "Keyword weight within one language / across languages / share of the chunk's scores in a sentence's "
            "and a passage's score (`Tuning.w_keyword_same`, `w_keyword_cross`, `w_chunk`), against the question "
            f"set's recall ({len(answerable)} answerable questions, k=5) and XQuAD recall@5 ({SAMPLE} sampled "
            "questions per language, all 9 pairs); the service's retrieval with both embedders, each row a "
            "Tuning variant passed to it (`python bench/fusion_weights.py`):",
            table(
                [
                    "same/cross/chunk",
                    "questions recall@1",
                    "questions recall@5",
                    "XQuAD mean recall@5",
                    "XQuAD worst pair",
                ],
                rows,
            ),
        ]
    )
    print(body)
    write_section("fusion-weights", body)


if __name__ == "__main__":
    main()
