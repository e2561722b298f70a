"""Write actions over real HTTP: the admin token, uploads checked by content, reindex jobs, feedback."""

from __future__ import annotations

import json
import shutil
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BUNDLED_CORPUS, serve_app

TOKEN = "s3cret-token"
FIXTURE_PDF = Path(__file__).parent / "fixtures" / "multilingual.pdf"
SOME_DOCS = ("en_irin_2005_ethnic_Germans_special_report.txt", "ru_caravan_Den_skorbi_28_avgusta.txt")
DATA_DIRS: dict[str, Path] = {}  # the admin server's data directory, for tests that reach behind the API


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory, embedder) -> Iterator[str]:
    """A small index (two corpus documents) served with an admin token and a 1 MB upload limit."""
    from ingest import run
    from service.qa.index import open_index
    from service.settings import Settings

    root = tmp_path_factory.mktemp("admin")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in SOME_DOCS:
        shutil.copy(BUNDLED_CORPUS / name, corpus / name)
    settings = Settings(data_dir=root / "data", admin_token=TOKEN, upload_max_mb=1)
    DATA_DIRS["admin"] = settings.data_dir
    run([corpus], lambda reset: open_index(settings, reset=reset), settings.manifest_path, stamp=embedder[1])
    with serve_app(settings) as base:
        yield base


@pytest.fixture(scope="module")
def open_server(tmp_path_factory) -> Iterator[str]:
    """A server with no admin token configured: every write is off."""
    from service.settings import Settings

    with serve_app(Settings(data_dir=tmp_path_factory.mktemp("no-token"))) as base:
        yield base


