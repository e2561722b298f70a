"""The chat page in a real headless Chromium against the real app: citations, abstentions, languages, safety."""

from __future__ import annotations

import json
import re
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OFF_TOPIC = "How long should spaghetti be boiled to be al dente?"
TREATY_QUESTION = "Kulturabkommen Deutschland Kasachstan"
# The filter panel's toggle, the label of the "treaty" type and the chip for two filters, per interface language.
FILTER_STRINGS = {
    "en": ("Filters", "Treaties", "2 filters"),
    "de": ("Filter", "Abkommen", "2 Filter"),
    "ru": ("Фильтры", "Договоры", "2 фильтра"),
    "kk": ("Сүзгілер", "Келісімдер", "2 сүзгі"),
}
MARKUP = "<img src=x onerror=alert(1)>"
WAIT_S = 60
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
]


def ask_api(base: str, question: str, filters: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    """POST /api/ask the way the page does (with `filters` when given); the status and the JSON body."""
    body: dict[str, Any] = {"question": question}
    if filters is not None:
        body["filters"] = filters
    request = urllib.request.Request(
        f"{base}/api/ask",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def browser_paths() -> tuple[str, str]:
    """Chromium and chromedriver from the system, or a failure that says how to install them."""
    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        missing = " and ".join(name for name, path in (("chromium", chromium), ("chromedriver", driver)) if not path)
        pytest.fail(
            f"{missing} not found: the browser tests need Debian's chromium and chromium-driver. "
            "Run `make browser-deps` (as root it installs them with apt-get).",
            pytrace=False,
        )
    return chromium, driver


def start_browser(languages: str, profile: Path) -> WebDriver:
    """Headless Chromium whose preferred languages are `languages` ("de-DE,de"), with a fresh profile."""
    chromium, driver_path = browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--lang={languages.split(',')[0]}")
    options.add_experimental_option("prefs", {"intl.accept_languages": languages})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: Selenium Manager never runs, so nothing is downloaded.
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[WebDriver]:
    """An English-speaking browser, shared by the module's tests (each loads the page afresh)."""
    driver = start_browser("en-US,en", tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def documents(live_server: str) -> dict[str, dict[str, Any]]:
    """GET /api/documents by doc_id: the truth about each document's language and type."""
    with urllib.request.urlopen(f"{live_server}/api/documents", timeout=30) as response:
        return {d["doc_id"]: d for d in json.load(response)["documents"]}


def open_page(driver: WebDriver, base: str) -> None:
    """Load the chat page and wait until its script has run; console messages from earlier pages are dropped."""
    driver.get_log("browser")
    driver.get(f"{base}/")
    WebDriverWait(driver, WAIT_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#examples button"))


def console_errors(driver: WebDriver, allow: tuple[str, ...] = ()) -> list[str]:
    """Console errors since the last call (CSP violations and failed loads show up here)."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and not any(text in entry["message"] for text in allow)
    ]


def ask_in_page(driver: WebDriver, question: str) -> WebElement:
    """Type the question, press Enter, and return the assistant's reply once it is there."""
    before = len(driver.find_elements(By.CSS_SELECTOR, "#conversation .message-assistant:not(.loading)"))
    box = driver.find_element(By.ID, "question")
    box.send_keys(question)
    box.send_keys(Keys.ENTER)
    return wait_for_reply(driver, before)


def wait_for_reply(driver: WebDriver, before: int) -> WebElement:
    """The assistant message after the first `before` ones, once rendered (not the loading one)."""
    selector = "#conversation .message-assistant:not(.loading)"
    WebDriverWait(driver, WAIT_S).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, selector)) > before)
    return driver.find_elements(By.CSS_SELECTOR, selector)[before]


def text_of(element: WebElement) -> str:
    """The exact text content (Selenium's .text collapses whitespace as rendered)."""
    return element.get_property("textContent")


def record_asks(driver: WebDriver) -> None:
    """From now on, keep the JSON body of every question the page sends (to /api/ask/stream; read with sent_asks)."""
    driver.execute_script(
        """
        window.kazdeAsks = [];
        const fetchOriginal = window.fetch;
        window.fetch = (url, init) => {
          if (/[/]api[/]ask([/]stream)?$/.test(String(url))) window.kazdeAsks.push(JSON.parse(init.body));
          return fetchOriginal(url, init);
        };
        """
    )


def sent_asks(driver: WebDriver) -> list[dict[str, Any]]:
    """The /api/ask bodies sent since record_asks."""
    return driver.execute_script("return window.kazdeAsks")


def wait_for_filter_options(driver: WebDriver) -> None:
    """Wait until the filter panel's options are built from /api/documents."""
    WebDriverWait(driver, WAIT_S).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#filters-panel input[name=doc_type]")
    )


