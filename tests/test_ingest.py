"""Ingestion with the real Chroma and the real default embedder: metadata, idempotence, changes, duplicates."""

from __future__ import annotations

import shutil
from pathlib import Path

from ingest import run
from ingest.loaders import load
from ingest.manifest import load as load_manifest
from service.resources import BUNDLED_CORPUS

CORPUS_FILES = sorted(p.name for p in BUNDLED_CORPUS.glob("*.txt"))


def _ingest(paths, opener, data_dir: Path, **kw):
    return run([Path(p) for p in paths], opener, data_dir / "manifest.json", stamp="use-multilingual-v3", **kw)


def _records(opener) -> dict[str, tuple[str, dict]]:
    store = opener(False)
    return {i: (t, m) for i, m, t in store.iter_records(with_text=True)}


def _assert_keyword_index_in_step(opener) -> None:
    store = opener(False)
    assert store.keyword.ids() == {i for i, _, _ in store.iter_records()}


def _refusing_opener(reset: bool):
    raise AssertionError("a run with nothing to do must not open the store")


def test_bundled_corpus_is_indexed_with_metadata_and_exact_offsets(corpus_copy, opener, data_dir) -> None:
    report = _ingest([corpus_copy], opener, data_dir)
    assert sorted(report.added) == CORPUS_FILES
    assert not report.failed and not report.updated and not report.removed
    records = _records(opener)
    assert report.chunks == len(records) > len(CORPUS_FILES)

    by_doc: dict[str, list[tuple[str, dict]]] = {}
    for text, meta in records.values():
        by_doc.setdefault(meta["doc_id"], []).append((text, meta))
    assert sorted(by_doc) == CORPUS_FILES

    goethe = by_doc["de_goethe_30_Jahre_Goethe-Institut_Kasachstan.txt"]
    meta = goethe[0][1]
    assert meta["language"] == "de"
    assert meta["source"].startswith("https://")
    assert "Goethe" in meta["title"]
    assert "page" not in meta, "a text file has no page numbers"
    assert not any(t.startswith("SOURCE:") for t, _ in goethe), "the header line is metadata, not text"
    assert {m["language"] for _, m in by_doc["ru_wikipedia_Nemcy_Kazakhstana.txt"]} == {"ru"}
    assert {m["language"] for _, m in by_doc["seed_article.txt"]} == {"en"}, "detected when no header says"

    for doc_id, chunks in by_doc.items():
        page_text = load(corpus_copy / doc_id).pages[0].text
        indexes = sorted(m["chunk_index"] for _, m in chunks)
        assert indexes == list(range(len(chunks))), doc_id
        for text, m in chunks:
            assert page_text[m["start"] : m["end"]] == text, "offsets locate the chunk in its page"
            assert len(m["content_hash"]) == 64


def test_rerun_on_an_unchanged_corpus_writes_nothing(corpus_copy, opener, data_dir) -> None:
    _ingest([corpus_copy], opener, data_dir)
    before = _records(opener)
    manifest_before = (data_dir / "manifest.json").read_bytes()
    report = _ingest([corpus_copy], _refusing_opener, data_dir)
    assert sorted(report.unchanged) == CORPUS_FILES
    assert report.chunks == 0 and not report.added and not report.updated
    assert _records(opener) == before
    assert (data_dir / "manifest.json").read_bytes() == manifest_before


def test_a_touched_but_identical_file_is_unchanged(corpus_copy, opener, data_dir) -> None:
    _ingest([corpus_copy], opener, data_dir)
    path = corpus_copy / CORPUS_FILES[0]
    path.write_bytes(path.read_bytes())  # new mtime, same content
    report = _ingest([corpus_copy], _refusing_opener, data_dir)
    assert report.unchanged and not report.updated


