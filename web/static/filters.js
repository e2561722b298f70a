// The search filters above the question box: the languages and document types that occur in the index, and a
// range of years that passages mention. read() gives the `filters` object of /api/ask with only the keys that
// are set, or says inline why the year range is wrong so that nothing is sent. Options are built with
// createElement and textContent only.

import { $, LANG_CODE, h } from "./dom.js";
import { ENDONYMS } from "./i18n.js";
import { t, uiLang } from "./locale.js";

const YEAR_MIN = 1800; // keep in step with the inputs' min and max in index.html
const YEAR_MAX = 2100;
const DOC_TYPES = ["treaty", "reference", "news", "article"]; // the API's document types, in this order
const LANGUAGES = ["en", "de", "ru", "kk"]; // offered first, in this order; any other code after them

/** Wire the filter panel of the page: read(), describe() and setDocuments() for the chat. */
function mount() {
  const ui = {
    toggle: $("filters-toggle"),
    panel: $("filters-panel"),
    chip: $("filters-chip"),
    clear: $("filters-clear"),
    languages: $("filter-languages"),
    types: $("filter-types"),
    yearFrom: $("year-from"),
    yearTo: $("year-to"),
    yearsError: $("years-error"),
    yearsHint: $("years-hint"),
  };
  const displayNames = typeof Intl.DisplayNames === "function" ? new Intl.DisplayNames([uiLang], { type: "language" }) : null;

  function languageName(code) {
    const names = t("languageNames");
    if (names && Object.hasOwn(names, code)) return names[code];
    try {
      return (displayNames && displayNames.of(code)) || code;
    } catch {
      return code; // a code that Intl does not accept
    }
  }

  function typeName(type) {
    const names = t("docTypes");
    return names && Object.hasOwn(names, type) ? names[type] : type;
  }

  function setOpen(open) {
    ui.toggle.setAttribute("aria-expanded", String(open));
    ui.panel.hidden = !open;
  }

  function checkbox(name, value, ...label) {
    return h(
      "label",
      { className: "filter-option" },
      h("input", { attrs: { type: "checkbox", name, value } }),
      h("span", { className: "filter-option-text" }, ...label),
    );
  }

  function languageOption(code) {
    const name = languageName(code);
    const own = Object.hasOwn(ENDONYMS, code) ? ENDONYMS[code] : null;
    let endonym = null;
    if (own && own.toLocaleLowerCase() !== name.toLocaleLowerCase()) {
      endonym = h("span", { className: "filter-endonym", text: own });
      if (LANG_CODE.test(code)) endonym.setAttribute("lang", code);
    }
    return checkbox("language", code, name, endonym ? " " : null, endonym);
  }

  /** Offer the languages and types of the indexed documents (every known one without a list); keeps choices. */
  function setDocuments(documents) {
    const indexed = Array.isArray(documents) ? documents.filter((d) => d && d.status === "indexed") : null;
    const found = (key) => new Set((indexed || []).map((d) => d[key]).filter((v) => typeof v === "string" && v));
    const languages = indexed ? found("language") : new Set(LANGUAGES);
    const types = indexed ? found("doc_type") : new Set(DOC_TYPES);
    const ordered = [
      ...LANGUAGES.filter((code) => languages.has(code)),
      ...[...languages].filter((code) => !LANGUAGES.includes(code)).sort(),
    ];
    const kept = { language: new Set(checked("language")), doc_type: new Set(checked("doc_type")) };
    ui.languages.replaceChildren(...ordered.map(languageOption));
    // Only the types the API knows: any other would be a 400.
    ui.types.replaceChildren(...DOC_TYPES.filter((type) => types.has(type)).map((type) => checkbox("doc_type", type, typeName(type))));
    for (const box of ui.panel.querySelectorAll("input[type=checkbox]")) box.checked = kept[box.name].has(box.value);
    updateSummary();
  }

  function checked(name) {
    return [...ui.panel.querySelectorAll(`input[type=checkbox][name=${name}]:checked`)].map((box) => box.value);
  }

  /** A year input's value: null when empty, a number when valid, undefined when not a year in range. */
  function yearOf(input) {
    if (input.validity.badInput) return undefined; // text a number input cannot read ("20x0")
    const raw = input.value.trim();
    if (!raw) return null;
    const year = Number(raw);
    return Number.isInteger(year) && year >= YEAR_MIN && year <= YEAR_MAX ? year : undefined;
  }

  function showYearsError(message, invalid) {
    ui.yearsError.textContent = message || "";
    ui.yearsError.hidden = !message;
    for (const input of [ui.yearFrom, ui.yearTo]) {
      if (invalid.includes(input)) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  /** The year range, or what is wrong with it (shown inline) and the input to fix. */
  function checkYears() {
    const from = yearOf(ui.yearFrom);
    const to = yearOf(ui.yearTo);
    const range = { min: YEAR_MIN, max: YEAR_MAX };
    if (from === undefined || to === undefined) {
      const input = from === undefined ? ui.yearFrom : ui.yearTo;
      const field = t(input === ui.yearFrom ? "yearFrom" : "yearTo");
      showYearsError(t("yearInvalid", { field, ...range }), [input]);
      return { ok: false, input };
    }
    if (from !== null && to !== null && from > to) {
      showYearsError(t("yearOrder", { from, to }), [ui.yearFrom, ui.yearTo]);
      return { ok: false, input: ui.yearFrom };
    }
    showYearsError("", []);
    return { ok: true, from, to };
  }

  function describe(filters) {
    if (!filters) return "";
    const parts = [...(filters.language || []).map(languageName), ...(filters.doc_type || []).map(typeName)];
    const from = filters.year_from;
    const to = filters.year_to;
    if (from !== undefined && to !== undefined) parts.push(t("yearBetween", { from, to }));
    else if (from !== undefined) parts.push(t("yearSince", { from }));
    else if (to !== undefined) parts.push(t("yearUntil", { to }));
    return parts.join(", ");
  }

  /** The filters as the form holds them, without checking the years (for the summary chip). */
  function current() {
    const filters = {};
    const language = checked("language");
    const docType = checked("doc_type");
    if (language.length) filters.language = language;
    if (docType.length) filters.doc_type = docType;
    const from = yearOf(ui.yearFrom);
    const to = yearOf(ui.yearTo);
    if (Number.isInteger(from)) filters.year_from = from;
    if (Number.isInteger(to)) filters.year_to = to;
    return filters;
  }

  function updateSummary() {
    const filters = current();
    const years = ui.yearFrom.value.trim() || ui.yearTo.value.trim() || ui.yearFrom.validity.badInput || ui.yearTo.validity.badInput;
    const count = (filters.language || []).length + (filters.doc_type || []).length + (years ? 1 : 0);
    ui.chip.hidden = count === 0;
    ui.clear.hidden = count === 0;
    ui.chip.textContent = count ? t("filterCount", { count }) : "";
    const described = describe(filters);
    if (described) ui.chip.setAttribute("title", described);
    else ui.chip.removeAttribute("title");
  }

  /**
   * {ok: true, filters} with only the keys that are set (filters null when none is), or {ok: false} after
   * showing why the year range cannot be sent; the panel is then opened on the input to fix.
   */
  function read() {
    const years = checkYears();
    if (!years.ok) {
      setOpen(true);
      years.input.focus();
      return { ok: false };
    }
    const filters = current();
    return { ok: true, filters: Object.keys(filters).length ? filters : null };
  }

  function clear() {
    for (const box of ui.panel.querySelectorAll("input[type=checkbox]")) box.checked = false;
    ui.yearFrom.value = "";
    ui.yearTo.value = "";
    showYearsError("", []);
    updateSummary();
    ui.toggle.focus(); // the clear button hides itself: focus must not fall to the page
  }

  ui.yearsHint.textContent = t("yearsHint", { min: YEAR_MIN, max: YEAR_MAX });
  ui.toggle.addEventListener("click", () => setOpen(ui.panel.hidden));
  ui.clear.addEventListener("click", clear);
  ui.panel.addEventListener("change", (event) => {
    if (event.target === ui.yearFrom || event.target === ui.yearTo) checkYears();
    updateSummary();
  });
  ui.panel.addEventListener("input", (event) => {
    // While a message shows, it follows the typing, so it goes away as soon as the range is right.
    if ((event.target === ui.yearFrom || event.target === ui.yearTo) && !ui.yearsError.hidden) checkYears();
    updateSummary();
  });
  ui.panel.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.stopPropagation(); // Escape here closes the filters, not the source panel
    setOpen(false);
    ui.toggle.focus();
  });
  return { setDocuments, read, describe };
}

export { mount, YEAR_MIN, YEAR_MAX, DOC_TYPES };