def _call(method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, res.read(), res.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers


def _json(method: str, url: str, payload: object | None = None, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = None if payload is None else json.dumps(payload).encode()
    status, raw, _ = _call(method, url, body=body, headers=headers)
    return status, json.loads(raw)


def _multipart(files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, content in files:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        parts.append(head.encode() + b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _upload(base: str, files: list[tuple[str, bytes]], token: str | None = TOKEN, query: str = ""):
    body, ctype = _multipart(files)
    headers = {"Content-Type": ctype}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    status, raw, _ = _call("POST", f"{base}/api/documents{query}", body=body, headers=headers)
    return status, json.loads(raw)


def _wait_for(base: str, job_id: str, timeout_s: float = 180) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status, job = _json("GET", f"{base}/api/jobs/{job_id}")
        assert status == 200, job
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} still {job['state']} after {timeout_s} s: {job}")


def test_without_a_configured_token_every_write_is_refused(open_server: str) -> None:
    for method, path in (("POST", "/api/reindex"), ("GET", "/api/feedback.jsonl")):
        status, body = _json(method, open_server + path, token="anything")
        assert (status, body["error"]) == (403, "writes_disabled"), body
    status, body = _upload(open_server, [("a.txt", b"text")])
    assert (status, body["error"]) == (403, "writes_disabled")
    assert _json("GET", open_server + "/api/documents")[1]["writes_enabled"] is False


def test_writes_need_the_right_token(admin_server: str) -> None:
    assert _json("POST", admin_server + "/api/reindex")[0] == 401
    status, body = _json("POST", admin_server + "/api/reindex", token="wrong")
    assert (status, body["error"]) == (403, "wrong_token")
    assert _upload(admin_server, [("a.txt", b"text")], token=None)[0] == 401
    assert _json("GET", admin_server + "/api/documents")[1]["writes_enabled"] is True


def test_uploads_are_checked_by_content_not_by_name(admin_server: str) -> None:
    status, body = _upload(
        admin_server,
        [
            ("fake.pdf", b"just text pretending to be a PDF"),
            ("tool.exe", b"MZ\x90\x00"),
            ("report.txt", FIXTURE_PDF.read_bytes()),
            ("../../etc/passwd.txt", b"root:x:0:0"),
        ],
    )
    assert status == 201, body
    reasons = {r["name"]: r["reason"] for r in body["rejected"]}
    assert set(reasons) == {"fake.pdf", "tool.exe", "report.txt"}
    assert "not a PDF" in reasons["fake.pdf"] and "unsupported file type .exe" in reasons["tool.exe"]
    assert "is a PDF" in reasons["report.txt"]
    # A client never names a server path: the name is reduced to its last component, in the uploads folder.
    assert [s["doc_id"] for s in body["saved"]] == ["passwd.txt"]


def test_an_upload_over_the_limit_is_a_413(admin_server: str) -> None:
    status, body = _upload(admin_server, [("big.txt", b"a" * (1024 * 1024 + 10))])
    assert status == 413, body


def test_an_uploaded_pdf_is_reindexed_then_cited_at_its_page(admin_server: str) -> None:
    status, body = _upload(admin_server, [("dku-fact-sheet.pdf", FIXTURE_PDF.read_bytes())], query="?reindex=1")
    assert status == 201 and body["saved"][0]["doc_id"] == "dku-fact-sheet.pdf", body
    job = _wait_for(admin_server, body["job_id"])
    assert job["state"] == "done", job
    assert job["summary"]["added"] >= 1 and job["summary"]["failed"] == 0, job
    assert job["progress"]["done"] == job["progress"]["total"] > 0
    docs = {d["doc_id"]: d for d in _json("GET", admin_server + "/api/documents")[1]["documents"]}
    assert docs["dku-fact-sheet.pdf"]["status"] == "indexed" and docs["dku-fact-sheet.pdf"]["pages"] >= 2
    assert set(SOME_DOCS) <= set(docs)  # the documents indexed before are still there
    status, answer = _json(
        "POST", admin_server + "/api/ask", {"question": "Wann wurde die Deutsch-Kasachische Universität gegründet?"}
    )
    assert status == 200 and not answer["abstained"], answer
    cited = answer["citations"][0]
    assert (cited["doc_id"], cited["page"]) == ("dku-fact-sheet.pdf", 1) and "1999" in cited["quote"]


def test_a_second_reindex_request_while_one_runs_gets_the_running_job(admin_server: str) -> None:
    first = _json("POST", admin_server + "/api/reindex", token=TOKEN)
    second = _json("POST", admin_server + "/api/reindex", token=TOKEN)
    assert first[0] == second[0] == 202
    job = _wait_for(admin_server, first[1]["job_id"])
    assert job["state"] == "done", job
    if second[1]["job_id"] != first[1]["job_id"]:  # the first had already finished
        assert _wait_for(admin_server, second[1]["job_id"])["state"] == "done"


def test_a_reindex_while_another_process_writes_fails_at_once_with_the_reason(admin_server: str) -> None:
    from ingest import WriterLock

    with WriterLock(DATA_DIRS["admin"]):  # this test process plays the other writer (a `kazde ingest`)
        status, body = _json("POST", admin_server + "/api/reindex", token=TOKEN)
        assert status == 202
        job = _wait_for(admin_server, body["job_id"], timeout_s=30)
    assert job["state"] == "failed" and "another ingest" in job["error"], job
    # The lock released, the next reindex runs.
    status, body = _json("POST", admin_server + "/api/reindex", token=TOKEN)
    assert _wait_for(admin_server, body["job_id"])["state"] == "done"


def test_a_job_that_reads_finished_is_no_longer_the_running_one(tmp_path: Path) -> None:
    """A client that sees "failed" (or "done") and asks again gets a new job, not the finished one.

    CI once caught the window between the final save and the running slot being cleared; the save is
    watched here so the order is checked every time, not only when the threads happen to interleave.
    """
    from ingest import WriterLock
    from service.ops.jobs import Reindexer
    from service.settings import Settings

    reindexer = Reindexer(Settings(data_dir=tmp_path))
    finished: list[bool] = []
    save = reindexer.jobs.save

    def watched_save(job) -> None:
        if job.state in ("done", "failed"):  # noted before the write: a client may read the file at once
            finished.append(reindexer._running is None)
        save(job)

    reindexer.jobs.save = watched_save
    with WriterLock(tmp_path):  # the job fails at once, before any model loads
        first = reindexer.start()
        deadline = time.monotonic() + 30
        while reindexer.jobs.get(first.job_id).state not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.01)
    assert reindexer.jobs.get(first.job_id).state == "failed"
    assert finished == [True]
    with WriterLock(tmp_path):
        second = reindexer.start()
        assert second.job_id != first.job_id
        while reindexer._running is not None and time.monotonic() < deadline:
            time.sleep(0.01)  # it fails too; nothing is left running after the test


def test_unknown_jobs_are_404(admin_server: str) -> None:
    for job_id in ("0" * 32, "g" * 32, "x"):
        status, body = _json("GET", f"{admin_server}/api/jobs/{job_id}")
        assert (status, body["error"]) == (404, "job_not_found")


def test_feedback_is_stored_and_exported_as_question_file_lines(admin_server: str) -> None:
    assert _json("POST", admin_server + "/api/feedback", {"rating": "meh", "question": "q"})[0] == 400
    assert _json("POST", admin_server + "/api/feedback", {"rating": "up"})[0] == 400
    cite = {"n": 1, "doc_id": "dku-fact-sheet.pdf", "page": 1, "quote": "gegründet 1999"}
    up = {"rating": "up", "question": "Wann?", "answer": "gegründet 1999 [1]", "citations": [cite]}
    down = {"rating": "down", "question": "Wer?", "answer": "Keine Ahnung", "citations": []}
    for vote in (up, down):
        status, body = _json("POST", admin_server + "/api/feedback", vote)
        assert status == 201 and body["id"].startswith("fb-")
    assert _call("GET", admin_server + "/api/feedback.jsonl")[0] == 401
    status, raw, headers = _call(
        "GET", admin_server + "/api/feedback.jsonl", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert status == 200 and headers["Content-Type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in raw.decode().splitlines()]
    assert [(r["question"], r["gold_docs"], r["answers"]) for r in rows[-2:]] == [
        ("Wann?", ["dku-fact-sheet.pdf"], ["gegründet 1999"]),
        ("Wer?", [], []),
    ]
    assert rows[-1]["review"] is True and all(r["id"].startswith("fb-") for r in rows)


OFFICE = Path(__file__).parent / "fixtures" / "office"
FOUNDED = "Wann wurde das Goethe-Institut Kasachstan in Almaty eröffnet?"


def _changed(fmt: str, old: str, new: str) -> bytes:
    """The fixture in this format with one phrase of its text changed (as an edit in a word processor would)."""
    import io
    import zipfile

    part = {"docx": "word/document.xml", "odt": "content.xml"}[fmt]
    buffer = io.BytesIO()
    with zipfile.ZipFile(OFFICE / f"goethe_chronik.{fmt}") as src, zipfile.ZipFile(buffer, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            out.writestr(info, data.replace(old.encode(), new.encode()) if info.filename == part else data)
    return buffer.getvalue()


def _index(data_dir: Path):
    from service.qa.index import open_index
    from service.settings import Settings

    return open_index(Settings(data_dir=data_dir))


def _ask(base: str, question: str) -> dict:
    status, answer = _json("POST", base + "/api/ask", {"question": question, "k": 5})
    assert status == 200, answer
    return answer


def test_word_opendocument_and_epub_uploads_are_cited_by_section(admin_server: str) -> None:
    files = [(f"chronik.{fmt}", (OFFICE / f"goethe_chronik.{fmt}").read_bytes()) for fmt in ("docx", "odt", "epub")]
    fakes = [("fake.docx", b"plain text named .docx"), ("fake.png", b"GIF89a named .png")]
    status, body = _upload(admin_server, [*files, *fakes], query="?reindex=1")
    assert status == 201 and [s["doc_id"] for s in body["saved"]] == [f for f, _ in files], body
    assert body["rejected"] == [
        {"name": "fake.docx", "reason": "not a .docx file: the content is not a zip container"},
        {"name": "fake.png", "reason": "not a .png image: the content is not one"},
    ]
    job = _wait_for(admin_server, body["job_id"])
    assert job["state"] == "done" and job["summary"]["failed"] == 0, job
    docs = {d["doc_id"]: d for d in _json("GET", admin_server + "/api/documents")[1]["documents"]}
    # One content in three formats: three documents (the text of each is its own, not byte-identical).
    assert {docs[f]["origin"] for f, _ in files} == {"upload"} and docs[SOME_DOCS[0]]["origin"] == "folder"
    assert {docs[f]["pages"] for f, _ in files} == {0}, "sections are not pages"
    answer = _ask(admin_server, FOUNDED)
    assert not answer["abstained"], answer
    cited = answer["citations"][0]
    assert cited["doc_id"] in {f for f, _ in files} and "1994" in cited["quote"], answer
    assert (cited["page"], cited["section"]) == (None, "Die Gründung in Almaty"), cited
    passage = answer["passages"][cited["passage"]]
    assert passage["section"] == "Die Gründung in Almaty" and cited["quote"] in passage["text"]
    for doc_id, _ in files:
        status, raw, headers = _call("GET", f"{admin_server}/documents/{doc_id}")
        assert status == 200 and raw[:4] == b"PK\x03\x04" and "attachment" in headers["Content-Disposition"]


def test_a_removed_document_is_gone_from_every_index_and_never_cited_again(admin_server: str) -> None:
    # Sentences of their own (the others they share with the documents of the test before stay stored).
    files = [(f"removable.{fmt}", _changed(fmt, "Erhard Rathke", "Ulrike Beispiel")) for fmt in ("docx", "odt")]
    store = _index(DATA_DIRS["admin"])
    sentences_before = store.sentences.count()
    before = store.chunk_counts()
    status, body = _upload(admin_server, files, query="?reindex=1")
    assert status == 201 and _wait_for(admin_server, body["job_id"])["state"] == "done"
    assert store.sentences.count() > sentences_before
    assert _json("DELETE", f"{admin_server}/api/documents/removable.docx")[0] == 401
    assert _json("DELETE", f"{admin_server}/api/documents/removable.docx", token="wrong")[0] == 403
    status, body = _json("DELETE", f"{admin_server}/api/documents/nothing-like-it.pdf", token=TOKEN)
    assert (status, body["error"]) == (404, "document_not_found")

    for doc_id, _ in files:
        status, removed = _json("DELETE", f"{admin_server}/api/documents/{doc_id}", token=TOKEN)
        assert status == 200, removed
        assert removed["passages"] > 0 and removed["file_removed"] and not removed["returns_on_reindex"], removed
        assert not (DATA_DIRS["admin"] / "uploads" / doc_id).exists()
    # Passages, second vectors, keyword rows and the sentences no other passage shares: all as before the upload.
    assert store.chunk_counts() == before
    assert store.second_count() == store.count()
    # Every keyword row found is a passage that is still stored (the removed ones' rows went with them).
    keyword_ids = [i for i, _ in store.keyword_search("Ulrike Beispiel Samal Mikrobezirk", 50)]
    assert len(store.get(keyword_ids)) == len(keyword_ids)
    assert store.sentences.count() == sentences_before
    docs = {d["doc_id"] for d in _json("GET", admin_server + "/api/documents")[1]["documents"]}
    assert not docs & {"removable.docx", "removable.odt"} and set(SOME_DOCS) <= docs
    answer = _ask(admin_server, FOUNDED)
    assert not {c["doc_id"] for c in answer["citations"]} & {"removable.docx", "removable.odt"}
    assert not {p["doc_id"] for p in answer["passages"]} & {"removable.docx", "removable.odt"}
    # A reindex does not bring an upload back: its file went with it.
    status, body = _json("POST", admin_server + "/api/reindex", token=TOKEN)
    assert _wait_for(admin_server, body["job_id"])["state"] == "done"
    assert not {d["doc_id"] for d in _json("GET", admin_server + "/api/documents")[1]["documents"]} & {"removable.docx"}


def test_an_upload_under_its_name_replaces_the_document(admin_server: str) -> None:
    original = (OFFICE / "goethe_chronik.odt").read_bytes()
    status, body = _upload(admin_server, [("replaceable.odt", original)], query="?reindex=1")
    assert status == 201 and _wait_for(admin_server, body["job_id"])["state"] == "done"
    # The same name again, without replace=1: refused, nothing lost.
    status, body = _upload(admin_server, [("replaceable.odt", original)])
    assert (status, body["error"]) == (409, "name_taken"), body
    changed = _changed("odt", "Erster Institutsleiter war Erhard Rathke", "Erster Leiter war Hans Muster")
    status, body = _upload(admin_server, [("replaceable.odt", changed)], query="?reindex=1&replace=1")
    assert status == 201, body
    job = _wait_for(admin_server, body["job_id"])
    assert job["state"] == "done" and job["summary"]["updated"] == 1, job
    store = _index(DATA_DIRS["admin"])
    hits = store.get([i for i, _ in store.keyword_search("Erster Leiter Institutsleiter", 50)])
    texts = [hit.text for hit, _ in hits if hit.metadata["doc_id"] == "replaceable.odt"]
    assert any("Hans Muster" in t for t in texts) and not any("Erhard Rathke" in t for t in texts), texts
    status, _ = _json("DELETE", f"{admin_server}/api/documents/replaceable.odt", token=TOKEN)
    assert status == 200


def test_a_scanned_pdf_is_read_by_ocr_while_the_service_answers_and_cited_at_its_page(admin_server: str) -> None:
    scanned = Path(__file__).parent / "fixtures" / "scanned.pdf"
    status, body = _upload(admin_server, [("archiv-scan.pdf", scanned.read_bytes())], query="?reindex=1")
    assert status == 201, body
    details, answered_meanwhile = set(), []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        job = _json("GET", f"{admin_server}/api/jobs/{body['job_id']}")[1]
        if job["state"] in ("done", "failed"):
            break
        if "detail" in job["progress"]:
            details.add(job["progress"]["detail"])
            # The service keeps answering while OCR runs (in a worker process, at a lower priority).
            answered_meanwhile.append(_json("POST", admin_server + "/api/ask", {"question": "Wer ist Abai?"})[0])
        time.sleep(0.1)
    assert job["state"] == "done" and job["summary"]["failed"] == 0, job
    assert details and all(d.startswith("OCR: page ") and d.endswith(" of 2") for d in details), details
    assert answered_meanwhile and set(answered_meanwhile) == {200}
    problems = job["summary"]["problems"]["archiv-scan.pdf"]
    assert any("2 pages read by OCR" in p for p in problems), problems
    answer = _ask(
        admin_server, "In welchem Jahr wurde die erste Spielzeit des deutschen Theaters in Temirtau eröffnet?"
    )
    cited = next(c for c in answer["citations"] if "1980" in c["quote"])
    assert (cited["doc_id"], cited["page"]) == ("archiv-scan.pdf", 1), answer
    assert 0.85 <= cited["ocr"] <= 1 and answer["passages"][cited["passage"]]["ocr"] == cited["ocr"]
    status, _ = _json("DELETE", f"{admin_server}/api/documents/archiv-scan.pdf", token=TOKEN)
    assert status == 200
