"""The chat page's everyday features in a real headless Chromium against the real app.

Uploading and reindexing from the page, documents view, conversations kept in the browser, feedback, copy,
stop, safe Markdown and the XSS set, themes with WCAG AA contrast, phone width, keyboard use, and the
README's screenshots: written to $KAZDE_SCREENSHOTS_DIR (default: a kazde-screenshots folder in the system's
temp folder), never into the checkout; `make screenshots` points it at docs/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import BUNDLED_CORPUS, serve_app
from tests.test_browser import WAIT_S, ask_in_page, console_errors, open_page, start_browser, text_of

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOKEN = "page-admin-token"
FIXTURE_PDF = Path(__file__).parent / "fixtures" / "multilingual.pdf"
OFFICE = Path(__file__).parent / "fixtures" / "office"
SCANNED = Path(__file__).parent / "fixtures" / "scanned.pdf"
SCREENSHOTS = Path(os.environ.get("KAZDE_SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "kazde-screenshots")
SOME_DOCS = ("de_goethe_30_Jahre_Goethe-Institut_Kasachstan.txt", "ru_caravan_Den_skorbi_28_avgusta.txt")
# A document that tries every trick: the sentence that answers carries them all.
HOSTILE = (
    "Puppentheater in Karaganda (Testdokument)\n\n"
    "Das Puppentheater Karaganda wurde 1937 gegründet <script>window.kazdePwned = 1</script> "
    '<img src=x onerror="window.kazdePwned = 2"> ![Logo](http://203.0.113.9/pixel.png) '
    "[Webseite](javascript:window.kazdePwned=3) und [Archiv](https://example.org/archiv) **fett**.\n"
)
HOSTILE_QUESTION = "Wann wurde das Puppentheater Karaganda gegründet?"


@pytest.fixture(scope="module")
def admin_site(tmp_path_factory, embedder) -> Iterator[tuple[str, Path]]:
    """Two corpus documents plus the hostile one, served with an admin token; (base URL, data dir)."""
    from ingest import run
    from service.qa.index import open_index
    from service.settings import Settings

    root = tmp_path_factory.mktemp("page-admin")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in SOME_DOCS:
        shutil.copy(BUNDLED_CORPUS / name, corpus / name)
    (corpus / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    settings = Settings(data_dir=root / "data", admin_token=TOKEN)
    run([corpus], lambda reset: open_index(settings, reset=reset), settings.manifest_path, stamp=embedder[1])
    with serve_app(settings) as base:
        yield base, settings.data_dir


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[WebDriver]:
    driver = start_browser("en-US,en", tmp_path_factory.mktemp("page-profile"))
    yield driver
    driver.quit()


def _wait(driver: WebDriver, condition, timeout: float = WAIT_S):
    return WebDriverWait(driver, timeout).until(condition)


def _fresh(driver: WebDriver, base: str) -> None:
    """The page with this origin's stored conversations, theme and token cleared."""
    open_page(driver, base)
    driver.execute_script("localStorage.clear(); sessionStorage.clear();")
    open_page(driver, base)


