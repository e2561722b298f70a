// Small DOM helpers for every module of the page. Text is only ever set with textContent (never as HTML), so
// nothing a document, an answer or the user wrote can run.

export const LANG_CODE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const SNIPPET_CHARS = 180;

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** An element with a class, text and attributes; children are appended in order (strings as text). */
export function h(tag, props = {}, ...children) {
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

/** Mark a node's language when the service gave a well-formed code. */
export function setLang(node, lang) {
  if (typeof lang === "string" && LANG_CODE.test(lang)) node.setAttribute("lang", lang);
}

/** The start of a passage, cut at a word, for lists. */
export function snippet(text) {
  const flat = String(text || "").replace(/\s+/g, " ").trim();
  if (flat.length <= SNIPPET_CHARS) return flat;
  const cut = flat.slice(0, SNIPPET_CHARS);
  const space = cut.lastIndexOf(" ");
  return `${(space > SNIPPET_CHARS * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The page that shows a document (at a page of a PDF). */
export function documentHref(docId, page) {
  const href = `/documents/${encodeURIComponent(docId)}`;
  return Number.isInteger(page) ? `${href}#page=${page}` : href;
}
