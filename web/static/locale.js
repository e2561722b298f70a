// The page's interface language, chosen once from the browser's languages (web/static/i18n.js), and its t().

import { pickLanguage, translator } from "./i18n.js";

const browserLanguages = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];

export const uiLang = pickLanguage(browserLanguages);
export const t = translator(uiLang);

/** Where in its document a passage or citation stands: "Page 3", or "§ Heading" where the format has no pages. */
export function placeIn(item) {
  if (Number.isInteger(item.page)) return t("page", { page: item.page });
  return typeof item.section === "string" && item.section ? `§ ${item.section}` : null;
}

/** A badge for a passage or citation read from a scan by OCR ("scan, OCR 91%"), or null. */
export function ocrBadge(item) {
  if (typeof item.ocr !== "number") return null;
  const p = Math.round(item.ocr * 100);
  const badge = document.createElement("span");
  badge.className = "ocr-badge";
  badge.textContent = t("ocrBadge", { p });
  badge.title = t("ocrTitle", { p });
  return badge;
}
