"""`kazde ingest` and `kazde status` as a user runs them: real processes, real Chroma, real kills."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from ingest import WriterLock
from service.resources import BUNDLED_CORPUS
from tests.conftest import BIN, kazde

N_CORPUS = len(list(BUNDLED_CORPUS.glob("*.txt")))


def _last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def _status(data_dir: Path, **env) -> dict:
    res = kazde("status", "--json", data_dir=data_dir, extra_env=env)
    assert res.returncode == 0, res.stderr
    return _last_json(res.stdout)


@pytest.mark.slow
def test_ingest_json_summary_then_status_reports_what_chroma_holds(tmp_path, data_dir) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    shutil.copy(corpus / "seed_article.txt", corpus / "seed_copy.txt")
    res = kazde("ingest", str(corpus), "--json", data_dir=data_dir)
    assert res.returncode == 0, res.stderr
    summary = _last_json(res.stdout)
    assert {"added", "updated", "unchanged", "removed", "failed", "chunks", "seconds"} <= set(summary)
    assert summary["added"] == N_CORPUS + 1 and summary["failed"] == 0 and summary["chunks"] > N_CORPUS
    assert "added" in res.stderr, "the human summary goes to standard error with --json"
    assert summary["sentences"] > summary["chunks"], "the second embedder encoded the passages' sentences"

    status = _status(data_dir)
    assert status["documents"] == N_CORPUS + 1
    assert status["chunks"] == summary["chunks"]
    assert status["embedder"] == "use-multilingual-v3"
    docs = {d["doc_id"]: d for d in status["docs"]}
    assert docs["seed_copy.txt"] == {
        "doc_id": "seed_copy.txt",
        "chunks": 0,
        "content_hash": docs["seed_article.txt"]["content_hash"],
        "duplicate_of": "seed_article.txt",
    }
    assert sum(d["chunks"] for d in docs.values()) == status["chunks"]

    again = kazde("ingest", str(corpus), "--json", data_dir=data_dir)
    assert _last_json(again.stdout) | {"seconds": 0} == {
        **summary,
        "added": 0,
        "unchanged": N_CORPUS + 1,
        "chunks": 0,
        "sentences": 0,
        "sentence_seconds": 0,
        "seconds": 0,
        "duplicates": [],
        "problems": {},
    }


def test_a_missing_path_is_a_clear_error(data_dir) -> None:
    res = kazde("ingest", "/no/such/folder", data_dir=data_dir)
    assert res.returncode != 0
    assert "no such file or folder: /no/such/folder" in res.stderr
    assert "Traceback" not in res.stderr


def test_a_second_writer_is_refused_at_once(tmp_path, data_dir) -> None:
    with WriterLock(data_dir):
        started = time.monotonic()
        res = kazde("ingest", str(BUNDLED_CORPUS), data_dir=data_dir, timeout=60)
        waited = time.monotonic() - started
    assert res.returncode != 0
    assert f"another ingest (pid {os.getpid()}) is writing to this index" in res.stderr
    assert waited < 30, "refused, not queued behind the first writer"


@pytest.mark.slow
def test_an_index_built_by_another_embedder_is_refused_with_what_to_do(tmp_path, data_dir) -> None:
    doc = tmp_path / "one"
    doc.mkdir()
    shutil.copy(BUNDLED_CORPUS / "en_dw_Steinmeier_Tokayev_2023.txt", doc)
    assert kazde("ingest", str(doc), data_dir=data_dir).returncode == 0
    (doc / "new.md").write_text("# New\n\nSteinmeier visited Astana in June 2023.\n", encoding="utf-8")
    minilm = {"KAZDE_EMBEDDING_MODEL": "all-MiniLM-L6-v2"}
    res = kazde("ingest", str(doc), data_dir=data_dir, extra_env=minilm)
    assert res.returncode != 0
    assert "built with the embedder 'use-multilingual-v3'" in res.stderr
    assert "--rebuild" in res.stderr

    # The bundled sentence-transformers MiniLM works offline once chosen, through a rebuild.
    res = kazde("ingest", str(doc), "--rebuild", "--json", data_dir=data_dir, extra_env=minilm)
    assert res.returncode == 0, res.stderr
    assert _last_json(res.stdout)["added"] == 2
    assert _status(data_dir, **minilm)["embedder"] == "sentence-transformers:all-MiniLM-L6-v2"


def _snapshot(data_dir: Path) -> dict[str, tuple[str, dict]]:
    from vectorstore import StoreLocation, make_embedder, open_store

    model, stamp = make_embedder()
    store = open_store(StoreLocation(path=data_dir / "chroma"), model, stamp, keyword_path=data_dir / "keyword.sqlite")
    records = {i: (t, m) for i, m, t in store.iter_records(with_text=True)}
    assert store.keyword.ids() == set(records), "the keyword index holds exactly Chroma's passages"
    return records


def _manifest(path: Path) -> tuple[int, dict]:
    """The manifest's inode (a new one at every save: it is replaced atomically) and its content."""
    try:
        return path.stat().st_ino, json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return 0, {}


def _wait_for(proc: subprocess.Popen, manifest: Path, before: tuple[int, dict], at: int | str) -> bool:
    """Poll a running ingest until a save of its own records `at` more documents than `before`, or says that
    its last step began; False if the run ended first."""
    known = len(before[1].get("docs", {}))
    while proc.poll() is None:
        inode, state = _manifest(manifest)
        if inode != before[0] and (
            state.get("finish_pending") or (isinstance(at, int) and len(state.get("docs", {})) >= known + at)
        ):
            return True
        time.sleep(0.02)
    return False