def _shoot(driver: WebDriver, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    path.unlink(missing_ok=True)
    assert driver.save_screenshot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"


def test_upload_a_pdf_watch_the_reindex_then_ask_and_get_it_cited(browser: WebDriver, admin_site) -> None:
    base, _ = admin_site
    _fresh(browser, base)
    browser.find_element(By.ID, "open-documents").click()
    dialog = browser.find_element(By.ID, "documents-dialog")
    _wait(browser, lambda d: len(dialog.find_elements(By.CSS_SELECTOR, "#documents-body tr")) == 3)
    assert not browser.find_element(By.ID, "writes-off").is_displayed()

    # Without the token the server refuses, and the page says why.
    browser.find_element(By.ID, "upload-files").send_keys(str(FIXTURE_PDF))
    browser.find_element(By.ID, "upload-button").click()
    status = browser.find_element(By.ID, "job-status")
    _wait(browser, lambda d: "admin token" in status.text)

    browser.find_element(By.ID, "admin-token").send_keys(TOKEN)
    browser.find_element(By.ID, "upload-files").send_keys(str(FIXTURE_PDF))
    # Record every progress value the bar shows while the job runs.
    browser.execute_script(
        """
        window.kazdeProgress = [];
        const bar = document.getElementById('job-progress');
        new MutationObserver(() => window.kazdeProgress.push([bar.hidden, bar.value, bar.max]))
          .observe(bar, {attributes: true});
        """
    )
    browser.find_element(By.ID, "upload-button").click()
    _wait(browser, lambda d: status.text.startswith("Done"), timeout=180)
    seen = browser.execute_script("return window.kazdeProgress")
    assert any(not hidden for hidden, _, _ in seen), "the progress bar never showed"
    progress = browser.find_element(By.ID, "job-progress")
    assert progress.get_property("value") == progress.get_property("max") > 0
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '#documents-body tr[data-doc-id="multilingual.pdf"]'))
    row = browser.find_element(By.CSS_SELECTOR, '#documents-body tr[data-doc-id="multilingual.pdf"]')
    assert row.find_element(By.CSS_SELECTOR, ".doc-status").text == "Indexed"
    _shoot(browser, "documents-light-desktop.png")
    browser.find_element(By.ID, "close-documents").click()

    reply = ask_in_page(browser, "Wann wurde die Deutsch-Kasachische Universität gegründet?")
    sources = reply.find_elements(By.CSS_SELECTOR, ".answer-sources .source-item")
    assert sources and sources[0].get_attribute("data-doc-id") == "multilingual.pdf", reply.text
    reply.find_element(By.CSS_SELECTOR, "button.citation").click()
    link = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#source a.doc-link"))
    assert link.get_attribute("href").endswith("/documents/multilingual.pdf#page=1")
    assert "1999" in text_of(browser.find_element(By.CSS_SELECTOR, "#source-passage mark"))
    assert console_errors(browser, allow=("401",)) == []


