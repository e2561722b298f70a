// The chat page: asks the service (transport.js), shows each answer with clickable [n] citations (render.js)
// and the cited passage in the source panel (sources.js); filters, conversations and the documents view are
// modules of their own. ES modules, no framework, no build step. Text from documents, answers and the user is
// only ever set with textContent (never as HTML), so nothing it contains can run.

import * as conversations from "./conversations.js";
import * as documents from "./documents.js";
import { $, h } from "./dom.js";
import * as filters from "./filters.js";
import { t, uiLang } from "./locale.js";
import {
  answerMessage,
  errorMessage,
  loadingMessage,
  showStreamed,
  stoppedMessage,
  userMessage,
} from "./render.js";
import * as sources from "./sources.js";
import { askStream, isAnswer } from "./transport.js";

const MAX_HISTORY = 20; // the API's limit on history turns
const NARROW = window.matchMedia("(max-width: 960px)"); // keep in step with app.css
const THEME_KEY = "kazde.theme";

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
};

const state = { busy: false, history: [], conversationId: null, turns: 0, controller: null };
const filterPanel = filters.mount();

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

function questionMessage(text, chosen) {
  return userMessage(text, chosen ? filterPanel.describe(chosen) : "");
}

/** A failed ask's message; its Retry sends the same request again, whatever the filters say now. */
function failure(message, text, chosen) {
  return errorMessage(message, (article) => {
    if (state.busy) return;
    article.remove();
    ask(text, { repeat: true, filters: chosen });
  });
}

function setBusy(busy) {
  state.busy = busy;
  ui.send.disabled = busy;
  ui.send.hidden = busy;
  ui.stop.hidden = !busy;
  ui.form.classList.toggle("busy", busy);
  ui.log.setAttribute("aria-busy", String(busy));
}

async function ask(text, { repeat = false, filters: chosen = null } = {}) {
  if (state.busy) return;
  // On narrow screens the panel covers the chat: put it away so the new answer can be seen.
  if (NARROW.matches && sources.isOpen()) sources.closePanel({ refocus: false });
  setBusy(true);
  const asked = repeat ? null : addMessage(questionMessage(text, chosen));
  const loading = addMessage(loadingMessage());
  const payload = { question: text, history: state.history.slice(-MAX_HISTORY) };
  if (chosen) payload.filters = chosen;
  let reply;
  const controller = new AbortController();
  state.controller = controller;
  try {
    const result = await askStream(payload, {
      signal: controller.signal,
      onToken: (piece) => showStreamed(loading, piece),
    });
    if (result.kind === "refused") {
      reply = failure(result.message || t("badResponse", { status: result.status }), text, chosen);
    } else if (result.kind === "answer" && isAnswer(result.data)) {
      const turn = remember(text, chosen, result.data);
      reply = answerMessage(result.data, text, turn);
      state.history.push({ role: "user", content: text }, { role: "assistant", content: result.data.answer });
    } else {
      const error = result.error;
      const message = error && typeof error.message === "string" && error.message ? error.message : t("networkError");
      reply = failure(message, text, chosen);
    }
  } catch {
    reply = controller.signal.aborted ? stoppedMessage(loading) : failure(t("networkError"), text, chosen);
  } finally {
    loading.remove();
    state.controller = null;
    setBusy(false);
  }
  addMessage(reply);
  // Show the question with the start of its answer; a long answer is read from the top, not the end.
  (asked || reply).scrollIntoView({ block: "start" });
}

/** Keep the turn in this browser's conversations; the turn object the answer's feedback updates. */
function remember(text, chosen, data) {
  state.conversationId = conversations.addTurn(state.conversationId, { question: text, filters: chosen, data });
  const turn = { conversationId: state.conversationId, index: state.turns, rating: null };
  state.turns += 1;
  return turn;
}

function resetConversation() {
  if (state.busy) return;
  state.history = [];
  state.conversationId = null;
  state.turns = 0;
  for (const node of ui.log.querySelectorAll(".message")) node.remove();
  ui.welcome.hidden = false;
  sources.resetPanel();
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
    addMessage(questionMessage(turn.question, turn.filters));
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
documents.mount({ onIndexChanged: loadDocuments });
sources.mount();

applyTheme(initialTheme());
applyStrings();
loadDocuments();
ui.question.focus();