@pytest.mark.slow
@pytest.mark.bench_data
def test_kill_9_at_random_moments_then_a_rerun_equals_a_clean_build(tmp_path, bench_dir) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    for page in (bench_dir / "wikipedia-en").glob("*.txt"):
        shutil.copy(page, corpus)
    clean_dir = tmp_path / "clean"
    assert kazde("ingest", str(corpus), data_dir=clean_dir).returncode == 0
    clean = _snapshot(clean_dir)
    n_files = len(list(corpus.iterdir()))

    # The kills land at points the run reaches, not after a time (a busy machine must not move them out of the
    # run): once the run's manifest records k more documents, or once it says the last step (the second
    # embedder's vectors, tens of seconds) has begun. Either comes before that step, so the run is still going.
    rng = random.Random(20261128)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAZDE_")}
    for attempt in range(3):
        killed_dir = tmp_path / f"killed-{attempt}"
        env["KAZDE_DATA_DIR"] = str(killed_dir)
        for kill in range(2):  # two kills in a row, the second one interrupting a resumed run
            at = rng.choice([rng.randint(1, n_files - 1), "last step"])
            before = _manifest(killed_dir / "manifest.json")
            proc = subprocess.Popen(
                [str(BIN / "kazde"), "ingest", str(corpus)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            reached = _wait_for(proc, killed_dir / "manifest.json", before, at)
            # The first kill must land mid-run; the resumed run has less left to do and may finish first.
            assert kill == 1 or reached, f"the run ended before it reached {at!r}"
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        res = kazde("ingest", str(corpus), data_dir=killed_dir)
        assert res.returncode == 0, res.stderr
        assert _snapshot(killed_dir) == clean, f"attempt {attempt}"


@pytest.mark.slow
@pytest.mark.server
def test_server_mode_indexes_into_a_real_chroma_server(tmp_path, data_dir, chroma_server) -> None:
    host, port = chroma_server
    env = {"KAZDE_CHROMA_HOST": host, "KAZDE_CHROMA_PORT": str(port)}
    res = kazde("ingest", str(BUNDLED_CORPUS), "--json", data_dir=data_dir, extra_env=env)
    assert res.returncode == 0, res.stderr
    summary = _last_json(res.stdout)
    assert summary["added"] == N_CORPUS
    status = _status(data_dir, **env)
    assert status["store"] == f"chroma server http://{host}:{port}"
    assert status["chunks"] == summary["chunks"]
    assert not (data_dir / "chroma").exists(), "nothing embedded when a server is configured"

    again = kazde("ingest", str(BUNDLED_CORPUS), "--json", data_dir=data_dir, extra_env=env)
    assert _last_json(again.stdout)["unchanged"] == N_CORPUS


def test_an_unreachable_chroma_server_is_a_clear_error(data_dir) -> None:
    from tests.conftest import free_port

    env = {"KAZDE_CHROMA_HOST": "127.0.0.1", "KAZDE_CHROMA_PORT": str(free_port())}
    res = kazde("ingest", str(BUNDLED_CORPUS), data_dir=data_dir, extra_env=env, timeout=120)
    assert res.returncode != 0
    assert "cannot open the index at chroma server" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.slow
def test_remove_takes_a_folders_document_out_until_the_next_ingest_of_its_folder(tmp_path, data_dir) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    names = ["de_goethe_30_Jahre_Goethe-Institut_Kasachstan.txt", "seed_article.txt"]
    for name in names:
        shutil.copy(BUNDLED_CORPUS / name, corpus / name)
    shutil.copy(Path(__file__).parent / "fixtures" / "office" / "goethe_chronik.docx", corpus / "chronik.docx")
    assert kazde("ingest", str(corpus), data_dir=data_dir).returncode == 0
    before = _status(data_dir)
    assert before["documents"] == 3

    res = kazde("remove", "chronik.docx", "no-such-doc.txt", "--json", data_dir=data_dir)
    assert res.returncode == 1, "an unknown id is an error, after the known ones were removed"
    out = _last_json(res.stdout)
    assert out["unknown"] == ["no-such-doc.txt"] and [r["doc_id"] for r in out["removed"]] == ["chronik.docx"]
    removed = out["removed"][0]
    assert removed["returns_on_reindex"] and not removed["file_removed"] and removed["passages"] > 0
    assert "next ingest" in removed["message"] and "unknown  no-such-doc.txt" in res.stderr
    assert (corpus / "chronik.docx").exists(), "a user's folder is never changed"
    status = _status(data_dir)
    assert status["documents"] == 2 and "chronik.docx" not in {d["doc_id"] for d in status["docs"]}
    assert status["chunks"] == before["chunks"] - removed["passages"]
    asked = kazde("ask", "Wann wurde das Goethe-Institut in Almaty eröffnet?", "--json", data_dir=data_dir)
    assert asked.returncode == 0 and "chronik.docx" not in asked.stdout

    # As the command said: the next ingest of the folder brings it back, unless its file goes.
    assert _last_json(kazde("ingest", str(corpus), "--json", data_dir=data_dir).stdout)["added"] == 1
    (corpus / "chronik.docx").unlink()
    assert kazde("remove", "chronik.docx", data_dir=data_dir).returncode == 0
    assert _last_json(kazde("ingest", str(corpus), "--json", data_dir=data_dir).stdout)["added"] == 0
    assert _status(data_dir)["documents"] == 2