def open_filters(driver: WebDriver) -> WebElement:
    """Expand the filter panel (once its options are built) and return it."""
    wait_for_filter_options(driver)
    toggle = driver.find_element(By.ID, "filters-toggle")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    panel = driver.find_element(By.ID, "filters-panel")
    assert panel.is_displayed()
    return panel


def option(driver: WebDriver, name: str, value: str) -> WebElement:
    """The filter checkbox for one value ("doc_type", "treaty")."""
    return driver.find_element(By.CSS_SELECTOR, f"#filters-panel input[type=checkbox][name={name}][value={value}]")


def chip(driver: WebDriver) -> str | None:
    """The summary chip's text, or None while it is hidden."""
    element = driver.find_element(By.ID, "filters-chip")
    return element.text if element.is_displayed() else None


def listed_doc_ids(reply: WebElement) -> list[str]:
    """The documents of the sources (answer) or closest passages (abstention) that a reply lists, in order."""
    items = reply.find_elements(By.CSS_SELECTOR, ".answer-sources .source-item, .answer-closest .passage-item")
    return [item.get_attribute("data-doc-id") for item in items]


def shown_doc_ids(data: dict[str, Any]) -> list[str]:
    """The documents the page lists for an /api/ask response: its citations, or its passages when it abstains."""
    return [p["doc_id"] for p in (data["passages"] if data["abstained"] else data["citations"])]


def type_year(driver: WebDriver, field_id: str, year: str) -> None:
    """Replace a year input's value by typing, as a user does."""
    field = driver.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(year)


def test_page_loads_with_english_interface_and_no_console_errors(browser: WebDriver, live_server: str) -> None:
    open_page(browser, live_server)

    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.CSS_SELECTOR, "header h1").text == "Kazde"
    log = browser.find_element(By.ID, "conversation")
    assert log.get_attribute("role") == "log"
    assert log.get_attribute("aria-live") == "polite"
    assert browser.find_element(By.CSS_SELECTOR, "label[for=question]").text == "Your question"
    assert browser.find_element(By.ID, "send").text == "Send"
    assert browser.find_element(By.CSS_SELECTOR, "aside#source-panel").is_displayed()
    assert console_errors(browser) == []


def test_answer_citation_opens_passage_with_quote_highlighted(
    browser: WebDriver, live_server: str, answered: tuple[str, dict[str, Any]]
) -> None:
    question, expected = answered
    by_n = {c["n"]: c for c in expected["citations"]}
    open_page(browser, live_server)

    reply = ask_in_page(browser, question)

    assert "answered" in reply.get_attribute("class").split()
    answer_text = reply.find_element(By.CSS_SELECTOR, ".answer-text")
    assert answer_text.get_attribute("lang") == expected["language"]
    buttons = answer_text.find_elements(By.CSS_SELECTOR, "button.citation")
    assert buttons, "the answer shows no [n] citation button"
    assert {int(b.get_attribute("data-n")) for b in buttons} <= set(by_n)
    assert all(b.get_attribute("aria-label") for b in buttons)
    # The answer reads as the API's answer with each [n] marker as its button.
    assert text_of(answer_text).replace(" ", "") == _without_brackets(expected["answer"]).replace(" ", "")
    sources = reply.find_elements(By.CSS_SELECTOR, ".answer-sources .source-item")
    assert [s.find_element(By.CSS_SELECTOR, ".source-item-title").text for s in sources] == [
        c["title"] for c in expected["citations"]
    ]

    button = buttons[0]
    citation = by_n[int(button.get_attribute("data-n"))]
    button.click()

    source = WebDriverWait(browser, WAIT_S).until(EC.visibility_of_element_located((By.ID, "source")))
    assert source.find_element(By.ID, "source-title").text == citation["title"]
    marks = source.find_elements(By.CSS_SELECTOR, "#source-passage mark")
    assert len(marks) == 1, "the quote is not highlighted in its passage"
    assert text_of(marks[0]) == citation["quote"]
    passage = expected["passages"][citation["passage"]]
    assert text_of(source.find_element(By.ID, "source-passage")) == passage["text"]

    doc_link = source.find_element(By.CSS_SELECTOR, "a.doc-link")
    href = doc_link.get_attribute("href")
    encoded = quote(citation["doc_id"], safe="-_.!~*'()")
    if isinstance(citation["page"], int):
        assert href.endswith(f"/documents/{encoded}#page={citation['page']}")
        assert doc_link.text == f"Open document at page {citation['page']}"
        assert source.find_element(By.CSS_SELECTOR, ".meta-page").text == f"Page {citation['page']}"
    else:
        assert href.endswith(f"/documents/{encoded}"), href
    with urllib.request.urlopen(href.split("#")[0], timeout=30) as response:
        assert response.status == 200

    source_links = source.find_elements(By.CSS_SELECTOR, "a.source-url")
    if (citation["source"] or "").startswith(("http://", "https://")):
        assert [a.get_attribute("href") for a in source_links] == [citation["source"]]
    else:
        assert source_links == []
    assert "is-active" in button.get_attribute("class").split()
    assert console_errors(browser) == []