def test_a_word_document_is_cited_by_section_replaced_and_removed(
    browser: WebDriver, admin_site, tmp_path: Path
) -> None:
    base, data_dir = admin_site
    _fresh(browser, base)
    browser.find_element(By.ID, "open-documents").click()
    browser.find_element(By.ID, "admin-token").send_keys(TOKEN)
    browser.find_element(By.ID, "upload-files").send_keys(str(OFFICE / "goethe_chronik.docx"))
    browser.find_element(By.ID, "upload-button").click()
    status = browser.find_element(By.ID, "job-status")
    _wait(browser, lambda d: status.text.startswith("Done"), timeout=180)
    row_css = '#documents-body tr[data-doc-id="goethe_chronik.docx"]'
    row = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, row_css))
    # A folder's document can be removed, not replaced; an upload both.
    folder_row = browser.find_element(By.CSS_SELECTOR, f'#documents-body tr[data-doc-id="{SOME_DOCS[0]}"]')
    assert [b.text for b in folder_row.find_elements(By.CSS_SELECTOR, ".doc-actions button")] == ["Remove"]
    assert [b.text for b in row.find_elements(By.CSS_SELECTOR, ".doc-actions button")] == ["Remove", "Replace"]
    browser.find_element(By.ID, "close-documents").click()

    reply = ask_in_page(browser, "Wann wurde das Goethe-Institut Kasachstan in Almaty eröffnet?")
    source = reply.find_element(By.CSS_SELECTOR, ".answer-sources .source-item")
    assert source.get_attribute("data-doc-id") == "goethe_chronik.docx", reply.text
    assert source.find_element(By.CSS_SELECTOR, ".source-item-page").text == "§ Die Gründung in Almaty"
    reply.find_element(By.CSS_SELECTOR, "button.citation").click()
    meta = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#source .meta-page"))
    assert meta.text == "§ Die Gründung in Almaty"

    # Replace: the new file takes the document's place under its name.
    changed = tmp_path / "chronik-neu.docx"
    changed.write_bytes(_docx_with("Erhard Rathke", "Hans Muster"))
    browser.find_element(By.ID, "open-documents").click()
    row = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, row_css))
    row.find_element(By.CSS_SELECTOR, ".doc-replace").click()
    browser.find_element(By.ID, "replace-file").send_keys(str(changed))
    _wait(browser, lambda d: status.text.startswith("Done"), timeout=180)
    assert (data_dir / "uploads" / "goethe_chronik.docx").read_bytes() == changed.read_bytes()
    assert not (data_dir / "uploads" / "chronik-neu.docx").exists()

    # Remove, after the page asks.
    browser.execute_script(
        "window.kazdeAsked = []; window.confirm = (q) => { window.kazdeAsked.push(q); return true; };"
    )
    row = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, row_css))
    row.find_element(By.CSS_SELECTOR, ".doc-remove").click()
    _wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, row_css))
    asked = browser.execute_script("return window.kazdeAsked")
    assert len(asked) == 1 and "Chronik des Goethe-Instituts Kasachstan" in asked[0]
    assert status.text == "Removed “Chronik des Goethe-Instituts Kasachstan”."
    assert not (data_dir / "uploads" / "goethe_chronik.docx").exists()
    browser.find_element(By.ID, "close-documents").click()
    reply = ask_in_page(browser, "Wann wurde das Goethe-Institut Kasachstan in Almaty eröffnet?")
    cited = {s.get_attribute("data-doc-id") for s in reply.find_elements(By.CSS_SELECTOR, ".source-item")}
    assert "goethe_chronik.docx" not in cited
    assert console_errors(browser) == []


def test_a_scan_shows_ocr_progress_while_indexed_and_its_passages_say_they_were_read_by_ocr(
    browser: WebDriver, admin_site
) -> None:
    base, _ = admin_site
    _fresh(browser, base)
    browser.find_element(By.ID, "open-documents").click()
    browser.find_element(By.ID, "admin-token").send_keys(TOKEN)
    status = browser.find_element(By.ID, "job-status")
    browser.execute_script(
        """
        window.kazdeStatus = [];
        const status = document.getElementById('job-status');
        new MutationObserver(() => window.kazdeStatus.push(status.textContent))
          .observe(status, {childList: true, characterData: true, subtree: true});
        """
    )
    browser.find_element(By.ID, "upload-files").send_keys(str(SCANNED))
    browser.find_element(By.ID, "upload-button").click()
    _wait(browser, lambda d: status.text.startswith("Done"), timeout=180)
    seen = browser.execute_script("return window.kazdeStatus")
    assert any("(scanned.pdf: OCR: page " in text for text in seen), seen
    browser.find_element(By.ID, "close-documents").click()

    reply = ask_in_page(
        browser, "In welchem Jahr wurde die erste Spielzeit des deutschen Theaters in Temirtau eröffnet?"
    )
    source = reply.find_element(By.CSS_SELECTOR, '.answer-sources .source-item[data-doc-id="scanned.pdf"]')
    badge = source.find_element(By.CSS_SELECTOR, ".ocr-badge")
    assert re.fullmatch(r"scan, OCR (8[5-9]|9\d|100)%", badge.text), badge.text
    assert badge.get_attribute("title").startswith("Read from a scanned page by OCR")
    source.click()
    meta = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#source-meta .ocr-badge"))
    assert meta.text == badge.text
    assert console_errors(browser) == []


