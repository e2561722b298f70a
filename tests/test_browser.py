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

# The ranking is tuned concurrently: the tests use the first of these that the service answers (not abstains).
ANSWERABLE = [
    "When did the Goethe-Institut open in Almaty?",
    "Wann trat das Kulturabkommen von 1994 in Kraft?",
    "When was the German-Kazakh University founded?",
    "Wann wurde die Deutsch-Kasachische Universität gegründet?",
]
OFF_TOPIC = "How long should spaghetti be boiled to be al dente?"
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


def ask_api(base: str, question: str) -> tuple[int, dict[str, Any]]:
    """POST /api/ask the way the page does; the status and the JSON body."""
    request = urllib.request.Request(
        f"{base}/api/ask",
        data=json.dumps({"question": question}).encode(),
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
def answered(live_server: str) -> tuple[str, dict[str, Any]]:
    """A question the service currently answers with citations, and its /api/ask response."""
    for question in ANSWERABLE:
        status, data = ask_api(live_server, question)
        assert status == 200, data
        if not data["abstained"] and data["citations"]:
            return question, data
    pytest.fail(f"the service abstained on every one of {ANSWERABLE}; the browser tests need one answered question")


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
    """The answer as the page shows it: a marker [n] becomes a button whose text is n."""
    return re.sub(r"\[(\d+)\]", r"\1", answer)


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