def _without_brackets(answer: str) -> str:
    """The answer as the page shows it: a marker [n] becomes a button whose text is n, a "- " item a list item."""
    return re.sub(r"(?m)^\s*[-*•]\s+", "", re.sub(r"\[(\d+)\]", r"\1", answer))


def test_off_topic_question_is_shown_as_abstention_with_closest_passages(
    browser: WebDriver, live_server: str, answered: tuple[str, dict[str, Any]]
) -> None:
    status, expected = ask_api(live_server, OFF_TOPIC)
    assert status == 200 and expected["abstained"], "the service answered the off-topic question"
    open_page(browser, live_server)

    answer = ask_in_page(browser, answered[0])
    abstention = ask_in_page(browser, OFF_TOPIC)

    assert len(browser.find_elements(By.CSS_SELECTOR, "#conversation .message-user")) == 2
    assert "abstained" in abstention.get_attribute("class").split()
    assert abstention.find_element(By.CSS_SELECTOR, ".abstained-label").text == "No answer in the documents"
    assert text_of(abstention.find_element(By.CSS_SELECTOR, ".answer-text")) == expected["answer"]
    assert abstention.find_elements(By.CSS_SELECTOR, "button.citation") == []

    # An abstention does not look like an answer.
    def background(message: WebElement) -> str:
        return message.find_element(By.CSS_SELECTOR, ".bubble").value_of_css_property("background-color")

    assert background(abstention) != background(answer)

    items = abstention.find_elements(By.CSS_SELECTOR, ".answer-closest .passage-item")
    assert len(items) == len(expected["passages"]) > 0
    items[1].click()

    source = WebDriverWait(browser, WAIT_S).until(EC.visibility_of_element_located((By.ID, "source")))
    closest = expected["passages"][1]
    assert source.find_element(By.ID, "source-title").text == closest["title"]
    assert text_of(source.find_element(By.ID, "source-passage")) == closest["text"]
    assert source.find_elements(By.CSS_SELECTOR, "#source-passage mark") == []
    href = source.find_element(By.CSS_SELECTOR, "a.doc-link").get_attribute("href")
    assert href.endswith("/documents/" + quote(closest["doc_id"], safe="-_.!~*'()")), href
    assert console_errors(browser) == []


@pytest.mark.parametrize(
    ("languages", "lang", "send", "label"),
    [
        ("de-DE,de", "de", "Senden", "Ihre Frage"),
        ("ru-RU,ru", "ru", "Отправить", "Ваш вопрос"),
        ("kk-KZ,kk,ru", "kk", "Жіберу", "Сіздің сұрағыңыз"),
        ("fr-FR,fr", "en", "Send", "Your question"),
    ],
    ids=["de", "ru", "kk", "unsupported-falls-back-to-en"],
)
def test_interface_language_follows_the_browser(
    tmp_path: Path, live_server: str, languages: str, lang: str, send: str, label: str
) -> None:
    driver = start_browser(languages, tmp_path / "chromium-profile")
    try:
        _check_interface_language(driver, live_server, lang, send, label)
    finally:
        driver.quit()