def _docx_with(old: str, new: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(OFFICE / "goethe_chronik.docx") as src, zipfile.ZipFile(buffer, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            out.writestr(
                info, data.replace(old.encode(), new.encode()) if info.filename == "word/document.xml" else data
            )
    return buffer.getvalue()


def test_a_failed_file_is_listed_with_its_reason(browser: WebDriver, admin_site, tmp_path: Path) -> None:
    base, _ = admin_site
    _fresh(browser, base)
    fake = tmp_path / "not-really.pdf"
    fake.write_text("plain text with a .pdf name", encoding="utf-8")
    browser.find_element(By.ID, "open-documents").click()
    browser.find_element(By.ID, "admin-token").send_keys(TOKEN)
    browser.find_element(By.ID, "upload-files").send_keys(str(fake))
    browser.find_element(By.ID, "upload-button").click()
    problems = browser.find_element(By.ID, "job-problems")
    _wait(browser, lambda d: problems.is_displayed())
    assert "not-really.pdf" in problems.text and "not a PDF" in problems.text
    assert browser.find_element(By.ID, "job-status").text == "No file was accepted."


def test_write_actions_are_off_without_a_configured_token(browser: WebDriver, live_server: str) -> None:
    _fresh(browser, live_server)
    browser.find_element(By.ID, "open-documents").click()
    note = browser.find_element(By.ID, "writes-off")
    _wait(browser, lambda d: note.is_displayed())
    for control in ("admin-token", "upload-files", "upload-button", "reindex-button"):
        assert not browser.find_element(By.ID, control).is_enabled(), control
    rows = browser.find_elements(By.CSS_SELECTOR, "#documents-body tr")
    assert len(rows) >= 40 and all("Indexed" in r.text or "Duplicate" in r.text for r in rows)


def test_hostile_documents_execute_nothing_and_load_nothing_remote(browser: WebDriver, admin_site) -> None:
    base, _ = admin_site
    _fresh(browser, base)
    reply = ask_in_page(browser, HOSTILE_QUESTION)
    answer = reply.find_element(By.CSS_SELECTOR, ".answer-text")
    assert "1937" in answer.text and "<script>" in answer.text  # markup shown as text
    # The extractive answer is a verbatim quote: the document's own Markdown stays what the document says.
    assert "[Archiv](https://example.org/archiv)" in answer.text and "**fett**" in answer.text
    assert answer.find_elements(By.CSS_SELECTOR, "a, strong") == []
    reply.find_element(By.CSS_SELECTOR, "button.citation").click()
    _wait(browser, lambda d: d.find_element(By.ID, "source").is_displayed())
    ask_in_page(browser, '<img src=x onerror="window.kazdePwned=4"> ![x](http://203.0.113.9/q.png) [a](javascript:1)')
    time.sleep(0.5)  # give any injected handler the chance to run

    assert browser.execute_script("return window.kazdePwned") is None
    assert browser.find_elements(By.CSS_SELECTOR, "#conversation img, #source img, script:not([src])") == []
    hrefs = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#conversation a, #source a")]
    assert not [h for h in hrefs if not h.startswith((base, "https://example.org"))], hrefs
    remote = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(u => !u.startsWith(location.origin))"
    )
    assert remote == []
    assert console_errors(browser) == []


def test_conversations_are_kept_reopened_and_deleted(browser: WebDriver, live_server: str, answered) -> None:
    question, _ = answered
    _fresh(browser, live_server)
    first = ask_in_page(browser, question)
    first_text = first.find_element(By.CSS_SELECTOR, ".answer-text").text
    browser.find_element(By.ID, "new-conversation").click()
    assert browser.find_elements(By.CSS_SELECTOR, "#conversation .message") == []
    browser.refresh()
    open_page(browser, live_server)

    browser.find_element(By.ID, "open-conversations").click()
    items = browser.find_elements(By.CSS_SELECTOR, "#conversation-list .conversation-item")
    assert [i.find_element(By.CSS_SELECTOR, ".conversation-open").text for i in items] == [question]
    items[0].find_element(By.CSS_SELECTOR, ".conversation-open").click()
    restored = browser.find_elements(By.CSS_SELECTOR, "#conversation .message-assistant")
    assert len(restored) == 1 and restored[0].find_element(By.CSS_SELECTOR, ".answer-text").text == first_text
    assert browser.find_element(By.CSS_SELECTOR, "#conversation .message-user .user-text").text == question

    browser.find_element(By.ID, "open-conversations").click()
    browser.find_element(By.CSS_SELECTOR, "#conversation-list .conversation-delete").click()
    assert browser.find_elements(By.CSS_SELECTOR, "#conversation-list .conversation-item") == []
    assert browser.find_element(By.ID, "conversations-empty").is_displayed()
    assert browser.find_elements(By.CSS_SELECTOR, "#conversation .message") == []  # the open one went too
    browser.find_element(By.ID, "close-conversations").click()


def test_feedback_is_stored_on_the_server_and_copy_says_so(
    browser: WebDriver, live_server: str, indexed_corpus: Path, answered
) -> None:
    question, expected = answered
    _fresh(browser, live_server)
    reply = ask_in_page(browser, question)
    up = reply.find_element(By.CSS_SELECTOR, "button.vote-up")
    up.click()
    status = reply.find_element(By.CSS_SELECTOR, ".action-status")
    _wait(browser, lambda d: status.text == "Thank you for the feedback.")
    assert up.get_attribute("aria-pressed") == "true"
    assert reply.find_element(By.CSS_SELECTOR, "button.vote-down").get_attribute("aria-pressed") == "false"
    votes = [json.loads(line) for line in (indexed_corpus / "feedback.jsonl").read_text("utf-8").splitlines()]
    last = votes[-1]
    assert (last["rating"], last["question"], last["answer"]) == ("up", question, expected["answer"])
    assert [c["doc_id"] for c in last["citations"]] == [c["doc_id"] for c in expected["citations"]]

    reply.find_element(By.CSS_SELECTOR, "button.copy").click()
    _wait(browser, lambda d: status.text in ("Copied.", "Could not copy."))
    assert status.text == "Copied."


def test_stop_ends_a_slow_answer_and_keeps_the_page_usable(browser: WebDriver, live_server: str, answered) -> None:
    _fresh(browser, live_server)
    # A server that never finishes its stream (stubbed in the page: the real one answers in milliseconds).
    browser.execute_script(
        """
        const real = window.fetch;
        window.fetch = (url, init) => {
          if (!String(url).endsWith('/api/ask/stream') || window.kazdeFastAgain) return real(url, init);
          const body = new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('event: token\\ndata: {"text": "Partial words"}\\n\\n'));
              init.signal.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
            },
          });
          return Promise.resolve(new Response(body, {headers: {'Content-Type': 'text/event-stream'}}));
        };
        """
    )
    box = browser.find_element(By.ID, "question")
    box.send_keys("a slow question", Keys.ENTER)
    stop = browser.find_element(By.ID, "stop")
    _wait(browser, lambda d: stop.is_displayed() and d.find_elements(By.CSS_SELECTOR, ".answer-text.streaming"))
    assert not browser.find_element(By.ID, "send").is_displayed()
    stop.click()
    stopped = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".message-assistant.stopped"))
    assert "Partial words" in stopped.text and "Stopped." in stopped.text
    assert browser.find_element(By.ID, "send").is_displayed() and not stop.is_displayed()
    browser.execute_script("window.kazdeFastAgain = true")
    reply = ask_in_page(browser, answered[0])
    assert reply.find_elements(By.CSS_SELECTOR, "button.citation")