def test_a_changed_file_replaces_its_chunks_and_leaves_no_stale_one(corpus_copy, opener, data_dir) -> None:
    _ingest([corpus_copy], opener, data_dir)
    doc_id = "de_wikisource_Kulturabkommen_DE_KZ_1994.txt"
    path = corpus_copy / doc_id
    old_hash = load_manifest(data_dir / "manifest.json").docs[doc_id].content_hash
    path.write_text(path.read_text(encoding="utf-8") + "\nNeuer Absatz: Das Abkommen gilt unbefristet.\n", "utf-8")

    report = _ingest([corpus_copy], opener, data_dir)
    assert report.updated == [doc_id]
    assert len(report.unchanged) == len(CORPUS_FILES) - 1
    chunks = [(t, m) for t, m in _records(opener).values() if m["doc_id"] == doc_id]
    assert chunks and all(m["content_hash"] != old_hash for _, m in chunks)
    assert any("unbefristet" in t for t, _ in chunks)
    assert len({m["chunk_index"] for _, m in chunks}) == len(chunks)
    _assert_keyword_index_in_step(opener)
    top_id = opener(False).keyword_search("unbefristet")[0][0]
    assert _records(opener)[top_id][1]["doc_id"] == doc_id, "the keyword index finds the new wording"


def test_a_file_gone_from_the_folder_loses_its_chunks(corpus_copy, opener, data_dir) -> None:
    _ingest([corpus_copy], opener, data_dir)
    (corpus_copy / "seed_article.txt").unlink()
    report = _ingest([corpus_copy], opener, data_dir)
    assert report.removed == ["seed_article.txt"]
    assert all(m["doc_id"] != "seed_article.txt" for _, m in _records(opener).values())
    assert "seed_article.txt" not in load_manifest(data_dir / "manifest.json").docs
    _assert_keyword_index_in_step(opener)


def test_an_identical_file_is_embedded_once_and_reported_as_duplicate(corpus_copy, opener, data_dir) -> None:
    original = "en_dw_Steinmeier_Tokayev_2023.txt"
    shutil.copy(corpus_copy / original, corpus_copy / "zz_copy_of_steinmeier.txt")
    report = _ingest([corpus_copy], opener, data_dir)
    assert report.duplicates == {"zz_copy_of_steinmeier.txt": original}
    records = _records(opener)
    assert all(m["doc_id"] != "zz_copy_of_steinmeier.txt" for _, m in records.values())
    n_original = sum(m["doc_id"] == original for _, m in records.values())

    # When the original goes, the copy takes its content over instead of losing it.
    (corpus_copy / original).unlink()
    report = _ingest([corpus_copy], opener, data_dir)
    assert report.removed == [original]
    docs = [m["doc_id"] for _, m in _records(opener).values()]
    assert docs.count("zz_copy_of_steinmeier.txt") == n_original and original not in docs
    _assert_keyword_index_in_step(opener)


def test_a_renamed_file_keeps_its_content_under_the_new_id(corpus_copy, opener, data_dir) -> None:
    _ingest([corpus_copy], opener, data_dir)
    n = len(_records(opener))
    (corpus_copy / "seed_article.txt").rename(corpus_copy / "seed_article_renamed.txt")
    report = _ingest([corpus_copy], opener, data_dir)
    assert report.removed == ["seed_article.txt"] and report.added == ["seed_article_renamed.txt"]
    docs = [m["doc_id"] for _, m in _records(opener).values()]
    assert "seed_article.txt" not in docs and "seed_article_renamed.txt" in docs
    assert len(docs) == n


def test_ingesting_another_folder_never_removes_the_first_ones_documents(tmp_path, opener, data_dir) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    shutil.copy(BUNDLED_CORPUS / CORPUS_FILES[0], a)
    shutil.copy(BUNDLED_CORPUS / CORPUS_FILES[1], b)
    report = _ingest([a, b], opener, data_dir)
    assert sorted(report.added) == CORPUS_FILES[:2]
    report = _ingest([a], opener, data_dir)
    assert report.unchanged == [CORPUS_FILES[0]] and not report.removed
    assert {m["doc_id"] for _, m in _records(opener).values()} == set(CORPUS_FILES[:2])

    # --rebuild starts over from the given paths alone.
    report = _ingest([b], opener, data_dir, rebuild=True)
    assert report.added == [CORPUS_FILES[1]]
    assert {m["doc_id"] for _, m in _records(opener).values()} == {CORPUS_FILES[1]}
    _assert_keyword_index_in_step(opener)


