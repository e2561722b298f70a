"""OCR accuracy and cost: pages whose true text is known, rendered to images and read back by Kazde's OCR.

Pages: the first ~1,400 characters of three bundled documents each in German, Russian and English, and of three
Kazakh KazQAD contexts (../shared/bench/kazqad), typeset one per A4 page with fpdf2 in DejaVu Serif 11 pt.
Each page is rendered by pypdfium2 (clean: 300 dpi; degraded and harsh: see CONDITIONS) and
saved as a PNG, which `ingest.load_file` reads as a user's scan is read (the language found by the quick pass,
not told). Character error rate = edit distance / true length, whitespace collapsed and typographic quotes and
dashes unified on both sides (line breaks and „" vs "" are layout, not reading errors); ё read as е counts.

    .venv/bin/python bench/ocr.py        # about 3 minutes on 2 cores; writes the "ocr" section of docs/benchmarks.md
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import BENCH_DATA, table, write_section  # noqa: E402
from ingest import LoadError, load_file  # noqa: E402

if TYPE_CHECKING:
    from PIL import Image
from service.resources import BUNDLED_CORPUS  # noqa: E402

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
CHARS = 1400
PER_LANGUAGE = 3
_QUOTES = str.maketrans(
    {"„": '"', "“": '"', "”": '"', "«": '"', "»": '"', "‚": "'", "‘": "'", "’": "'", "–": "-", "—": "-"}
)


def _cut(text: str) -> str:
    """About CHARS characters of running text, ending at a sentence."""
    text = " ".join(text.split())
    if len(text) <= CHARS:
        return text
    end = text.rfind(". ", 0, CHARS)
    return text[: end + 1] if end > CHARS // 2 else text[:CHARS]


def pages() -> list[tuple[str, str, str]]:
    """(language, name, true text) of every page measured."""
    out = []
    for lang in ("de", "ru", "en"):
        for path in sorted(BUNDLED_CORPUS.glob(f"{lang}_*.txt"))[:PER_LANGUAGE]:
            body = path.read_text(encoding="utf-8").split("\n", 1)[1]
            out.append((lang, path.stem, _cut(body)))
    kazqad = BENCH_DATA / "kazqad" / "kazqad-reading-comprehension-v1.0-kk-validation.jsonl"
    seen: set[str] = set()
    with kazqad.open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            if item["context"] in seen:
                continue
            seen.add(item["context"])
            out.append(("kk", f"kazqad {item['id']}", _cut(item["context"])))
            if len(seen) == PER_LANGUAGE:
                break
    return out


def typeset(text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("Serif", fname=str(FONT))
    pdf.set_font("Serif", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 5.5, text)
    return bytes(pdf.output())


# condition -> (dpi, degrees turned, noise sigma, blur radius, JPEG quality or 0 for none)
CONDITIONS = {
    "clean 300 dpi": (300, 0.0, 0, 0.0, 0),
    "degraded": (200, 1.0, 25, 0.0, 0),
    "harsh": (150, 2.0, 40, 0.8, 40),
}


def render(pdf: bytes, condition: str) -> Image.Image:
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    dpi, degrees, sigma, blur, quality = CONDITIONS[condition]
    image = pdfium.PdfDocument(pdf)[0].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    if degrees:
        image = image.rotate(degrees, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    if sigma:
        noise = np.random.default_rng(7).normal(0, sigma, (image.height, image.width))
        image = Image.fromarray(np.clip(np.asarray(image, dtype=np.float32) + noise, 0, 255).astype(np.uint8))
    if quality:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality)
        image = Image.open(io.BytesIO(buffer.getvalue()))
    return image


def normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).translate(_QUOTES).split())


def distance(a: str, b: str) -> int:
    """Levenshtein distance, two rows at a time."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def main() -> None:
    if not FONT.exists():
        sys.exit(f"bench/ocr.py needs DejaVu Serif at {FONT} (apt-get install fonts-dejavu-core)")
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for lang, name, truth in pages():
            pdf = typeset(truth)
            for condition in CONDITIONS:
                path = Path(tmp) / f"{lang}-{len(results)}.png"
                buffer = io.BytesIO()
                render(pdf, condition).save(buffer, format="PNG")
                path.write_bytes(buffer.getvalue())
                started = time.perf_counter()
                try:
                    read = "\n".join(p.text for p in load_file(path).pages)
                except LoadError as exc:
                    read = ""
                    print(f"{lang} {name} {condition}: {exc}", file=sys.stderr)
                seconds = time.perf_counter() - started
                cer = distance(normal(read), normal(truth)) / max(1, len(normal(truth)))
                results.setdefault((lang, condition), []).append((cer, seconds))
                print(f"{lang} {condition:13} CER {cer:.4f}  {seconds:5.1f} s  {name}", flush=True)
    rows = []
    for (lang, condition), values in results.items():
        cers = [c for c, _ in values]
        mean, worst = statistics.mean(cers), max(cers)
        rows.append(
            [lang, condition, len(values), f"{mean:.2%}", f"{worst:.2%}", statistics.mean(s for _, s in values)]
        )
    body = (
        "## OCR\n\n(bench/ocr.py) "
        "Pages whose true text is known, typeset (DejaVu Serif 11 pt, A4, about 1,400 characters each: three "
        "bundled documents per language, three KazQAD contexts for Kazakh), rendered to images, read back "
        "through `ingest.load_file` as a user's scan (language found by the quick pass, not told). Degraded: "
        "200 dpi, turned 1°, Gaussian noise σ=25; harsh: 150 dpi, turned 2°, blurred (radius 0.8), noise σ=40, "
        "JPEG quality 40. Typeset pages are kinder than real archive scans (no stains, bleed-through or "
        "worn type): the figures bound what OCR adds to Kazde's own errors, not what a 1990s photocopy gives. "
        "CER = edit distance / true length (whitespace collapsed, typographic quotes and dashes unified). "
        "Seconds: per page, one Tesseract thread, on this shared "
        "2-core machine.\n\n"
        + table(["language", "pages", "n", "mean CER", "worst CER", "s / page"], rows)
        + "\n\nTargets (issue 20): CER ≤ 3% clean in de/ru/en, ≤ 6% in kk."
    )
    write_section("ocr", body)
    print(body)


if __name__ == "__main__":
    main()
