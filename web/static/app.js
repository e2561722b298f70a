// The chat page: asks /api/ask/stream, renders answers with clickable [n] citations, and shows the cited passage
// in the source panel. Plain ES2020, no framework, no build step. Text from documents, answers and the
// user is only ever set with textContent (never as HTML), so nothing it contains can run.
"use strict";

(() => {
  const { pickLanguage, translator, ENDONYMS } = window.KazdeI18n;
  const { isHttpUrl } = window.KazdeMarkdown;
  const browserLanguages = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  const uiLang = pickLanguage(browserLanguages);
  const t = translator(uiLang);

  const MAX_HISTORY = 20; // the API's limit on history turns
  const SNIPPET_CHARS = 180;
  const LANG_CODE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
  const NARROW = window.matchMedia("(max-width: 960px)"); // keep in step with app.css

  const $ = (id) => document.getElementById(id);
  const ui = {
    log: $("conversation"),
    welcome: $("welcome"),
    examples: $("examples"),
    form: $("ask-form"),
    question: $("question"),
    send: $("send"),
    newConversation: $("new-conversation"),
    stop: $("stop"),
    themeToggle: $("theme-toggle"),
    openConversations: $("open-conversations"),
    conversationsDialog: $("conversations-dialog"),
    closeConversations: $("close-conversations"),
    conversationList: $("conversation-list"),
    conversationsEmpty: $("conversations-empty"),
    corpusCount: $("corpus-count"),
    panel: $("source-panel"),
    panelHeading: $("source-panel-heading"),
    closePanel: $("close-panel"),
    sourceEmpty: $("source-empty"),
    source: $("source"),
    sourceKicker: $("source-kicker"),
    sourceTitle: $("source-title"),
    sourceMeta: $("source-meta"),
    sourcePassage: $("source-passage"),
    sourceQuoteMissing: $("source-quote-missing"),
    sourceLinks: $("source-links"),
  };

  const state = { busy: false, history: [], opener: null, conversationId: null, turns: 0, controller: null };
  const filterPanel = window.KazdeFilters.mount({ t, uiLang, h, endonyms: ENDONYMS });
  const conversations = window.KazdeConversations;
  const THEME_KEY = "kazde.theme";

  // ---- small DOM helpers (textContent only) ----

  /** An element with a class, text and attributes; children are appended in order (strings as text). */
  function h(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    if (props.className) node.className = props.className;
    if (props.text !== undefined) node.textContent = props.text;
    for (const [name, value] of Object.entries(props.attrs || {})) {
      if (value !== undefined && value !== null) node.setAttribute(name, String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function setLang(node, lang) {
    if (typeof lang === "string" && LANG_CODE.test(lang)) node.setAttribute("lang", lang);
  }

  function snippet(text) {
    const flat = String(text || "").replace(/\s+/g, " ").trim();
    if (flat.length <= SNIPPET_CHARS) return flat;
    const cut = flat.slice(0, SNIPPET_CHARS);
    const space = cut.lastIndexOf(" ");
    return `${(space > SNIPPET_CHARS * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
  }

  function documentHref(docId, page) {
    const href = `/documents/${encodeURIComponent(docId)}`;
    return Number.isInteger(page) ? `${href}#page=${page}` : href;
  }

  // ---- interface language ----

  function applyStrings() {
    document.documentElement.lang = uiLang;
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
      node.setAttribute("placeholder", t(node.dataset.i18nPlaceholder));
    }
    for (const node of document.querySelectorAll("[data-i18n-aria-label]")) {
      node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel));
    }
    document.title = `Kazde · ${t("tagline")}`;
    ui.examples.replaceChildren(
      ...t("examples").map((question) =>
        h("li", {}, h("button", { className: "example", text: question, attrs: { type: "button" } })),
      ),
    );
  }

  // ---- the conversation ----

  function scrollToEnd() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function addMessage(node) {
    ui.welcome.hidden = true;
    ui.log.append(node);
    scrollToEnd();
    return node;
  }

  function userMessage(question, filters) {
    const described = filters ? filterPanel.describe(filters) : "";
    return h(
      "article",
      { className: "message message-user" },
      h("p", { className: "speaker visually-hidden", text: t("you") }),
      h("p", { className: "bubble user-text", text: question }),
      described ? h("p", { className: "user-filters", text: t("filtersActive", { list: described }) }) : null,
    );
  }

  function assistantShell(extraClass) {
    const bubble = h("div", { className: "bubble" });
    const article = h(
      "article",
      { className: `message message-assistant ${extraClass || ""}`.trim() },
      h("p", { className: "speaker", text: t("assistant") }),
      bubble,
    );
    return { article, bubble };
  }

  function loadingMessage() {
    const { article, bubble } = assistantShell("loading");
    article.setAttribute("aria-busy", "true");
    bubble.append(
      h("span", { className: "dots", attrs: { "aria-hidden": "true" } }, h("span"), h("span"), h("span")),
      h("span", { className: "loading-text", text: t("thinking") }),
    );
    return article;
  }

  /**
   * The answer as safe Markdown (web/static/markdown.js), or as text when it is verbatim quotes (a document's
   * own "[link](url)" or "**" stays what the document says), each [n] that names a citation of this answer
   * turned into a button that opens it; any other [n] stays text.
   */
  function answerParagraph(data, byN) {
    const body = h("div", { className: "answer-text" });
    setLang(body, data.language);
    const onCitation = (n) => (byN.has(n) ? citationButton(data, byN.get(n)) : null);
    const md = window.KazdeMarkdown;
    body.append(...(data.verbatim ? md.plain(data.answer, onCitation) : md.render(data.answer, onCitation)));
    return body;
  }

  function citationButton(data, citation) {
    const button = h("button", {
      className: "citation",
      text: String(citation.n),
      attrs: {
        type: "button",
        "data-n": citation.n,
        "aria-controls": "source-panel",
        "aria-label": t("citationAria", { n: citation.n, title: citation.title || citation.doc_id }),
      },
    });
    button.addEventListener("click", () => openCitation(data, citation, button));
    return button;
  }

  function sourcesList(data) {
    const list = h("ol", { className: "source-list" });
    for (const citation of data.citations) {
      const button = h(
        "button",
        {
          className: "source-item",
          attrs: { type: "button", "data-n": citation.n, "data-doc-id": citation.doc_id, "aria-controls": "source-panel" },
        },
        h("span", { className: "source-item-n", text: String(citation.n) }),
        h("span", { className: "source-item-title", text: citation.title || citation.doc_id }),
        Number.isInteger(citation.page) ? h("span", { className: "source-item-page", text: t("page", { page: citation.page }) }) : null,
      );
      button.addEventListener("click", () => openCitation(data, citation, button));
      list.append(h("li", {}, button));
    }
    return h("section", { className: "answer-sources" }, h("h3", { className: "answer-section-title", text: t("sources") }), list);
  }

  function closestList(data) {
    const list = h("ol", { className: "passage-list" });
    data.passages.forEach((passage, index) => {
      const excerpt = h("span", { className: "passage-item-text", text: snippet(passage.text) });
      setLang(excerpt, passage.language);
      const meta = [
        Number.isInteger(passage.page) ? t("page", { page: passage.page }) : null,
        typeof passage.score === "number" ? t("relevance", { score: passage.score.toFixed(2) }) : null,
      ].filter(Boolean);
      const button = h(
        "button",
        {
          className: "passage-item",
          attrs: {
            type: "button",
            "data-passage": index,
            "data-doc-id": passage.doc_id,
            "aria-controls": "source-panel",
            "aria-label": t("openPassageAria", { title: passage.title || passage.doc_id }),
          },
        },
        h("span", { className: "passage-item-title", text: passage.title || passage.doc_id }),
        meta.length ? h("span", { className: "passage-item-meta", text: meta.join(" · ") }) : null,
        excerpt,
      );
      button.addEventListener("click", () =>
        showSource({ kicker: t("passageKicker", { n: index + 1 }), passage, quote: null }, button),
      );
      list.append(h("li", {}, button));
    });
    return h(
      "section",
      { className: "answer-closest" },
      h("h3", { className: "answer-section-title", text: t("closestPassages") }),
      list,
    );
  }

  /** The answer and its sources as plain text, for the clipboard. */
  function answerAsText(data) {
    const lines = [data.answer];
    for (const c of data.citations) {
      const page = Number.isInteger(c.page) ? `, ${t("page", { page: c.page })}` : "";
      lines.push(`[${c.n}] ${c.title || c.doc_id}${page}${isHttpUrl(c.source) ? ` — ${c.source}` : ""}`);
    }
    return lines.join("\n");
  }

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // No clipboard API (or no permission): the old way, through a selected, off-screen text area.
      const area = h("textarea", { className: "visually-hidden", attrs: { readonly: "", "aria-hidden": "true" } });
      area.value = text;
      document.body.append(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      return ok;
    }
  }

  /** Copy, thumbs up and thumbs down under an answer; a vote is stored on the server and in the chat. */
  function answerActions(data, question, turn) {
    const status = h("span", { className: "action-status", attrs: { role: "status", "aria-live": "polite" } });
    const copy = h("button", { className: "action-button copy", text: t("copy"), attrs: { type: "button" } });
    copy.addEventListener("click", async () => {
      status.textContent = (await copyText(answerAsText(data))) ? t("copied") : t("copyFailed");
    });
    const votes = ["up", "down"].map((rating) => {
      const button = h("button", {
        className: `action-button vote vote-${rating}`,
        text: t(rating === "up" ? "helpful" : "notHelpful"),
        attrs: { type: "button", "aria-pressed": String(turn.rating === rating), "data-rating": rating },
      });
      button.addEventListener("click", () => vote(rating));
      return button;
    });
    async function vote(rating) {
      const body = {
        rating,
        question,
        answer: data.answer,
        query: data.query || "",
        citations: data.citations.map((c) => ({ n: c.n, doc_id: c.doc_id, page: c.page, quote: c.quote })),
      };
      try {
        const response = await fetch("/api/feedback", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
        if (!response.ok) throw new Error(String(response.status));
        for (const b of votes) b.setAttribute("aria-pressed", String(b.dataset.rating === rating));
        status.textContent = t("thanks");
        turn.rating = rating;
        if (turn.conversationId) conversations.updateTurn(turn.conversationId, turn.index, { rating });
      } catch {
        status.textContent = t("feedbackFailed");
      }
    }
    return h("div", { className: "answer-actions" }, copy, ...votes, status);
  }

  function answerMessage(data, question, turn = {}) {
    const { article, bubble } = assistantShell(data.abstained ? "abstained" : "answered");
    const byN = new Map(data.citations.map((c) => [c.n, c]));
    if (data.abstained) bubble.append(h("p", { className: "abstained-label", text: t("noAnswer") }));
    bubble.append(answerParagraph(data, byN));
    if (typeof data.notice === "string" && data.notice) {
      bubble.append(h("p", { className: "notice" }, h("strong", { text: `${t("notice")}: ` }), data.notice));
    }
    const check = data.citation_check;
    if (check && typeof check.dropped === "number" && check.dropped > 0) {
      bubble.append(h("p", { className: "dropped-note", text: t("droppedSentences", { count: String(check.dropped) }) }));
    }
    if (typeof data.query === "string" && data.query && data.query !== question) {
      bubble.append(h("p", { className: "searched-for", text: t("searchedFor", { query: data.query }) }));
    }
    if (data.citations.length) bubble.append(sourcesList(data));
    if (data.abstained && data.passages.length) bubble.append(closestList(data));
    bubble.append(answerActions(data, question, turn));
    return article;
  }

  function errorMessage(message, question, filters) {
    const { article, bubble } = assistantShell("error");
    const retry = h("button", { className: "ghost-button retry", text: t("retry"), attrs: { type: "button" } });
    retry.addEventListener("click", () => {
      if (state.busy) return;
      article.remove();
      ask(question, { repeat: true, filters }); // the same request again, whatever the filters say now
    });
    bubble.append(
      h("p", { className: "error-title", text: t("errorTitle") }),
      h("p", { className: "error-text", text: message }),
      retry,
    );
    return article;
  }

  function isAnswer(data) {
    return (
      data &&
      typeof data === "object" &&
      typeof data.answer === "string" &&
      Array.isArray(data.citations) &&
      Array.isArray(data.passages)
    );
  }

  function setBusy(busy) {
    state.busy = busy;
    ui.send.disabled = busy;
    ui.send.hidden = busy;
    ui.stop.hidden = !busy;
    ui.form.classList.toggle("busy", busy);
    ui.log.setAttribute("aria-busy", String(busy));
  }

  async function ask(question, { repeat = false, filters = null } = {}) {
    if (state.busy) return;
    // On narrow screens the panel covers the chat: put it away so the new answer can be seen.
    if (NARROW.matches && ui.panel.classList.contains("open")) closePanel({ refocus: false });
    setBusy(true);
    const asked = repeat ? null : addMessage(userMessage(question, filters));
    const loading = addMessage(loadingMessage());
    const payload = { question, history: state.history.slice(-MAX_HISTORY) };
    if (filters) payload.filters = filters;
    let reply;
    const controller = new AbortController();
    state.controller = controller;
    try {
      const response = await fetch("/api/ask/stream", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(payload),
        signal: controller.signal,
      });
      if (!response.ok || !(response.headers.get("Content-Type") || "").startsWith("text/event-stream")) {
        let data = null;
        try {
          data = await response.json();
        } catch {
          data = null;
        }
        const message = data && typeof data.message === "string" && data.message ? data.message : t("badResponse", { status: response.status });
        reply = errorMessage(message, question, filters);
      } else {
        const { data, error } = await readStream(response, loading);
        if (isAnswer(data)) {
          const turn = remember(question, filters, data);
          reply = answerMessage(data, question, turn);
          state.history.push({ role: "user", content: question }, { role: "assistant", content: data.answer });
        } else {
          const message = error && typeof error.message === "string" && error.message ? error.message : t("networkError");
          reply = errorMessage(message, question, filters);
        }
      }
    } catch (error) {
      reply = controller.signal.aborted ? stoppedMessage(loading) : errorMessage(t("networkError"), question, filters);
    } finally {
      loading.remove();
      state.controller = null;
      setBusy(false);
    }
    addMessage(reply);
    // Show the question with the start of its answer; a long answer is read from the top, not the end.
    (asked || reply).scrollIntoView({ block: "start" });
  }

  /** What was written before the user pressed Stop, marked as stopped (not kept in the history). */
  function stoppedMessage(loading) {
    const { article, bubble } = assistantShell("stopped");
    const partial = loading.querySelector(".answer-text.streaming");
    if (partial && partial.textContent) bubble.append(h("p", { className: "answer-text", text: partial.textContent }));
    bubble.append(h("p", { className: "stopped-label", text: t("stopped") }));
    return article;
  }

  /** Keep the turn in this browser's conversations; the turn object the answer's feedback updates. */
  function remember(question, filters, data) {
    state.conversationId = conversations.addTurn(state.conversationId, { question, filters, data });
    const turn = { conversationId: state.conversationId, index: state.turns, rating: null };
    state.turns += 1;
    return turn;
  }

  /** Reads Server-Sent Events: `token` text is shown as it comes (as text, never HTML), `final` is the answer. */
  async function readStream(response, loading) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let streamed = null;
    let result = { data: null, error: null };
    for (;;) {
      const { value, done } = await reader.read();
      if (value) buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = "message";
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        let parsed = null;
        try {
          parsed = JSON.parse(data);
        } catch {
          continue;
        }
        if (event === "token" && parsed && typeof parsed.text === "string") {
          if (!streamed) {
            streamed = h("p", { className: "answer-text streaming" });
            const bubble = loading.querySelector(".bubble");
            bubble.replaceChildren(streamed);
          }
          streamed.textContent += parsed.text;
        } else if (event === "final") {
          result = { data: parsed, error: null };
        } else if (event === "error") {
          result = { data: null, error: parsed };
        }
      }
      if (done) break;
    }
    return result;
  }

  function resetConversation() {
    if (state.busy) return;
    state.history = [];
    state.conversationId = null;
    state.turns = 0;
    for (const node of ui.log.querySelectorAll(".message")) node.remove();
    ui.welcome.hidden = false;
    resetPanel();
    ui.question.focus();
  }

  /** Show an earlier conversation as it was answered, and continue it. */
  function openConversation(id) {
    const saved = conversations.get(id);
    if (!saved || state.busy) return;
    resetConversation();
    state.conversationId = saved.id;
    saved.turns.forEach((turn, index) => {
      if (!turn || typeof turn.question !== "string" || !isAnswer(turn.data)) return;
      addMessage(userMessage(turn.question, turn.filters));
      const handle = { conversationId: saved.id, index, rating: turn.rating || null };
      addMessage(answerMessage(turn.data, turn.question, handle));
      state.history.push({ role: "user", content: turn.question }, { role: "assistant", content: turn.data.answer });
    });
    state.turns = saved.turns.length;
  }

  function renderConversationList() {
    const items = conversations.list();
    ui.conversationsEmpty.hidden = items.length > 0;
    ui.conversationList.replaceChildren(
      ...items.map((c) => {
        const open = h("button", { className: "conversation-open", text: c.title || "…", attrs: { type: "button" } });
        open.addEventListener("click", () => {
          ui.conversationsDialog.close();
          openConversation(c.id);
        });
        const when = new Date(c.updated || c.created || 0).toLocaleString(uiLang);
        const remove = h("button", {
          className: "ghost-button conversation-delete",
          text: t("delete"),
          attrs: { type: "button", "aria-label": t("deleteConversation", { title: c.title || "" }) },
        });
        remove.addEventListener("click", () => {
          conversations.remove(c.id);
          if (state.conversationId === c.id) resetConversation();
          renderConversationList();
        });
        return h("li", { className: "conversation-item" }, open, h("span", { className: "conversation-when", text: when }), remove);
      }),
    );
  }

  // ---- theme ----

  function applyTheme(theme) {
    document.documentElement.dataset.theme = theme;
    ui.themeToggle.setAttribute("aria-pressed", String(theme === "dark"));
  }

  function initialTheme() {
    try {
      const saved = window.localStorage.getItem(THEME_KEY);
      if (saved === "light" || saved === "dark") return saved;
    } catch {
      /* storage blocked */
    }
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  // ---- the source panel ----

  /**
   * Where quote lies in text as [start, end), or null. Tries the exact string first, then the same words
   * with any run of whitespace matching any other (a passage may wrap lines where the quote does not).
   */
  function findQuote(text, quote) {
    if (!quote) return null;
    const exact = text.indexOf(quote);
    if (exact !== -1) return [exact, exact + quote.length];
    const words = quote.trim().split(/\s+/).filter(Boolean);
    if (!words.length) return null;
    const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    const match = new RegExp(escaped.join("\\s+"), "u").exec(text);
    return match ? [match.index, match.index + match[0].length] : null;
  }

  function openCitation(data, citation, opener) {
    let passage = Number.isInteger(citation.passage) ? data.passages[citation.passage] : undefined;
    if (!passage) {
      const sameDoc = data.passages.filter((p) => p.doc_id === citation.doc_id);
      passage = sameDoc.find((p) => findQuote(p.text || "", citation.quote)) || sameDoc[0];
    }
    showSource(
      {
        kicker: t("citationKicker", { n: citation.n }),
        passage: {
          doc_id: citation.doc_id,
          title: citation.title,
          page: citation.page,
          source: citation.source,
          language: passage ? passage.language : undefined,
          text: passage ? passage.text : citation.quote,
        },
        quote: citation.quote,
      },
      opener,
    );
  }

  function showSource({ kicker, passage, quote }, opener) {
    const text = String(passage.text || "");
    ui.sourceEmpty.hidden = true;
    ui.source.hidden = false;
    ui.sourceKicker.textContent = kicker;
    ui.sourceTitle.textContent = passage.title || passage.doc_id;

    const meta = [];
    if (Number.isInteger(passage.page)) meta.push(h("span", { className: "meta-page", text: t("page", { page: passage.page }) }));
    if (typeof passage.language === "string" && LANG_CODE.test(passage.language)) {
      meta.push(h("span", { className: "meta-lang", text: passage.language.toUpperCase() }));
    }
    meta.push(h("span", { className: "meta-doc", text: passage.doc_id }));
    ui.sourceMeta.replaceChildren(...meta);

    // The passage as text nodes, with the quoted sentence in a <mark>.
    const range = typeof quote === "string" ? findQuote(text, quote) : null;
    let mark = null;
    if (range) {
      mark = h("mark", { text: text.slice(range[0], range[1]) });
      ui.sourcePassage.replaceChildren(text.slice(0, range[0]), mark, text.slice(range[1]));
    } else {
      ui.sourcePassage.replaceChildren(text);
    }
    ui.sourcePassage.removeAttribute("lang");
    setLang(ui.sourcePassage, passage.language);
    if (typeof quote === "string" && quote && !range) {
      ui.sourceQuoteMissing.hidden = false;
      ui.sourceQuoteMissing.replaceChildren(t("quoteNotLocated"), " ", h("mark", { text: quote }));
    } else {
      ui.sourceQuoteMissing.hidden = true;
      ui.sourceQuoteMissing.replaceChildren();
    }

    const links = [
      h("a", {
        className: "doc-link",
        text: Number.isInteger(passage.page) ? t("openDocAtPage", { page: passage.page }) : t("openDoc"),
        attrs: { href: documentHref(passage.doc_id, passage.page), target: "_blank", rel: "noopener" },
      }),
    ];
    if (isHttpUrl(passage.source)) {
      links.push(
        h("a", {
          className: "source-url",
          text: t("sourceLink"),
          attrs: { href: passage.source, target: "_blank", rel: "noopener noreferrer", title: passage.source },
        }),
      );
    }
    ui.sourceLinks.replaceChildren(...links);

    for (const node of document.querySelectorAll(".is-active")) node.classList.remove("is-active");
    if (opener) opener.classList.add("is-active");
    state.opener = opener || null;

    ui.panel.classList.add("open");
    document.body.classList.add("panel-open");
    ui.panel.scrollTop = 0;
    if (mark) mark.scrollIntoView({ block: "nearest" });
    ui.panelHeading.focus({ preventScroll: true });
  }

  function resetPanel() {
    ui.source.hidden = true;
    ui.sourceEmpty.hidden = false;
    ui.panel.classList.remove("open");
    document.body.classList.remove("panel-open");
    for (const node of document.querySelectorAll(".is-active")) node.classList.remove("is-active");
  }

  function closePanel({ refocus = true } = {}) {
    const opener = state.opener;
    resetPanel();
    state.opener = null;
    if (refocus && opener && opener.isConnected) opener.focus();
  }

  // ---- wiring ----

  /** The corpus count in the header and the filters' options, from the list of documents. */
  function loadDocuments() {
    fetch("/api/documents", { headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (!data || !Array.isArray(data.documents)) throw new Error("no document list");
        filterPanel.setDocuments(data.documents);
        const count = data.documents.filter((d) => d && d.status === "indexed").length;
        ui.corpusCount.textContent = t("corpusCount", { count });
        ui.corpusCount.hidden = false;
      })
      .catch(() => filterPanel.setDocuments(null)); // the count is decoration; the filters offer every known value
  }

  /** Ask with the current filters; false (and nothing sent) when the filters say inline what to fix. */
  function askFiltered(question) {
    const choice = filterPanel.read();
    if (!choice.ok) return false;
    ask(question, { filters: choice.filters });
    return true;
  }

  function submit() {
    const question = ui.question.value.trim();
    if (!question || state.busy) return;
    if (askFiltered(question)) ui.question.value = ""; // a question held back stays in the box
  }

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });

  ui.question.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter adds a line; Enter that confirms an input method's composition does neither.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });

  ui.examples.addEventListener("click", (event) => {
    const button = event.target.closest("button.example");
    if (!button || state.busy) return;
    askFiltered(button.textContent);
  });

  ui.newConversation.addEventListener("click", resetConversation);
  ui.stop.addEventListener("click", () => {
    if (state.controller) state.controller.abort();
  });
  ui.themeToggle.addEventListener("click", () => {
    const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    applyTheme(next);
    try {
      window.localStorage.setItem(THEME_KEY, next);
    } catch {
      /* the choice lasts for this page only */
    }
  });
  ui.openConversations.addEventListener("click", () => {
    renderConversationList();
    ui.conversationsDialog.showModal();
  });
  ui.closeConversations.addEventListener("click", () => ui.conversationsDialog.close());
  ui.conversationsDialog.addEventListener("close", () => ui.openConversations.focus());
  window.KazdeDocuments.mount({ t, h, onIndexChanged: loadDocuments });
  ui.closePanel.addEventListener("click", () => closePanel());
  ui.panel.parentElement.addEventListener("click", (event) => {
    // On narrow screens the panel lies over the chat; a click on the dimmed backdrop lands on .layout itself.
    if (event.target === event.currentTarget && ui.panel.classList.contains("open")) closePanel();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && ui.panel.classList.contains("open")) closePanel();
  });

  applyTheme(initialTheme());
  applyStrings();
  loadDocuments();
  ui.question.focus();
})();