def _contrast_failures(driver: WebDriver) -> list[str]:
    """Text elements whose colour against their effective background is under WCAG AA (4.5:1; 3:1 for large)."""
    return driver.execute_script(
        """
        const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
        const lum = ([r, g, b]) => {
          const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
          return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        };
        const background = (el) => {
          for (let n = el; n; n = n.parentElement) {
            const c = parse(getComputedStyle(n).backgroundColor);
            if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
          }
          return [255, 255, 255];
        };
        const failures = [];
        const selector = 'h1, h2, h3, p, span, a, button, label, legend, th, td, li, mark, textarea, input, .citation';
        for (const el of document.querySelectorAll(selector)) {
          if (!el.offsetParent || !el.textContent.trim() && !el.placeholder) continue;
          if (el.closest('dialog:not([open])')) continue;
          const style = getComputedStyle(el);
          const fg = parse(style.color).slice(0, 3), bg = background(el);
          const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
          const ratio = (a + 0.05) / (b + 0.05);
          const size = parseFloat(style.fontSize);
          const large = size >= 24 || (size >= 18.66 && style.fontWeight >= 700);
          const what = `${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}"`;
          if (ratio < (large ? 3 : 4.5)) failures.push(`${what} ${ratio.toFixed(2)}`);
        }
        return failures;
        """
    )


