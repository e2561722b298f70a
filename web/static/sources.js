// The source panel: the cited passage with the quoted sentence marked, its page, language and links. It opens
// beside the chat (over it on narrow screens) and gives the focus back to what opened it when it closes.

import { $, LANG_CODE, documentHref, h, setLang } from "./dom.js";
import { ocrBadge, placeIn, t } from "./locale.js";
import { isHttpUrl } from "./markdown.js";

const ui = {
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
let opener = null; // what opened the panel: the focus goes back to it

/**
 * Where quote lies in text as [start, end), or null. Tries the exact string first, then the same words
 * with any run of whitespace matching any other (a passage may wrap lines where the quote does not).
 */
export function findQuote(text, quote) {
  if (!quote) return null;
  const exact = text.indexOf(quote);
  if (exact !== -1) return [exact, exact + quote.length];
  const words = quote.trim().split(/\s+/).filter(Boolean);
  if (!words.length) return null;
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const match = new RegExp(escaped.join("\\s+"), "u").exec(text);
  return match ? [match.index, match.index + match[0].length] : null;
}

/** Show the passage citation [n] of an answer quotes, with the quote marked. */
export function openCitation(data, citation, from) {
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
        section: citation.section,
        ocr: citation.ocr,
        source: citation.source,
        language: passage ? passage.language : undefined,
        text: passage ? passage.text : citation.quote,
      },
      quote: citation.quote,
    },
    from,
  );
}

/** Show a passage (with `quote` marked when it is given and found); `from` is the button that asked. */
export function showSource({ kicker, passage, quote }, from) {
  const text = String(passage.text || "");
  ui.sourceEmpty.hidden = true;
  ui.source.hidden = false;
  ui.sourceKicker.textContent = kicker;
  ui.sourceTitle.textContent = passage.title || passage.doc_id;

  const meta = [];
  if (placeIn(passage)) meta.push(h("span", { className: "meta-page", text: placeIn(passage) }));
  const scanned = ocrBadge(passage);
  if (scanned) meta.push(scanned);
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
  if (from) from.classList.add("is-active");
  opener = from || null;

  ui.panel.classList.add("open");
  document.body.classList.add("panel-open");
  ui.panel.scrollTop = 0;
  if (mark) mark.scrollIntoView({ block: "nearest" });
  ui.panelHeading.focus({ preventScroll: true });
}

/** Whether the panel is open. */
export function isOpen() {
  return ui.panel.classList.contains("open");
}

/** Empty and hide the panel (a new conversation). */
export function resetPanel() {
  ui.source.hidden = true;
  ui.sourceEmpty.hidden = false;
  ui.panel.classList.remove("open");
  document.body.classList.remove("panel-open");
  for (const node of document.querySelectorAll(".is-active")) node.classList.remove("is-active");
}

/** Close the panel; the focus goes back to what opened it unless `refocus` is false. */
export function closePanel({ refocus = true } = {}) {
  const from = opener;
  resetPanel();
  opener = null;
  if (refocus && from && from.isConnected) from.focus();
}

/** Wire the close button, the backdrop on narrow screens and Escape. */
export function mount() {
  ui.closePanel.addEventListener("click", () => closePanel());
  ui.panel.parentElement.addEventListener("click", (event) => {
    // On narrow screens the panel lies over the chat; a click on the dimmed backdrop lands on .layout itself.
    if (event.target === event.currentTarget && isOpen()) closePanel();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) closePanel();
  });
}