def _check_interface_language(driver: WebDriver, live_server: str, lang: str, send: str, label: str) -> None:
    open_page(driver, live_server)

    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    assert driver.find_element(By.ID, "send").text == send
    assert driver.find_element(By.CSS_SELECTOR, "label[for=question]").text == label
    toggle_text, treaty_label, two_filters = FILTER_STRINGS[lang]
    assert driver.find_element(By.ID, "filters-toggle").text == toggle_text
    open_filters(driver)
    treaty = option(driver, "doc_type", "treaty")
    assert treaty.find_element(By.XPATH, "..").text == treaty_label
    treaty.click()
    option(driver, "doc_type", "news").click()
    assert chip(driver) == two_filters
    driver.find_element(By.ID, "filters-clear").click()
    if lang == "de":
        reply = ask_in_page(driver, OFF_TOPIC)
        assert reply.find_element(By.CSS_SELECTOR, ".abstained-label").text == "Keine Antwort in den Dokumenten"
        assert reply.find_element(By.CSS_SELECTOR, ".answer-closest h3").text.lower() == "nächstliegende passagen"
    assert console_errors(driver) == []


def test_markup_in_a_question_is_shown_as_text(browser: WebDriver, live_server: str) -> None:
    open_page(browser, live_server)
    box = browser.find_element(By.ID, "question")

    box.send_keys(MARKUP)
    box.send_keys(Keys.SHIFT, Keys.ENTER)  # Shift+Enter adds a line; it does not send
    box.send_keys("second line")
    assert box.get_property("value") == f"{MARKUP}\nsecond line"
    assert browser.find_elements(By.CSS_SELECTOR, "#conversation .message-user") == []
    browser.find_element(By.ID, "send").click()
    wait_for_reply(browser, 0)

    question = browser.find_element(By.CSS_SELECTOR, "#conversation .message-user .bubble")
    assert text_of(question) == f"{MARKUP}\nsecond line"
    assert browser.execute_script("return document.querySelectorAll('img:not(.brand-mark)').length") == 0
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - reading it is the check that no dialog opened
    assert console_errors(browser) == []


def test_send_is_disabled_and_loading_shown_while_waiting(
    browser: WebDriver, live_server: str, answered: tuple[str, dict[str, Any]]
) -> None:
    open_page(browser, live_server)

    # One synchronous script: the state right after the click is the in-flight state, however fast the answer.
    state = browser.execute_script(
        """
        document.getElementById('question').value = arguments[0];
        const send = document.getElementById('send');
        send.click();
        return {
          disabled: send.disabled,
          loading: document.querySelectorAll('#conversation .message.loading').length,
          busy: document.getElementById('conversation').getAttribute('aria-busy'),
        };
        """,
        answered[0],
    )
    assert state == {"disabled": True, "loading": 1, "busy": "true"}

    wait_for_reply(browser, 0)
    assert browser.find_element(By.ID, "send").is_enabled()
    assert browser.find_elements(By.CSS_SELECTOR, "#conversation .message.loading") == []
    assert console_errors(browser) == []


def test_api_error_message_is_shown_inline(browser: WebDriver, live_server: str) -> None:
    too_long = "Almaty " * 300
    status, error = ask_api(live_server, too_long.strip())
    assert status == 400
    open_page(browser, live_server)

    # The textarea caps the length; a client that gets past it still gets the server's message shown.
    browser.execute_script(
        "const q = document.getElementById('question'); q.removeAttribute('maxlength'); q.value = arguments[0];",
        too_long,
    )
    browser.find_element(By.ID, "send").click()
    reply = wait_for_reply(browser, 0)

    assert "error" in reply.get_attribute("class").split()
    assert reply.find_element(By.CSS_SELECTOR, ".error-text").text == error["message"]
    assert browser.find_element(By.ID, "send").is_enabled()
    # The browser itself logs the 400 response; nothing else may be logged.
    assert console_errors(browser, allow=("status of 400",)) == []


def test_document_type_filter_lists_only_treaties(
    browser: WebDriver, live_server: str, documents: dict[str, dict[str, Any]]
) -> None:
    treaty = {"doc_type": ["treaty"]}
    status, expected = ask_api(live_server, TREATY_QUESTION, treaty)
    assert status == 200 and shown_doc_ids(expected), expected
    open_page(browser, live_server)
    record_asks(browser)

    panel = open_filters(browser)
    offered = [box.get_attribute("value") for box in panel.find_elements(By.CSS_SELECTOR, "input[name=doc_type]")]
    indexed_types = {d["doc_type"] for d in documents.values() if d["status"] == "indexed"}
    assert set(offered) == indexed_types and "treaty" in offered
    option(browser, "doc_type", "treaty").click()
    assert chip(browser) == "1 filter"
    reply = ask_in_page(browser, TREATY_QUESTION)

    assert [body.get("filters") for body in sent_asks(browser)] == [treaty]
    listed = listed_doc_ids(reply)
    assert listed, "the reply lists no source and no passage"
    assert {documents[doc_id]["doc_type"] for doc_id in listed} == {"treaty"}
    assert listed == shown_doc_ids(expected)
    note = browser.find_element(By.CSS_SELECTOR, "#conversation .message-user .user-filters")
    assert note.text == "Active filters: Treaties"
    assert console_errors(browser) == []


