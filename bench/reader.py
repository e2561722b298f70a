"""The reader (service/qa/reader.py): its training data, training, calibration and figures.

    python bench/reader.py collect     # retrieve for every XQuAD and KazQAD question; features cached
    python bench/reader.py train       # fit the head on the train splits, choose on dev -> service/qa/reader.json
    python bench/reader.py calibrate   # fit the answer-or-abstain model on the question set's calibration fold
    python bench/reader.py figures     # before/after on the test splits -> docs/benchmarks.md ("Reader")

`make reader` runs the first three (seeded; about 35 minutes on two cores, most of it the collection).

Splits (fixed by issue 17; every figure is on the part nothing was fitted on):
- XQuAD by article (ids `aXXpYY` of beir/corpus.*.jsonl): a00-a31 train, a32-a39 dev, a40-a47 test. Each corpus
  language is indexed whole (the haystack is every article), and each question language is asked of it: nine pairs.
- KazQAD by title in file order: the first 323 titles train, the next 75 dev, the rest test. Every distinct
  context is indexed (one haystack).
- The question set (data/questions.jsonl): the calibration fold fits the abstention model, the test fold is
  reported (split "qs-2026-12", docs/benchmarks.md).

A candidate is a sentence of the top five retrieved passages (the sentences the answerer chooses among); it is
a positive when it contains the answer string of the corpus language (case-insensitive).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import BENCH_DATA, ROOT, table, write_section  # noqa: E402

LANGS = ("en", "de", "ru")
BEIR = BENCH_DATA / "xquad" / "beir"
KAZQAD = BENCH_DATA / "kazqad" / "kazqad-reading-comprehension-v1.0-kk-validation.jsonl"
CACHE = ROOT / ".kazde" / "reader-cache"
K = 5
SEED = 17
KAZQAD_TRAIN, KAZQAD_DEV = 323, 75
MAX_CANDIDATES = 48  # candidates of one question: 25 at the median, 46 the most measured


def xquad_split(doc_id: str) -> str:
    """train / dev / test of an XQuAD paragraph id, by its article number."""
    article = int(doc_id[1:3])
    return "train" if article < 32 else "dev" if article < 40 else "test"


def kazqad_rows() -> list[dict]:
    """KazQAD's questions, each with its split (by title, in file order)."""
    rows = [json.loads(line) for line in KAZQAD.read_text("utf-8").splitlines() if line.strip()]
    titles = list(dict.fromkeys(r["title"] for r in rows))
    split = {
        t: "train" if i < KAZQAD_TRAIN else "dev" if i < KAZQAD_TRAIN + KAZQAD_DEV else "test"
        for i, t in enumerate(titles)
    }
    return [r | {"split": split[r["title"]]} for r in rows]


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _index(tmp: Path, name: str, docs: list[tuple[str, str, str, str]]):
    """An index of (doc_id, title, language, text) built by the real ingest pipeline."""
    from ingest import run
    from service.qa import open_index
    from service.settings import Settings
    from vectorstore import DEFAULT_EMBEDDER

    folder = tmp / f"corpus-{name}"
    folder.mkdir(parents=True)
    for doc_id, title, lang, text in docs:
        header = f"SOURCE: {name}:{doc_id} | TITLE: {title} | LANG: {lang}\n\n"
        (folder / f"{doc_id}.{lang}.txt").write_text(header + text + "\n", "utf-8")
    settings = Settings(data_dir=tmp / f"data-{name}")

    def opener(reset: bool):
        return open_index(settings, reset=reset)

    run([folder], opener, settings.manifest_path, stamp=DEFAULT_EMBEDDER, second_stamp=settings.sentence_stamp)
    return opener(False)


def _candidates(passages, answers: list[str]) -> dict:
    """The candidates of one retrieval: features, labels, ranking's score, document, reader logit if any."""
    import numpy as np

    feats, labels, scores, docs, logits = [], [], [], [], []
    wanted = [_norm(a) for a in answers if a.strip()]
    for p in passages:
        for s in p.sentences:
            sentence = _norm(p.text[s.start : s.end])
            feats.append(s.features)
            labels.append(any(a in sentence for a in wanted))
            scores.append(s.score)
            docs.append(p.doc_id.split(".", 1)[0])
            logits.append(np.nan if s.reader is None else s.reader)
    return {
        "features": np.stack(feats).astype(np.float32) if feats else np.zeros((0, 398), np.float32),
        "labels": np.asarray(labels, dtype=bool),
        "scores": np.asarray(scores, dtype=np.float32),
        "docs": docs,
        "logits": np.asarray(logits, dtype=np.float32),
    }


