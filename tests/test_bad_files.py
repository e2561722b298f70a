"""Real-world PDFs (broken, encrypted, scanned, huge, odd fonts): each ends indexed or failed with a reason."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ingest import LoadError, run
from ingest.isolation import ParserPool
from service.resources import BUNDLED_CORPUS
from tests.conftest import kazde

pytestmark = pytest.mark.bench_data

SLOW_PDF = "pdfjs_bug1978317.pdf"  # one page of 16,499 glyphs: ~10 s and ~400 MB in pypdf


def test_a_parser_that_runs_too_long_is_stopped_and_the_next_file_still_parses(bench_dir) -> None:
    with ParserPool(timeout_s=1.5, memory_mb=2048) as pool:
        with pytest.raises(LoadError, match=r"parsing took more than 1.5 s of CPU time; stopped"):
            pool.parse(bench_dir / "pdfs" / SLOW_PDF)
        assert pool.parse(BUNDLED_CORPUS / "seed_article.txt").pages


def test_a_parser_that_waits_without_computing_is_stopped_by_the_wall_clock(tmp_path: Path) -> None:
    fifo = tmp_path / "named-pipe.txt"
    os.mkfifo(fifo)  # opening it for reading blocks forever, using no CPU
    # 1 s of CPU (10 s of wall clock): the file after it gets a new worker, which must start and parse within
    # that even on a loaded machine (0.3 s, 3 s of wall, failed when the machine was busy).
    with ParserPool(timeout_s=1.0, memory_mb=2048) as pool:
        with pytest.raises(LoadError, match=r"without finishing \(waiting, not computing\); stopped"):
            pool.parse(fifo)
        assert pool.parse(BUNDLED_CORPUS / "seed_article.txt").pages


def test_a_parser_over_its_memory_cap_fails_with_a_reason_and_the_next_file_still_parses(bench_dir) -> None:
    with ParserPool(timeout_s=120, memory_mb=350) as pool:
        with pytest.raises(LoadError) as failure:
            pool.parse(bench_dir / "pdfs" / SLOW_PDF)
        assert "memory cap" in str(failure.value) or "not a readable PDF" in str(failure.value)
        assert pool.parse(BUNDLED_CORPUS / "seed_article.txt").pages


@pytest.mark.slow
def test_every_real_world_pdf_ends_indexed_or_failed_with_its_reason(tmp_path: Path, bench_dir) -> None:
    pdfs = sorted(p.name for p in (bench_dir / "pdfs").glob("*.pdf"))
    assert len(pdfs) == 46
    folder = tmp_path / "pdfs"
    shutil.copytree(bench_dir / "pdfs", folder, ignore=shutil.ignore_patterns("*.md", "*.tsv"))
    data = tmp_path / "data"
    # Parsing is under test here: the second embedder's sentences of the 1,000 readable pages (tens of minutes
    # on 2 cores) are left out; tests/test_sentences.py covers that step. The limit is CPU time: the 619-page
    # PDF's ~15 s stay under it however busy the machine is.
    env = {"KAZDE_PARSE_TIMEOUT": "60", "KAZDE_SENTENCE_MODEL": "none"}
    res = kazde("ingest", str(folder), "--json", data_dir=data, extra_env=env, timeout=1500)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Traceback" not in res.stderr
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    failed = {f["doc_id"]: f["reason"] for f in summary["failures"]}
    assert summary["added"] + summary["failed"] == 46, "every file is accounted for"
    assert all(reason and "\n" not in reason for reason in failed.values())

    # What a person would expect of each kind of file:
    for encrypted in ("sf_libreoffice-writer-password.pdf", "pdfjs_issue21579.pdf"):
        assert "password" in failed[encrypted]
    assert "fmtcorpus_encryption_nocopy.pdf" not in failed, "AES with an empty user password opens"
    assert "empty" in failed["plumber_empty.pdf"]
    for scanned in ("ocr_c02-22.pdf", "ocr_linn.pdf"):  # image-only scans: read by OCR, at their page
        assert scanned not in failed
        assert any(p.startswith("1 page read by OCR (page 1; Tesseract") for p in summary["problems"][scanned])
    # Pages whose text layer fails to extract are read by OCR instead, and say so.
    assert any(p.endswith("; read by OCR instead") for p in summary["problems"]["govdocs1_027613.pdf"])
    assert "garbage" in failed["ocr_type3_font_nomapping.pdf"]
    assert "XFA" in failed["pdfjs_xfa_issue14315.pdf"]
    assert "cyclic" in failed["pdfjs_Pages-tree-refs.pdf"]
    for readable in ("sf_GeoTopo-komprimiert.pdf", "pymupdf_001003ED.pdf", "unstructured_DA-619p.pdf"):
        assert readable not in failed
    # A partly broken file keeps its readable pages and lists the bad ones.
    assert any(p.startswith("page ") for p in summary["problems"]["govdocs1_027613.pdf"])

    status = json.loads(kazde("status", "--json", data_dir=data).stdout.strip().splitlines()[-1])
    docs = {d["doc_id"]: d for d in status["docs"]}
    assert docs["unstructured_DA-619p.pdf"]["chunks"] > 619
    assert {d for d, item in docs.items() if "failed" in item} == set(failed)


@pytest.mark.slow
def test_pdf_chunks_carry_their_page_numbers(tmp_path: Path, bench_dir, opener, data_dir) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(bench_dir / "pdfs" / "sf_pdflatex-4-pages.pdf", folder)
    report = run([folder], opener, data_dir / "manifest.json", stamp="use-multilingual-v3")
    assert report.added == ["sf_pdflatex-4-pages.pdf"]
    pages = sorted({m["page"] for _, m, _ in opener(False).iter_records()})
    assert pages == [1, 2, 3, 4]