def test_language_filter_lists_and_opens_only_russian_passages(
    browser: WebDriver, live_server: str, documents: dict[str, dict[str, Any]]
) -> None:
    open_page(browser, live_server)
    record_asks(browser)

    panel = open_filters(browser)
    boxes = panel.find_elements(By.CSS_SELECTOR, "input[name=language]")
    indexed_languages = {d["language"] for d in documents.values() if d["status"] == "indexed" and d["language"]}
    assert {box.get_attribute("value") for box in boxes} == indexed_languages
    russian = option(browser, "language", "ru")
    assert russian.find_element(By.XPATH, "..").text == "Russian Русский"
    russian.click()
    reply = ask_in_page(browser, TREATY_QUESTION)

    assert [body.get("filters") for body in sent_asks(browser)] == [{"language": ["ru"]}]
    items = reply.find_elements(By.CSS_SELECTOR, ".answer-sources .source-item, .answer-closest .passage-item")
    assert items, "the reply lists no source and no passage"
    for item in items:
        doc_id = item.get_attribute("data-doc-id")
        assert documents[doc_id]["language"] == "ru", doc_id
        item.click()
        source = WebDriverWait(browser, WAIT_S).until(EC.visibility_of_element_located((By.ID, "source")))
        WebDriverWait(browser, WAIT_S).until(lambda d, doc_id=doc_id: d.find_element(By.ID, "source-meta").text)
        assert source.find_element(By.CSS_SELECTOR, ".meta-doc").text == doc_id
        assert source.find_element(By.CSS_SELECTOR, ".meta-lang").text == "RU"
        assert source.find_element(By.ID, "source-passage").get_attribute("lang") == "ru"
    assert console_errors(browser) == []


def test_backwards_year_range_is_explained_inline_and_nothing_is_sent(browser: WebDriver, live_server: str) -> None:
    open_page(browser, live_server)
    record_asks(browser)
    open_filters(browser)
    type_year(browser, "year-from", "2010")
    type_year(browser, "year-to", "2000")

    box = browser.find_element(By.ID, "question")
    box.send_keys(TREATY_QUESTION)
    box.send_keys(Keys.ENTER)

    error = WebDriverWait(browser, WAIT_S).until(EC.visibility_of_element_located((By.ID, "years-error")))
    assert error.text == "“From” (2010) must not be later than “To” (2000)."
    assert error.get_attribute("role") == "alert"
    for field_id in ("year-from", "year-to"):
        field = browser.find_element(By.ID, field_id)
        assert field.get_attribute("aria-invalid") == "true"
        assert "years-error" in field.get_attribute("aria-describedby").split()
    assert browser.switch_to.active_element == browser.find_element(By.ID, "year-from")
    assert sent_asks(browser) == []
    assert browser.find_elements(By.CSS_SELECTOR, "#conversation .message") == []
    assert box.get_property("value") == TREATY_QUESTION  # the question held back is kept

    # A year outside 1800-2100 is held back the same way.
    type_year(browser, "year-to", "2101")
    browser.find_element(By.ID, "send").click()
    assert error.text == "“To” must be a whole year from 1800 to 2100."
    assert sent_asks(browser) == []

    # Once the range is right the message goes and the question is sent with it.
    type_year(browser, "year-to", "2020")
    assert not error.is_displayed()
    assert browser.find_element(By.ID, "year-to").get_attribute("aria-invalid") is None
    browser.find_element(By.ID, "send").click()
    wait_for_reply(browser, 0)
    assert [body.get("filters") for body in sent_asks(browser)] == [{"year_from": 2010, "year_to": 2020}]
    assert console_errors(browser) == []