def _save(name: str, items: list[dict]) -> None:
    import numpy as np

    CACHE.mkdir(parents=True, exist_ok=True)
    sizes = np.asarray([len(i["labels"]) for i in items])
    np.savez_compressed(
        CACHE / f"{name}.npz",
        features=np.concatenate([i["features"] for i in items]).astype(np.float16),
        labels=np.concatenate([i["labels"] for i in items]),
        scores=np.concatenate([i["scores"] for i in items]),
        sizes=sizes,
        meta=np.asarray([json.dumps(i["meta"]) for i in items]),
    )


def collect() -> None:
    """Retrieve (k=5) for every XQuAD question in every language pair and every KazQAD question; cache the
    candidates' features and labels."""
    from service.qa import SentenceScorer, retrieve

    with tempfile.TemporaryDirectory(prefix="kazde-reader-") as tmp_name:
        tmp = Path(tmp_name)
        queries = {
            lang: [json.loads(x) for x in (BEIR / f"queries.{lang}.jsonl").read_text("utf-8").splitlines()]
            for lang in LANGS
        }
        answers = {lang: {q["_id"]: q["answers"] for q in queries[lang]} for lang in LANGS}
        items: list[dict] = []
        for corpus in LANGS:
            rows = [json.loads(x) for x in (BEIR / f"corpus.{corpus}.jsonl").read_text("utf-8").splitlines()]
            started = time.perf_counter()
            store = _index(tmp, f"xquad-{corpus}", [(r["_id"], r["title"], corpus, r["text"]) for r in rows])
            print(f"indexed xquad {corpus} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            scorer = SentenceScorer(store.embedder, store.sentences, keep_features=True)
            for qlang in LANGS:
                started = time.perf_counter()
                for q in queries[qlang]:
                    passages = retrieve(store, scorer, q["text"], k=K, language=qlang)
                    item = _candidates(passages, answers[corpus][q["_id"]])
                    item["meta"] = {
                        "set": "xquad",
                        "pair": f"{qlang}-{corpus}",
                        "split": xquad_split(q["gold_doc"]),
                        "id": q["_id"],
                        "gold": q["gold_doc"],
                        "docs": item.pop("docs"),
                    }
                    items.append(item)
                print(
                    f"xquad {qlang}->{corpus}: {len(queries[qlang])} questions in "
                    f"{time.perf_counter() - started:.0f} s",
                    file=sys.stderr,
                )
        _save("xquad", items)
        kq = kazqad_rows()
        contexts = list(dict.fromkeys(r["context"] for r in kq))
        ids = {c: f"k{i:04d}" for i, c in enumerate(contexts)}
        title = {r["context"]: r["title"] for r in kq}
        started = time.perf_counter()
        store = _index(tmp, "kazqad", [(ids[c], title[c], "kk", c) for c in contexts])
        print(f"indexed kazqad in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        scorer = SentenceScorer(store.embedder, store.sentences, keep_features=True)
        items = []
        for r in kq:
            passages = retrieve(store, scorer, r["question"], k=K, language="kk")
            item = _candidates(passages, r["answers"]["text"])
            item["meta"] = {
                "set": "kazqad",
                "pair": "kk-kk",
                "split": r["split"],
                "id": r["id"],
                "gold": ids[r["context"]],
                "docs": item.pop("docs"),
            }
            items.append(item)
        _save("kazqad", items)


def load(name: str) -> list[dict]:
    """The cached candidates of one set, one dict per question."""
    import numpy as np

    with np.load(CACHE / f"{name}.npz") as npz:
        data = {key: npz[key] for key in npz.files}  # each npz[key] decompresses anew: read every array once
    bounds = np.concatenate([[0], np.cumsum(data["sizes"])])
    features = data["features"].astype(np.float32)
    out = []
    for n, meta in enumerate(data["meta"]):
        a, b = bounds[n], bounds[n + 1]
        out.append(
            {
                "features": features[a:b],
                "labels": data["labels"][a:b],
                "scores": data["scores"][a:b],
                "meta": json.loads(str(meta)),
            }
        )
    return out


def _tensors(items: list[dict], scale: float):
    """Padded tensors of candidates (the product part scaled), their labels and mask."""
    import numpy as np
    import torch

    from service.qa import FEATURES

    n, m = len(items), MAX_CANDIDATES
    width = items[0]["features"].shape[1]
    x = np.zeros((n, m, width), dtype=np.float32)
    y = np.zeros((n, m), dtype=bool)
    mask = np.zeros((n, m), dtype=bool)
    for i, it in enumerate(items):
        c = min(len(it["labels"]), m)
        x[i, :c] = it["features"][:c]
        y[i, :c] = it["labels"][:c]
        mask[i, :c] = True
    x[:, :, len(FEATURES) :] *= scale
    return torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(mask)


PRODUCT_SCALE = 100.0  # the e5 products are ~1/384 each: scaled so that one L2 penalty suits both parts


def fit(items: list[dict], *, products: bool, hidden: int = 0, decay: float = 1e-3, epochs: int = 300):
    """Fit a head listwise (softmax over each question's candidates; positives' total probability) on the
    questions that have a positive. Returns (weights, product weights, bias) for a linear head, or a
    callable for an MLP one (measured, not shipped)."""
    import numpy as np
    import torch

    from service.qa import FEATURES

    torch.manual_seed(SEED)
    usable = [it for it in items if it["labels"].any()]
    x, y, mask = _tensors(usable, PRODUCT_SCALE)
    if not products:
        x = x[:, :, : len(FEATURES)]
    width = x.shape[2]
    if hidden:
        model = torch.nn.Sequential(torch.nn.Linear(width, hidden), torch.nn.GELU(), torch.nn.Linear(hidden, 1))
    else:
        model = torch.nn.Linear(width, 1)
    opt = torch.optim.Adam(model.parameters(), lr=0.02, weight_decay=0)
    for _ in range(epochs):
        opt.zero_grad()
        z = model(x).squeeze(-1).masked_fill(~mask, -1e9)
        loss = -(torch.logsumexp(z.masked_fill(~y, -1e9), 1) - torch.logsumexp(z, 1)).mean()
        l2 = sum((p**2).sum() for name, p in model.named_parameters() if "weight" in name)
        (loss + decay * l2).backward()
        opt.step()
    if hidden:
        model.eval()

        def score(features: np.ndarray) -> np.ndarray:
            f = features.copy()
            f[:, len(FEATURES) :] *= PRODUCT_SCALE
            with torch.no_grad():
                return model(torch.from_numpy(f[:, :width])).squeeze(-1).numpy()

        return score
    w = model.weight.detach().numpy()[0]
    scalar = w[: len(FEATURES)]
    product = w[len(FEATURES) :] * PRODUCT_SCALE if products else np.zeros(384, dtype=np.float32)
    return scalar, product, float(model.bias.detach()[0])


def linear(head) -> callable:
    """A linear head as a scoring function over feature rows."""
    from service.qa import FEATURES

    scalar, product, bias = head
    return lambda f: f[:, : len(FEATURES)] @ scalar + f[:, len(FEATURES) :] @ product + bias


def top1(items: list[dict], score) -> tuple[int, int]:
    """How many questions' best-scored candidate contains the answer (of all questions)."""
    import numpy as np

    hits = sum(bool(it["labels"][int(np.argmax(score(it)))]) for it in items if len(it["labels"]))
    return hits, len(items)


def by_score(it: dict):
    """Ranking's choice today: the sentence with the best composite score."""
    return it["scores"]


def with_head(fn):
    """A scoring function over feature rows as one over a question's candidates."""
    return lambda it: fn(it["features"])


VARIANTS = {
    "scalar features, linear": dict(products=False),
    "scalar + e5 product, linear": dict(products=True),
    "scalar + e5 product, MLP 32": dict(products=True, hidden=32),
}


def train() -> None:
    """Fit every variant on the train splits, compare on dev, write the chosen linear head to reader.json."""
    from service.qa import WEIGHTS

    sets = {name: load(name) for name in ("xquad", "kazqad")}
    tr = [it for s in sets.values() for it in s if it["meta"]["split"] == "train"]
    dev = {name: [it for it in s if it["meta"]["split"] == "dev"] for name, s in sets.items()}
    lines = []
    heads = {}
    for name, options in VARIANTS.items():
        for decay in (1e-3, 1e-2):
            started = time.perf_counter()
            head = fit(tr, decay=decay, **options)
            fn = head if callable(head) else linear(head)
            scores = {s: top1(items, with_head(fn)) for s, items in dev.items()}
            heads[(name, decay)] = head
            lines.append(
                [name, decay, *(f"{k}/{n}" for k, n in scores.values()), f"{time.perf_counter() - started:.0f}"]
            )
            print(lines[-1], file=sys.stderr)
    base = [top1(items, by_score) for items in dev.values()]
    lines.append(["ranking's score (today)", "–", *(f"{k}/{n}" for k, n in base), "–"])
    # The shipped head: linear (numbers in a file, no runtime) with the best dev total.
    linear_rows = [r for r in lines if "linear" in str(r[0])]
    best = max(linear_rows, key=lambda r: sum(int(c.split("/")[0]) for c in r[2:4]))
    chosen = heads[(best[0], best[1])]
    old = json.loads(WEIGHTS.read_text("utf-8")) if WEIGHTS.is_file() else None
    reader = _reader(chosen, old)
    WEIGHTS.write_text(json.dumps(reader.to_json(), indent=1) + "\n", "utf-8")
    (CACHE / "train.json").write_text(json.dumps({"rows": lines, "chosen": best[:2]}, indent=1), "utf-8")
    print(table(["head", "L2", "XQuAD dev top-1", "KazQAD dev top-1", "fit s"], lines))
    print("chosen:", best[:2])


def _reader(head, old: dict | None):
    import numpy as np

    from service.qa import DECISION, Reader
    from service.settings import Settings

    scalar, product, bias = head
    keep = old if old and len(old.get("decision", ())) == len(DECISION) else None
    return Reader(
        weights=np.asarray(scalar, np.float32),
        product=np.asarray(product, np.float32),
        bias=bias,
        decision=np.asarray(keep["decision"] if keep else [1.0, 0, 0, 0]),
        decision_bias=float(keep["decision_bias"]) if keep else 0.0,
        mean=np.asarray(keep["mean"] if keep else [0.0] * len(DECISION)),
        scale=np.asarray(keep["scale"] if keep else [1.0] * len(DECISION)),
        stamp=Settings.from_env().sentence_stamp,
        threshold=float(keep["threshold"]) if keep else 0.5,  # `calibrate` sets it for the new head
    )


CORPUS = ROOT / "data" / "corpus"
QUESTIONS = ROOT / "data" / "questions.jsonl"


def _corpus_index(tmp: Path):
    """The bundled corpus indexed by the real pipeline; its settings."""
    from ingest import run
    from service.qa import open_index
    from service.settings import Settings
    from vectorstore import DEFAULT_EMBEDDER

    settings = Settings(data_dir=tmp / "kazde")
    run(
        [CORPUS],
        lambda reset: open_index(settings, reset=reset),
        settings.manifest_path,
        stamp=DEFAULT_EMBEDDER,
        second_stamp=settings.sentence_stamp,
    )
    return settings


def _decision_rows(kazde, questions: list[dict]) -> list[dict]:
    """Each question asked (k=5) as the file asks it and, when answerable, with its gold documents filtered out:
    the reader's decision features, the label (1: it should answer) and whether a name is unmentioned."""
    from service.qa import confidence, decision_features, gold_filter, unmentioned_names

    doc_ids = sorted(p.name for p in CORPUS.glob("*.txt"))
    t = kazde.tuning
    rows = []
    for q in questions:
        asks = [(None, bool(q["gold_docs"]))]
        if q["gold_docs"] and (f := gold_filter(q, doc_ids)):
            asks.append((f, False))
        for filters, label in asks:
            result = kazde.ask(q["question"], k=5, filters=filters)
            passages = result.passages[: t.reader_passages]
            logits = [s.reader for p in passages for s in p.sentences]
            docs = [p.doc_id for p in passages for _ in p.sentences]
            missing = unmentioned_names(q["question"], [p.text for p in result.passages], tuning=t)
            x = decision_features(logits, docs, confidence(passages, tuning=t)) if logits else None
            rows.append(
                {
                    "id": q["id"],
                    "lang": q["lang"],
                    "label": label,
                    "filtered": filters is not None,
                    "x": None if x is None else [float(v) for v in x],
                    "missing": bool(missing),
                }
            )
    return rows


def _logistic(x, y, decay: float, weight):
    """L2-regularised logistic regression by Newton's method (x standardised; weight per row)."""
    import numpy as np

    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], decay)
    reg[-1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(xb @ w)))
        grad = xb.T @ (weight * (p - y)) + reg * w
        hess = (xb * (weight * p * (1 - p))[:, None]).T @ xb + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def _balanced(rows: list[dict]):
    import numpy as np

    y = np.asarray([r["label"] for r in rows], dtype=float)
    pos = y.mean()
    return y, np.where(y == 1, 0.5 / pos, 0.5 / (1 - pos))


