// The page's interface language, chosen once from the browser's languages (web/static/i18n.js), and its t().

import { pickLanguage, translator } from "./i18n.js";

const browserLanguages = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];

export const uiLang = pickLanguage(browserLanguages);
export const t = translator(uiLang);