def test_clear_filters_removes_the_chip_and_the_filters_from_the_request(
    browser: WebDriver, live_server: str, answered: tuple[str, dict[str, Any]]
) -> None:
    open_page(browser, live_server)
    record_asks(browser)
    clear = browser.find_element(By.ID, "filters-clear")
    assert chip(browser) is None and not clear.is_displayed()

    panel = open_filters(browser)
    option(browser, "doc_type", "treaty").click()
    panel.find_element(By.CSS_SELECTOR, "input[name=language]").click()
    type_year(browser, "year-from", "1990")
    assert chip(browser) == "3 filters"
    clear.click()

    assert chip(browser) is None and not clear.is_displayed()
    assert panel.find_elements(By.CSS_SELECTOR, "input:checked") == []
    assert [browser.find_element(By.ID, i).get_property("value") for i in ("year-from", "year-to")] == ["", ""]
    assert browser.switch_to.active_element == browser.find_element(By.ID, "filters-toggle")
    ask_in_page(browser, answered[0])
    assert [("filters" in body) for body in sent_asks(browser)] == [False]
    assert console_errors(browser) == []


def test_filter_panel_works_from_the_keyboard_and_is_labelled(browser: WebDriver, live_server: str) -> None:
    open_page(browser, live_server)
    wait_for_filter_options(browser)
    toggle = browser.find_element(By.ID, "filters-toggle")
    panel = browser.find_element(By.ID, "filters-panel")
    assert toggle.tag_name == "button" and toggle.get_attribute("aria-controls") == "filters-panel"
    assert toggle.get_attribute("aria-expanded") == "false" and not panel.is_displayed()

    # From the question box, Shift+Tab reaches the toggle; Enter opens the panel and Tab enters it.
    browser.switch_to.active_element.send_keys(Keys.SHIFT, Keys.TAB)
    assert browser.switch_to.active_element == toggle
    toggle.send_keys(Keys.ENTER)
    assert toggle.get_attribute("aria-expanded") == "true" and panel.is_displayed()
    toggle.send_keys(Keys.TAB)
    first = browser.switch_to.active_element
    assert first.get_attribute("type") == "checkbox"
    first.send_keys(Keys.SPACE)
    assert first.is_selected() and chip(browser) == "1 filter"

    unlabelled = browser.execute_script(
        """
        return [...document.querySelectorAll('#filters-panel input')]
          .filter((input) => !input.labels.length || !input.labels[0].textContent.trim())
          .map((input) => input.outerHTML);
        """
    )
    assert unlabelled == []
    legends = [legend.text for legend in panel.find_elements(By.CSS_SELECTOR, "fieldset > legend")]
    assert legends == ["LANGUAGE OF THE SOURCES", "DOCUMENT TYPE", "YEARS MENTIONED"]  # shown in capitals

    # Escape closes the panel and gives the focus back to its toggle; the choice stays.
    first.send_keys(Keys.ESCAPE)
    assert toggle.get_attribute("aria-expanded") == "false" and not panel.is_displayed()
    assert browser.switch_to.active_element == toggle
    assert chip(browser) == "1 filter"
    assert console_errors(browser) == []


def test_every_interface_string_is_translated(browser: WebDriver, live_server: str) -> None:
    open_page(browser, live_server)

    # The page's own string tables, imported as the page imports them (an ES module, no globals).
    problems = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        import("/static/i18n.js").then(({ STRINGS, FALLBACK }) => {
        const english = STRINGS[FALLBACK];
        const problems = [];
        const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
        for (const [lang, table] of Object.entries(STRINGS)) {
          const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories.sort();
          for (const key of Object.keys(table)) if (!(key in english)) problems.push(`${lang}.${key}: not in English`);
          for (const [key, value] of Object.entries(english)) {
            const mine = table[key];
            if (mine === undefined) problems.push(`${lang}.${key}: missing`);
            else if (Array.isArray(value) !== Array.isArray(mine) || typeof value !== typeof mine) {
              problems.push(`${lang}.${key}: not the same kind of value as in English`);
            } else if (isMap(value) && 'other' in value) {
              if (Object.keys(mine).sort().join() !== categories.join()) problems.push(`${lang}.${key}: plural forms`);
            } else if (isMap(value) && Object.keys(mine).sort().join() !== Object.keys(value).sort().join()) {
              problems.push(`${lang}.${key}: not the same names as in English`);
            }
          }
        }
        done(problems);
        }, (error) => done([`i18n.js did not load: ${error}`]));
        """
    )
    assert problems == []