def _fit_decision(rows: list[dict], decay: float):
    import numpy as np

    x = np.asarray([r["x"] for r in rows])
    mean, scale = x.mean(0), x.std(0) + 1e-9
    y, weight = _balanced(rows)
    w, b = _logistic((x - mean) / scale, y, decay, weight)
    return w, b, mean, scale


def _predict(model, rows: list[dict]):
    import numpy as np

    w, b, mean, scale = model
    x = np.asarray([r["x"] for r in rows])
    return 1 / (1 + np.exp(-(((x - mean) / scale) @ w + b)))


DECAYS = (0.01, 0.1, 1.0, 10.0)
FALSE_ABSTENTION = 0.10
FOLDS = 5


def calibrate() -> None:
    """Fit the answer-or-abstain model on the calibration fold (natural and gold-filtered), the L2 strength chosen
    by 5-fold cross-validation (balanced accuracy at p = 0.5), and write it into reader.json."""

    import numpy as np

    from service.qa import WEIGHTS, Kazde, load_questions

    questions = load_questions(QUESTIONS, "calibration")
    with tempfile.TemporaryDirectory(prefix="kazde-calibrate-") as tmp_name:
        kazde = Kazde(_corpus_index(Path(tmp_name)).model_copy(update={"reader": True}))
        rows = [r for r in _decision_rows(kazde, questions) if r["x"] is not None and not r["missing"]]
    order = list(range(len(rows)))
    random.Random(SEED).shuffle(order)
    folds = [order[i::FOLDS] for i in range(FOLDS)]
    lines = []
    best = None
    for decay in DECAYS:
        right = []
        for held in folds:
            fit_rows = [rows[i] for i in order if i not in held]
            p = _predict(_fit_decision(fit_rows, decay), [rows[i] for i in held])
            right += [(pi >= 0.5) == rows[i]["label"] for pi, i in zip(p, held, strict=True)]
        y = np.asarray([rows[i]["label"] for f in folds for i in f])
        ok = np.asarray(right)
        balanced = (ok[y == 1].mean() + ok[y == 0].mean()) / 2
        lines.append(
            [
                decay,
                f"{ok[y == 1].sum()}/{(y == 1).sum()}",
                f"{ok[y == 0].sum()}/{(y == 0).sum()}",
                round(float(balanced), 3),
            ]
        )
        if best is None or balanced > best[1]:
            best = (decay, balanced)
    assert best is not None
    # The threshold: cross-validated probabilities of the chosen L2; the highest threshold that keeps answerable
    # questions' abstention at or under FALSE_ABSTENTION (issue 17's target), so an answerable question is
    # rarely refused; the whole curve is reported, to show how wide the window is.
    probability = np.zeros(len(rows))
    for held in folds:
        model = _fit_decision([rows[i] for i in order if i not in held], best[0])
        probability[held] = _predict(model, [rows[i] for i in held])
    y = np.asarray([r["label"] for r in rows], dtype=bool)
    curve = []
    for threshold in np.round(np.arange(0.05, 0.951, 0.05), 2):
        refused = probability < threshold
        curve.append([float(threshold), f"{refused[y].sum()}/{y.sum()}", f"{refused[~y].sum()}/{(~y).sum()}"])
    allowed = [c[0] for c in curve if int(c[1].split("/")[0]) <= FALSE_ABSTENTION * y.sum()]
    threshold = max(allowed) if allowed else curve[0][0]
    w, b, mean, scale = _fit_decision(rows, best[0])
    data = json.loads(WEIGHTS.read_text("utf-8"))
    data |= {
        "threshold": threshold,
        "decision": [float(v) for v in w],
        "decision_bias": b,
        "mean": [float(v) for v in mean],
        "scale": [float(v) for v in scale],
    }
    WEIGHTS.write_text(json.dumps(data, indent=1) + "\n", "utf-8")
    (CACHE / "calibrate.json").write_text(
        json.dumps({"rows": lines, "chosen": best[0], "n": len(rows), "curve": curve, "threshold": threshold}), "utf-8"
    )
    print(table(["threshold", "answerable refused (CV)", "unanswerable refused (CV)"], curve))
    print("threshold:", threshold)
    print(table(["L2", "answerable answered (CV)", "unanswerable abstained (CV)", "balanced accuracy"], lines))
    print("chosen L2:", best[0], "weights:", w, b)


