"""Scans read by the real Tesseract: a scanned PDF (tests/fixtures/scanned.pdf, a German and a Russian page
with no text layer) and page images, with the limits, the confidence floor and OCR switched off."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from ingest import LoadError, OcrOptions, load_file
from ingest.documents import LoadOptions

SCANNED = Path(__file__).parent / "fixtures" / "scanned.pdf"
MULTILINGUAL = Path(__file__).parent / "fixtures" / "multilingual.pdf"


def _page_image(number: int, dpi: int = 200) -> Image.Image:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(SCANNED.read_bytes())
    return document[number - 1].render(scale=dpi / 72, grayscale=True).to_pil()


def test_a_scanned_pdf_is_read_page_by_page_in_each_pages_language() -> None:
    seen: list[tuple[int, int]] = []
    doc = load_file(SCANNED, LoadOptions(progress=lambda done, of: seen.append((done, of))))
    assert [p.number for p in doc.pages] == [1, 2]
    german, russian = (p.text for p in doc.pages)
    assert "Seine erste Spielzeit wurde 1980 eröffnet." in " ".join(german.split())
    assert "Университет основан в Алматы в 1999 году" in " ".join(russian.split())
    assert all(p.ocr is not None and p.ocr >= 0.85 for p in doc.pages), [p.ocr for p in doc.pages]
    assert doc.language == "de"
    # The German page sets the document's language; the Russian one is read again in its own script's languages.
    assert doc.problems == [
        f"2 pages read by OCR (pages 1-2; Tesseract deu+eng, rus+kaz+eng, mean confidence "
        f"{(doc.pages[0].ocr + doc.pages[1].ocr) / 2:.2f})"
    ]
    assert seen == [(0, 2), (1, 2), (2, 2)]


def test_a_blank_page_costs_no_pass_and_text_pages_are_kept_as_they_were() -> None:
    doc = load_file(MULTILINGUAL)  # page 2 has no text layer and no ink
    assert [p.number for p in doc.pages] == [1, 3] and all(p.ocr is None for p in doc.pages)
    assert not [p for p in doc.problems if "OCR" in p]


def test_ocr_off_pages_below_the_floor_and_over_the_time_limits_are_reported() -> None:
    with pytest.raises(LoadError, match=r"OCR is off \(KAZDE_OCR=0\)"):
        load_file(SCANNED, LoadOptions(ocr=OcrOptions(enabled=False)))
    with pytest.raises(LoadError, match=r"2 pages not read by OCR \(page 1: OCR confidence 0\.\d\d is below the floor"):
        load_file(SCANNED, LoadOptions(ocr=OcrOptions(min_confidence=0.99)))
    with pytest.raises(LoadError, match=r"page 1: OCR took longer than the page limit of 0\.2 s; not indexed"):
        load_file(SCANNED, LoadOptions(ocr=OcrOptions(page_timeout_s=0.2)))
    with pytest.raises(LoadError, match=r"pages 1-2 \(2\) not read: the file's OCR time limit of 0 s was reached"):
        load_file(SCANNED, LoadOptions(ocr=OcrOptions(file_timeout_s=0)))


def test_without_tesseract_a_scan_is_reported_with_what_to_install(monkeypatch) -> None:
    import ingest.ocr

    # A machine without Tesseract: the one thing faked here, by the lookup that finds it.
    monkeypatch.setattr(ingest.ocr, "available_langs", lambda: frozenset())
    with pytest.raises(LoadError, match=r"OCR needs Tesseract, which is not installed \(apt-get install tesseract-ocr"):
        load_file(SCANNED)


def test_page_images_are_read_one_page_per_frame(tmp_path: Path) -> None:
    first, second = _page_image(1), _page_image(2)
    first.save(tmp_path / "photo.jpg", quality=85)
    first.save(tmp_path / "archive.tif", save_all=True, append_images=[second], compression="tiff_lzw")
    photo = load_file(tmp_path / "photo.jpg")
    assert [p.number for p in photo.pages] == [1] and "Temirtau" in photo.pages[0].text
    assert photo.title == "photo" and photo.language == "de" and photo.pages[0].ocr >= 0.85
    archive = load_file(tmp_path / "archive.tif")
    assert [p.number for p in archive.pages] == [1, 2] and "Алматы" in archive.pages[1].text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("blank.png", "blank", "no text: OCR found the image blank"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "not an image Pillow can read|a damaged image"),
        ("huge.png", "bomb", "the image is too large to read"),
    ],
)
def test_images_without_text_or_beyond_limits_get_a_reason(tmp_path: Path, name, content, reason) -> None:
    path = tmp_path / name
    if content == "blank":
        Image.new("L", (1200, 1600), 255).save(path)
    elif content == "bomb":
        buffer = io.BytesIO()
        Image.new("1", (15_000, 15_000), 1).save(buffer, format="PNG")  # 225 million pixels in a few kB
        path.write_bytes(buffer.getvalue())
    else:
        path.write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        load_file(path)


def test_a_worker_reports_ocr_progress_page_by_page_and_then_the_document() -> None:
    from ingest.isolation import ParserPool

    seen: list[tuple[int, int]] = []
    with ParserPool(timeout_s=60) as pool:
        # Several messages per file (progress, then the result) must all reach the caller, file after file.
        for _ in range(2):
            doc = pool.parse(SCANNED, lambda done, of: seen.append((done, of)))
            assert [p.number for p in doc.pages] == [1, 2]
        assert pool.parse(MULTILINGUAL).pages
    assert seen == [(0, 2), (1, 2), (2, 2)] * 2
