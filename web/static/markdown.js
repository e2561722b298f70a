// A small, safe Markdown subset for answers, built as DOM nodes (never innerHTML): paragraphs, "- " and
// "1. " lists, **bold**, *italic*, `code`, and [text](url) links to http/https only. Raw HTML stays text,
// an image ![alt](url) shows its alt text and loads nothing, any other link shows its text alone. Citation
// markers [n] are handed to a callback that returns the node to put in their place (or null: left as text).

// One inline token at a time: code, bold, italic, link or image, citation marker.
const INLINE =
  /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\*[^*\s][^*\n]*\*)|(!?\[[^\]\n]*\]\([^)\s]*\))|(\[\d+(?:\s*[,;]\s*\d+)*\])/g;
const LINK = /^(!?)\[([^\]\n]*)\]\(([^)\s]*)\)$/;
const BULLET = /^\s*[-*•]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;

function isHttpUrl(value) {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** Inline nodes of one line of text. */
function inline(text, onCitation) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const [token] = match;
    let node = null;
    if (match[1]) {
      node = document.createElement("code");
      node.textContent = token.slice(1, -1);
    } else if (match[2]) {
      node = document.createElement("strong");
      node.append(...inline(token.slice(2, -2), onCitation));
    } else if (match[3]) {
      node = document.createElement("em");
      node.append(...inline(token.slice(1, -1), onCitation));
    } else if (match[4]) {
      const [, bang, label, href] = LINK.exec(token);
      if (bang) {
        node = document.createTextNode(label); // an image is never loaded: its alt text stands in
      } else if (isHttpUrl(href)) {
        node = document.createElement("a");
        node.textContent = label || href;
        node.href = href;
        node.target = "_blank";
        node.rel = "noopener noreferrer nofollow";
      } else {
        node = document.createTextNode(label); // javascript:, data: and relative links lose their target
      }
    } else if (match[5]) {
      const numbers = token.slice(1, -1).split(/\s*[,;]\s*/).map(Number);
      const nodes = numbers.map((n) => onCitation(n));
      if (nodes.every(Boolean)) node = nodes;
    }
    if (node === null) continue;
    out.push(text.slice(last, match.index));
    if (Array.isArray(node)) out.push(...node);
    else out.push(node);
    last = match.index + token.length;
  }
  out.push(text.slice(last));
  return out.filter((n) => n !== "");
}

/** Block nodes (p, ul, ol) of a whole answer. */
function render(text, onCitation = () => null) {
  const blocks = [];
  let list = null;
  let paragraph = null;
  for (const line of String(text).split("\n")) {
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    if (bullet || numbered) {
      const tag = bullet ? "ul" : "ol";
      if (!list || list.tagName.toLowerCase() !== tag) {
        list = document.createElement(tag);
        blocks.push(list);
      }
      const item = document.createElement("li");
      item.append(...inline((bullet || numbered)[1], onCitation));
      list.append(item);
      paragraph = null;
    } else if (!line.trim()) {
      list = null;
      paragraph = null;
    } else {
      list = null;
      if (!paragraph) {
        paragraph = document.createElement("p");
        blocks.push(paragraph);
      } else {
        paragraph.append(document.createElement("br"));
      }
      paragraph.append(...inline(line, onCitation));
    }
  }
  return blocks;
}

const CITATION = /\[\d+(?:\s*[,;]\s*\d+)*\]/g;

/** Verbatim text (quotes from the documents): paragraphs and citation markers, nothing read as Markdown. */
function plain(text, onCitation = () => null) {
  return String(text)
    .split(/\n\s*\n/)
    .filter((block) => block.trim())
    .map((block) => {
      const paragraph = document.createElement("p");
      let last = 0;
      for (const match of block.matchAll(CITATION)) {
        const nodes = match[0].slice(1, -1).split(/\s*[,;]\s*/).map(Number).map((n) => onCitation(n));
        if (!nodes.every(Boolean)) continue;
        paragraph.append(block.slice(last, match.index), ...nodes);
        last = match.index + match[0].length;
      }
      paragraph.append(block.slice(last));
      return paragraph;
    });
}

export { render, plain, isHttpUrl };