def test_a_lost_keyword_index_is_rebuilt_from_chroma(corpus_copy, opener, data_dir) -> None:
    _ingest([corpus_copy], opener, data_dir)
    (data_dir / "keyword.sqlite").unlink()
    for extra in data_dir.glob("keyword.sqlite-*"):
        extra.unlink()
    (corpus_copy / "seed_article.txt").unlink()
    _ingest([corpus_copy], opener, data_dir)
    _assert_keyword_index_in_step(opener)


def test_bad_files_are_reported_and_the_rest_of_the_batch_is_indexed(tmp_path, opener, data_dir) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(BUNDLED_CORPUS / "en_dw_Steinmeier_Tokayev_2023.txt", folder)
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "garbage.pdf").write_bytes(b"%PDF-1.4\nthis is not a pdf at all\n%%EOF\n")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 not a zip after all")
    (folder / "notes.rtf").write_bytes(b"{\\rtf1 not supported}")
    (folder / "latin1.txt").write_bytes("Gr\xfc\xdfe aus K\xf6ln".encode("latin-1"))
    (folder / "blank.md").write_text("   \n\n", encoding="utf-8")

    report = _ingest([folder], opener, data_dir)
    assert report.added == ["en_dw_Steinmeier_Tokayev_2023.txt"]
    assert sorted(report.failed) == ["blank.md", "empty.pdf", "garbage.pdf", "latin1.txt", "notes.docx", "notes.rtf"]
    assert all(reason and "\n" not in reason and "Traceback" not in reason for reason in report.failed.values())
    assert "unsupported" in report.failed["notes.rtf"] and "not a zip container" in report.failed["notes.docx"]

    # An unchanged failed file is reported again with its reason, without being parsed again.
    again = _ingest([folder], _refusing_opener, data_dir)
    assert again.failed == report.failed and again.unchanged == report.added


def test_chunks_of_a_killed_runs_document_go_only_when_its_file_is_gone(tmp_path, opener, data_dir) -> None:
    from ingest import manifest as mf
    from ingest.loaders import load as load_doc
    from ingest.pipeline import make_chunks

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    shutil.copy(BUNDLED_CORPUS / CORPUS_FILES[0], a)
    orphan = b / CORPUS_FILES[1]
    shutil.copy(BUNDLED_CORPUS / CORPUS_FILES[1], orphan)
    _ingest([a], opener, data_dir)
    # As a run over b that died after writing its chunks, before its manifest entry: pending, not listed.
    chunks = make_chunks(orphan.name, load_doc(orphan), mf.content_hash(orphan))
    opener(False).upsert([c.id for c in chunks], [c.text for c in chunks], [c.metadata() for c in chunks])
    manifest = mf.load(data_dir / "manifest.json")
    manifest.pending = {orphan.name: str(orphan)}
    mf.save(manifest, data_dir / "manifest.json")

    _ingest([a], opener, data_dir)  # another folder's run leaves b's unfinished document alone
    assert orphan.name in {m["doc_id"] for _, m in _records(opener).values()}
    orphan.unlink()
    _ingest([a], opener, data_dir)  # its file is gone: the next run deletes what the dead run wrote
    assert {m["doc_id"] for _, m in _records(opener).values()} == {CORPUS_FILES[0]}
    assert mf.load(data_dir / "manifest.json").pending == {}
    _assert_keyword_index_in_step(opener)


def test_new_chunking_rules_rechunk_every_document_and_leave_no_chunk_of_the_old_ones(
    corpus_copy, opener, data_dir
) -> None:
    _ingest([corpus_copy], opener, data_dir)
    before = _records(opener)
    report = _ingest([corpus_copy], opener, data_dir, chunking=(400, 80))
    assert sorted(report.updated) == CORPUS_FILES and not report.unchanged
    after = _records(opener)
    assert len(after) > len(before)
    assert not set(after) & set(before), "no chunk of the old cut is left"
    assert all(len(text) <= 400 for text, _ in after.values())
    _assert_keyword_index_in_step(opener)
    again = _ingest([corpus_copy], _refusing_opener, data_dir, chunking=(400, 80))
    assert sorted(again.unchanged) == CORPUS_FILES