def _rate(k: int, n: int) -> str:
    from service.qa import wilson

    lo, hi = wilson(k, n)
    return f"{k / n:.3f} ({k}/{n}, {lo:.2f}–{hi:.2f})" if n else "–"


def _sentence_table(items: list[dict], reader) -> tuple[list[list[object]], dict]:
    """Per language pair on the test split: retrieval recall@1/@5 and the top-1 sentence before and after."""
    from service.qa import FEATURES

    def by_reader(it: dict):
        f = it["features"]
        return f[:, : len(FEATURES)] @ reader.weights + f[:, len(FEATURES) :] @ reader.product + reader.bias

    pairs = sorted({it["meta"]["pair"] for it in items})
    rows, totals = [], {"before": [0, 0], "after": [0, 0]}
    for pair in pairs:
        group = [it for it in items if it["meta"]["pair"] == pair and it["meta"]["split"] == "test"]
        r1 = r5 = 0
        for it in group:
            paragraphs = list(dict.fromkeys(it["meta"]["docs"]))
            r1 += paragraphs[:1] == [it["meta"]["gold"]]
            r5 += it["meta"]["gold"] in paragraphs[:5]
        before, after = top1(group, by_score), top1(group, by_reader)
        for name, (k, n) in (("before", before), ("after", after)):
            totals[name][0] += k
            totals[name][1] += n
        rows.append(
            [
                pair,
                _rate(r1, len(group)),
                _rate(r5, len(group)),
                _rate(*before),
                _rate(*after),
                "yes" if after[0] >= before[0] else "NO",
            ]
        )
    return rows, totals