def test_light_and_dark_themes_pass_wcag_aa_at_desktop_and_phone_width(
    browser: WebDriver, live_server: str, answered
) -> None:
    question, _ = answered
    _fresh(browser, live_server)
    try:
        for width, height, device in ((1280, 900, "desktop"), (390, 844, "phone")):
            browser.set_window_size(width, height)
            open_page(browser, live_server)
            reply = ask_in_page(browser, question)
            for theme in ("light", "dark"):
                if browser.find_element(By.TAG_NAME, "html").get_attribute("data-theme") != theme:
                    browser.find_element(By.ID, "theme-toggle").click()
                assert browser.find_element(By.TAG_NAME, "html").get_attribute("data-theme") == theme
                assert _contrast_failures(browser) == [], (theme, device)
                # Nothing sticks out sideways at phone width.
                overflow = browser.execute_script("return document.documentElement.scrollWidth - innerWidth")
                assert overflow <= 0, (theme, device, overflow)
                _shoot(browser, f"chat-{theme}-{device}.png")
            reply.find_element(By.CSS_SELECTOR, "button.citation").click()
            _wait(browser, lambda d: d.find_element(By.ID, "source").is_displayed())
            assert _contrast_failures(browser) == [], ("dark", device, "source open")
        # The choice of theme outlives a reload.
        open_page(browser, live_server)
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("data-theme") == "dark"
        assert browser.find_element(By.ID, "theme-toggle").get_attribute("aria-pressed") == "true"
    finally:
        browser.set_window_size(1280, 900)


def test_dialogs_work_from_the_keyboard_and_are_labelled(browser: WebDriver, live_server: str) -> None:
    _fresh(browser, live_server)
    opener = browser.find_element(By.ID, "open-documents")
    opener.send_keys(Keys.ENTER)
    dialog = browser.find_element(By.ID, "documents-dialog")
    _wait(browser, lambda d: dialog.is_displayed())
    assert dialog.get_attribute("aria-labelledby") == "documents-heading"
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    _wait(browser, lambda d: not dialog.is_displayed())
    assert browser.switch_to.active_element == opener
    unlabelled = browser.execute_script(
        """
        return [...document.querySelectorAll('button, input, textarea, progress')]
          .filter(el => !(el.getAttribute('aria-label') || el.textContent.trim() || (el.labels && el.labels.length)))
          .map(el => el.id || el.className);
        """
    )
    assert unlabelled == []


def test_interface_is_in_kazakh_for_a_kazakh_browser(tmp_path: Path, live_server: str) -> None:
    driver = start_browser("kk-KZ,kk", tmp_path / "kk-profile")
    try:
        open_page(driver, live_server)
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "kk"
        assert driver.find_element(By.ID, "open-documents").text == "Құжаттар"
        assert driver.find_element(By.ID, "open-conversations").text == "Әңгімелер"
        assert driver.find_element(By.ID, "send").text == "Жіберу"
    finally:
        driver.quit()
