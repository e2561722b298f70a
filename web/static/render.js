// The chat's messages as DOM nodes: the question, the loading and streaming reply, the answer with its [n]
// citation buttons, sources, closest passages and actions (copy, helpful / not helpful), errors and a stopped
// answer. Text from documents, answers and the user is only ever set with textContent.

import * as conversations from "./conversations.js";
import { h, setLang, snippet } from "./dom.js";
import { ocrBadge, placeIn, t } from "./locale.js";
import * as markdown from "./markdown.js";
import { openCitation, showSource } from "./sources.js";

/** The user's question, with the filters it was asked under (`described`: their words, or ""). */
export function userMessage(question, described) {
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

export function loadingMessage() {
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
  body.append(...(data.verbatim ? markdown.plain(data.answer, onCitation) : markdown.render(data.answer, onCitation)));
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
      placeIn(citation) ? h("span", { className: "source-item-page", text: placeIn(citation) }) : null,
      ocrBadge(citation),
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
      placeIn(passage),
      typeof passage.ocr === "number" ? t("ocrBadge", { p: Math.round(passage.ocr * 100) }) : null,
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
    const page = placeIn(c) ? `, ${placeIn(c)}` : "";
    lines.push(`[${c.n}] ${c.title || c.doc_id}${page}${markdown.isHttpUrl(c.source) ? ` — ${c.source}` : ""}`);
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

export function answerMessage(data, question, turn = {}) {
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

/** What was written before the user pressed Stop, marked as stopped (not kept in the history). */
export function stoppedMessage(loading) {
  const { article, bubble } = assistantShell("stopped");
  const partial = loading.querySelector(".answer-text.streaming");
  if (partial && partial.textContent) bubble.append(h("p", { className: "answer-text", text: partial.textContent }));
  bubble.append(h("p", { className: "stopped-label", text: t("stopped") }));
  return article;
}

/** A generated answer's text so far, shown in the loading message as it is written (as text, never HTML). */
export function showStreamed(loading, text) {
  let streamed = loading.querySelector(".answer-text.streaming");
  if (!streamed) {
    streamed = h("p", { className: "answer-text streaming" });
    loading.querySelector(".bubble").replaceChildren(streamed);
  }
  streamed.textContent += text;
}

/** A failed ask: the reason and a Retry button that runs `onRetry` (after removing this message). */
export function errorMessage(message, onRetry) {
  const { article, bubble } = assistantShell("error");
  const retry = h("button", { className: "ghost-button retry", text: t("retry"), attrs: { type: "button" } });
  retry.addEventListener("click", () => onRetry(article));
  bubble.append(
    h("p", { className: "error-title", text: t("errorTitle") }),
    h("p", { className: "error-text", text: message }),
    retry,
  );
  return article;
}