def _ask_ms(kazde, question: str) -> float:
    """How long one ask (k=5, /api/ask's default) takes, in milliseconds."""
    started = time.perf_counter()
    kazde.ask(question, k=5)
    return (time.perf_counter() - started) * 1000


def figures() -> None:
    """Before (ranking's scores) and after (the reader), side by side in one run, on the parts not fitted on."""

    import numpy as np

    from service.qa import Kazde, evaluate, load_questions, load_reader, shown, summarise

    reader = load_reader()
    assert reader is not None, "service/qa/reader.json is missing: run `make reader`"
    if not all((CACHE / f"{name}.npz").is_file() for name in ("xquad", "kazqad")):
        collect()
    sections = []
    for name, title in (("xquad", "XQuAD test articles (a40–a47)"), ("kazqad", "KazQAD test titles (last 107)")):
        rows, totals = _sentence_table(load(name), reader)
        if name == "xquad":
            rows.append(["mean of the pairs", "", "", _rate(*totals["before"]), _rate(*totals["after"]), ""])
        sections.append(
            f"{title}: the gold paragraph among the top 5 retrieved passages, and whether the top-1 "
            "sentence among their sentences contains the answer (corpus language's string):\n\n"
            + table(
                [
                    "pair",
                    "recall@1",
                    "recall@5",
                    "top-1 sentence, ranking (before)",
                    "top-1 sentence, reader (after)",
                    "after ≥ before",
                ],
                rows,
            )
        )
    questions = load_questions(QUESTIONS, "test")
    doc_ids = sorted(p.name for p in CORPUS.glob("*.txt"))
    with tempfile.TemporaryDirectory(prefix="kazde-figures-") as tmp_name:
        settings = _corpus_index(Path(tmp_name))
        variants = {
            "before": Kazde(settings.model_copy(update={"reader": False})),
            "after": Kazde(settings.model_copy(update={"reader": True})),
        }
        for kazde in variants.values():
            kazde.ask("warm up: Goethe-Institut", k=5)
        results = {}
        for name, kazde in variants.items():
            metrics, rows = evaluate(lambda q, k, f, z=kazde: z.ask(q, k=k, filters=f), questions, doc_ids=doc_ids)
            lang = {q["id"]: q["lang"] for q in questions}
            results[name] = (
                metrics,
                {code: summarise([r for r in rows if lang[r["id"]] == code]) for code in ("en", "de", "ru", "kk")},
            )
        # Latency side by side: each question asked of both, alternately, k=5 as /api/ask's default.
        times: dict[str, list[float]] = {"before": [], "after": []}
        for q in questions:
            for name, kazde in variants.items():
                times[name].append(_ask_ms(kazde, q["question"]))
    names = (
        "answer_containment",
        "citation_precision",
        "abstention_recall",
        "gold_filtered_abstention",
        "false_abstention",
        "recall@1",
        "recall@5",
    )
    qrows = [[m, shown(results["before"][0], m), shown(results["after"][0], m)] for m in names]
    lang_rows = []
    for code in ("en", "de", "ru", "kk"):
        for m in names[:5]:
            lang_rows.append([code, m, shown(results["before"][1][code], m), shown(results["after"][1][code], m)])
    p = {n: (float(np.percentile(v, 50)), float(np.percentile(v, 95))) for n, v in times.items()}
    sections.append(
        "The question set's test fold (split qs-2026-12; nothing here was fitted on it), `kazde eval`'s "
        "figures, before and after:\n\n" + table(["metric", "ranking (before)", "reader (after)"], qrows)
    )
    sections.append("By question language:\n\n" + table(["lang", "metric", "before", "after"], lang_rows))
    sections.append(
        "Kazde.ask latency (k=5, in process, each test-fold question asked of both alternately, same index):\n\n"
        + table(["", "p50 ms", "p95 ms"], [[n, round(a, 1), round(b, 1)] for n, (a, b) in p.items()])
        + f"\n\nThe reader's share of p50: {p['after'][0] - p['before'][0]:+.1f} ms."
    )
    body = "\n\n".join(["## Reader", READER_TEXT, *sections, _provenance()])
    print(body)
    write_section("reader", body)


