"""Shared fixtures: the real embedder, Chroma in a temp dir, a real `chroma run` server, the bench data."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from service.resources import BUNDLED_CORPUS
from vectorstore import StoreLocation, make_embedder, open_store

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench"
BIN = Path(sys.executable).parent
# e5's serving file is built once (on first use, about half a minute) and shared by every test's data folder and
# the processes the tests start, as a deployment's indexes share one models folder.
os.environ.setdefault("KAZDE_MODELS_DIR", str(ROOT / ".kazde" / "models"))
MODELS_DIR = Path(os.environ["KAZDE_MODELS_DIR"])


@pytest.fixture(scope="session")
def embedder():
    """The real default embedder (USE multilingual), loaded once for the session."""
    model, stamp = make_embedder()
    model.embed_query("warm up")
    return model, stamp


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty KAZDE_DATA_DIR."""
    path = tmp_path / "kazde-data"
    path.mkdir()
    return path


@pytest.fixture
def opener(data_dir: Path, embedder):
    """Opens the embedded store under data_dir with the real embedder, the way `kazde ingest` does."""
    model, stamp = embedder

    def open_(reset: bool):
        return open_store(
            StoreLocation(path=data_dir / "chroma"), model, stamp, reset=reset, keyword_path=data_dir / "keyword.sqlite"
        )

    return open_


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled corpus that a test may change."""
    dest = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, dest)
    return dest


@pytest.fixture(scope="session")
def bench_dir() -> Path:
    """../shared/bench; tests that need it are skipped, saying why, where it is absent (a user's checkout)."""
    if not BENCH.is_dir():
        pytest.skip(f"benchmark data not found at {BENCH} (CI and the dev machines have it)")
    return BENCH


def kazde(*args: str, data_dir: Path, extra_env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    """Run the installed `kazde` command with its own data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAZDE_")}
    env.update({"KAZDE_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})
    env.update(extra_env or {})
    return subprocess.run(
        [str(BIN / "kazde"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=kw.pop("timeout", 600),
        **kw,
    )


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server_process(
    cmd: list[str], ready_url: str, log_path: Path, timeout_s: float = 60, **popen: Any
) -> Iterator[subprocess.Popen]:
    """A real server process, up once `ready_url` answers, stopped (then killed if need be) afterwards."""
    log = log_path.open("w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, **popen)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(ready_url, timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{cmd[0]} did not start: {log_path.read_text()[-2000:]}") from None
                time.sleep(0.3)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """A real `chroma run` server process on a free loopback port, stopped after the test."""
    port = free_port()
    cmd = [str(BIN / "chroma"), "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1"]
    url = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    with server_process([*cmd, "--port", str(port)], url, tmp_path / "chroma-server.log"):
        yield "127.0.0.1", port


@pytest.fixture(scope="session")
def indexed_corpus(tmp_path_factory, embedder) -> Path:
    """A data directory holding the bundled corpus, indexed once for the session (tests only read it)."""
    from ingest import run
    from service.qa.index import open_index
    from service.settings import Settings

    data = tmp_path_factory.mktemp("indexed-corpus")
    settings = Settings(data_dir=data)
    report = run(
        [BUNDLED_CORPUS],
        lambda reset: open_index(settings, reset=reset),
        settings.manifest_path,
        stamp=embedder[1],
        second_stamp=settings.sentence_stamp,  # as `kazde ingest` does: the stored sentence vectors are used
    )
    assert not report.failed, report.failed
    return data


@contextmanager
def serve_app(settings: Any, threads: int = 4) -> Iterator[str]:
    """The real app for `settings` under the real WSGI server (waitress) on a free loopback port; its base URL."""
    import threading

    from waitress.server import create_server

    from service import create_app

    server = create_server(create_app(settings), host="127.0.0.1", port=free_port(), threads=threads)
    closing = threading.Event()

    def run() -> None:
        try:
            server.run()
        except (OSError, ValueError):  # the loop's sockets closed under it at teardown
            if not closing.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        closing.set()
        server.close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(indexed_corpus: Path) -> Iterator[str]:
    """The real app over the bundled corpus under waitress on a free loopback port; yields its base URL."""
    from service.settings import Settings

    with serve_app(Settings(data_dir=indexed_corpus)) as base:
        yield base


# The browser tests use the first of these that the service answers (not abstains).
ANSWERABLE = [
    "When did the Goethe-Institut open in Almaty?",
    "Wann trat das Kulturabkommen von 1994 in Kraft?",
    "When was the German-Kazakh University founded?",
    "Wann wurde die Deutsch-Kasachische Universität gegründet?",
]


def post_json(url: str, body: dict) -> tuple[int, dict]:
    """POST a JSON body; the status and the JSON reply (error replies included)."""
    import json
    import urllib.error

    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as res:
            return res.status, json.load(res)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


@pytest.fixture(scope="session")
def answered(live_server: str) -> tuple[str, dict[str, Any]]:
    """A question the service currently answers with citations, and its /api/ask response."""
    for question in ANSWERABLE:
        status, data = post_json(f"{live_server}/api/ask", {"question": question})
        assert status == 200, data
        if not data["abstained"] and data["citations"]:
            return question, data
    pytest.fail(f"the service abstained on every one of {ANSWERABLE}; the browser tests need one answered question")