READER_TEXT = (
    "The reader (service/qa/reader.py) chooses the quoted sentence and decides whether to answer (issue 17). "
    "`python bench/reader.py figures` (part of `make bench`); `make reader` rebuilds it. Rates with their counts "
    "and 95% Wilson intervals."
)


def _provenance() -> str:
    parts = []
    train_file, cal_file = CACHE / "train.json", CACHE / "calibrate.json"
    if train_file.is_file():
        t = json.loads(train_file.read_text("utf-8"))
        parts.append(
            "Heads compared on the dev splits (fitted on the train splits; `bench/reader.py train`):\n\n"
            + table(["head", "L2", "XQuAD dev top-1", "KazQAD dev top-1", "fit s"], t["rows"])
            + f"\n\nShipped: {t['chosen'][0]}, L2 {t['chosen'][1]}."
        )
    if cal_file.is_file():
        c = json.loads(cal_file.read_text("utf-8"))
        parts.append(
            f"Answer-or-abstain model, 5-fold cross-validation on the calibration fold ({c['n']} asks: "
            "answerable, unanswerable and gold-filtered; `bench/reader.py calibrate`):\n\n"
            + table(["L2", "answerable answered", "unanswerable abstained", "balanced accuracy"], c["rows"])
            + f"\n\nShipped: L2 {c['chosen']}, fitted on all of the calibration fold. The threshold on its "
            "probability, from the same cross-validated probabilities: the highest that refuses at most "
            "10% of the answerable asks "
            "(issue 17's false-abstention target); the curve:\n\n"
            + table(["threshold", "answerable refused", "unanswerable refused"], c.get("curve", []))
            + f"\n\nShipped threshold: {c.get('threshold')}."
        )
    return "\n\n".join(parts)


if __name__ == "__main__":
    steps = {"collect": collect, "train": train, "calibrate": calibrate, "figures": figures}
    steps[sys.argv[1] if len(sys.argv) > 1 else "collect"]()
