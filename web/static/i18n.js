// Interface strings of the chat page, one table per language. The page picks the first of the browser's
// languages (navigator.languages) that has a table, and English when none does. "{name}" is a placeholder
// that t() fills in; the values are plain text and are only ever set with textContent. A value with plural
// forms ({one, few, many, other}, the categories of Intl.PluralRules) is chosen by its {count}.
"use strict";

(() => {
  const STRINGS = {
    en: {
      skipToQuestion: "Skip to the question",
      tagline: "Kazakh–German cooperation, answered from the sources",
      newConversation: "New conversation",
      corpusCount: "{count} documents",
      conversationLabel: "Conversation",
      welcomeTitle: "Ask about Kazakh–German cooperation",
      welcomeText: "Treaties, institutions, people and history. Every answer quotes the documents and cites its passages.",
      examplesLabel: "Example questions",
      examples: [
        "When did the Goethe-Institut open in Almaty?",
        "When was the German-Kazakh University founded?",
        "What does the 1994 cultural agreement provide for?",
      ],
      questionLabel: "Your question",
      placeholder: "Ask a question…",
      send: "Send",
      sending: "Sending…",
      hint: "Enter sends · Shift+Enter adds a line",
      you: "You",
      assistant: "Kazde",
      thinking: "Searching the documents…",
      noAnswer: "No answer in the documents",
      closestPassages: "Closest passages",
      sources: "Sources",
      citationAria: "Citation {n}: {title}",
      openPassageAria: "Open passage: {title}",
      sourcePanelHeading: "Source",
      sourcePanelEmpty: "Select a numbered citation in an answer to read the passage it quotes.",
      closePanel: "Close",
      citationKicker: "Citation [{n}]",
      passageKicker: "Closest passage {n}",
      page: "Page {page}",
      relevance: "relevance {score}",
      openDocAtPage: "Open document at page {page}",
      openDoc: "Open document",
      sourceLink: "Source",
      quoteNotLocated: "The quoted sentence could not be located in this passage; it reads:",
      errorTitle: "Something went wrong",
      networkError: "The server could not be reached. Check that Kazde is running and try again.",
      badResponse: "The server sent an unexpected response ({status}).",
      retry: "Try again",
      notice: "Note",
      searchedFor: "Searched for: {query}",
      droppedSentences: "{count} sentence(s) removed: their sources did not support them.",
      filters: "Filters",
      filterCount: { one: "{count} filter", other: "{count} filters" },
      filtersActive: "Active filters: {list}",
      clearFilters: "Clear filters",
      filterLanguages: "Language of the sources",
      filterTypes: "Document type",
      filterYears: "Years mentioned",
      yearFrom: "From",
      yearTo: "To",
      yearsHint: "Only passages that mention a year in this range ({min}–{max}).",
      yearInvalid: "“{field}” must be a whole year from {min} to {max}.",
      yearOrder: "“From” ({from}) must not be later than “To” ({to}).",
      yearBetween: "{from}–{to}",
      yearSince: "from {from}",
      yearUntil: "until {to}",
      languageNames: { en: "English", de: "German", ru: "Russian", kk: "Kazakh" },
      docTypes: { treaty: "Treaties", reference: "Reference works", news: "News", article: "Articles" },
    },
    de: {
      skipToQuestion: "Zur Frage springen",
      tagline: "Deutsch-kasachische Zusammenarbeit, beantwortet aus den Quellen",
      newConversation: "Neues Gespräch",
      corpusCount: "{count} Dokumente",
      conversationLabel: "Gespräch",
      welcomeTitle: "Fragen Sie zur deutsch-kasachischen Zusammenarbeit",
      welcomeText:
        "Abkommen, Institutionen, Menschen und Geschichte. Jede Antwort zitiert die Dokumente und belegt ihre Passagen.",
      examplesLabel: "Beispielfragen",
      examples: [
        "Wann trat das Kulturabkommen von 1994 in Kraft?",
        "Wann wurde die Deutsch-Kasachische Universität gegründet?",
        "Wann eröffnete das Goethe-Institut in Almaty?",
      ],
      questionLabel: "Ihre Frage",
      placeholder: "Stellen Sie eine Frage…",
      send: "Senden",
      sending: "Wird gesendet…",
      hint: "Enter sendet · Umschalt+Enter für eine neue Zeile",
      you: "Sie",
      assistant: "Kazde",
      thinking: "Die Dokumente werden durchsucht…",
      noAnswer: "Keine Antwort in den Dokumenten",
      closestPassages: "Nächstliegende Passagen",
      sources: "Quellen",
      citationAria: "Beleg {n}: {title}",
      openPassageAria: "Passage öffnen: {title}",
      sourcePanelHeading: "Quelle",
      sourcePanelEmpty: "Wählen Sie einen nummerierten Beleg in einer Antwort, um die zitierte Passage zu lesen.",
      closePanel: "Schließen",
      citationKicker: "Beleg [{n}]",
      passageKicker: "Nächstliegende Passage {n}",
      page: "Seite {page}",
      relevance: "Relevanz {score}",
      openDocAtPage: "Dokument auf Seite {page} öffnen",
      openDoc: "Dokument öffnen",
      sourceLink: "Quelle",
      quoteNotLocated: "Das Zitat wurde in dieser Passage nicht gefunden; es lautet:",
      errorTitle: "Etwas ist schiefgegangen",
      networkError: "Der Server ist nicht erreichbar. Prüfen Sie, ob Kazde läuft, und versuchen Sie es erneut.",
      badResponse: "Der Server hat unerwartet geantwortet ({status}).",
      retry: "Erneut versuchen",
      notice: "Hinweis",
      searchedFor: "Gesucht nach: {query}",
      droppedSentences: "{count} Satz/Sätze entfernt: Die Quellen stützten sie nicht.",
      filters: "Filter",
      filterCount: { one: "{count} Filter", other: "{count} Filter" },
      filtersActive: "Aktive Filter: {list}",
      clearFilters: "Filter zurücksetzen",
      filterLanguages: "Sprache der Quellen",
      filterTypes: "Dokumenttyp",
      filterYears: "Erwähnte Jahre",
      yearFrom: "Von",
      yearTo: "Bis",
      yearsHint: "Nur Passagen, die ein Jahr in diesem Bereich erwähnen ({min}–{max}).",
      yearInvalid: "„{field}“ muss ein ganzes Jahr von {min} bis {max} sein.",
      yearOrder: "„Von“ ({from}) darf nicht nach „Bis“ ({to}) liegen.",
      yearBetween: "{from}–{to}",
      yearSince: "ab {from}",
      yearUntil: "bis {to}",
      languageNames: { en: "Englisch", de: "Deutsch", ru: "Russisch", kk: "Kasachisch" },
      docTypes: { treaty: "Abkommen", reference: "Nachschlagewerke", news: "Nachrichten", article: "Artikel" },
    },
    ru: {
      skipToQuestion: "Перейти к вопросу",
      tagline: "Казахстанско-германское сотрудничество: ответы из источников",
      newConversation: "Новый разговор",
      corpusCount: "Документов: {count}",
      conversationLabel: "Разговор",
      welcomeTitle: "Спросите о казахстанско-германском сотрудничестве",
      welcomeText:
        "Договоры, учреждения, люди и история. Каждый ответ цитирует документы и ссылается на фрагменты.",
      examplesLabel: "Примеры вопросов",
      examples: [
        "Когда открылся Гёте-институт в Алматы?",
        "Когда был основан Казахстанско-Немецкий университет?",
        "Что предусматривает соглашение о культурном сотрудничестве 1994 года?",
      ],
      questionLabel: "Ваш вопрос",
      placeholder: "Задайте вопрос…",
      send: "Отправить",
      sending: "Отправка…",
      hint: "Enter — отправить · Shift+Enter — новая строка",
      you: "Вы",
      assistant: "Kazde",
      thinking: "Поиск по документам…",
      noAnswer: "В документах нет ответа",
      closestPassages: "Ближайшие фрагменты",
      sources: "Источники",
      citationAria: "Ссылка {n}: {title}",
      openPassageAria: "Открыть фрагмент: {title}",
      sourcePanelHeading: "Источник",
      sourcePanelEmpty: "Выберите номер ссылки в ответе, чтобы прочитать цитируемый фрагмент.",
      closePanel: "Закрыть",
      citationKicker: "Ссылка [{n}]",
      passageKicker: "Ближайший фрагмент {n}",
      page: "Страница {page}",
      relevance: "релевантность {score}",
      openDocAtPage: "Открыть документ на странице {page}",
      openDoc: "Открыть документ",
      sourceLink: "Источник",
      quoteNotLocated: "Цитата не найдена в этом фрагменте; её текст:",
      errorTitle: "Произошла ошибка",
      networkError: "Не удалось связаться с сервером. Проверьте, что Kazde запущен, и попробуйте снова.",
      badResponse: "Сервер прислал неожиданный ответ ({status}).",
      retry: "Повторить",
      notice: "Примечание",
      searchedFor: "Поисковый запрос: {query}",
      droppedSentences: "Удалено предложений: {count} (источники их не подтвердили).",
      filters: "Фильтры",
      filterCount: { one: "{count} фильтр", few: "{count} фильтра", many: "{count} фильтров", other: "{count} фильтра" },
      filtersActive: "Активные фильтры: {list}",
      clearFilters: "Сбросить фильтры",
      filterLanguages: "Язык источников",
      filterTypes: "Тип документа",
      filterYears: "Упомянутые годы",
      yearFrom: "С",
      yearTo: "По",
      yearsHint: "Только фрагменты, где упоминается год из этого диапазона ({min}–{max}).",
      yearInvalid: "«{field}»: укажите целый год от {min} до {max}.",
      yearOrder: "Год «С» ({from}) не может быть позже года «По» ({to}).",
      yearBetween: "{from}–{to}",
      yearSince: "с {from}",
      yearUntil: "по {to}",
      languageNames: { en: "Английский", de: "Немецкий", ru: "Русский", kk: "Казахский" },
      docTypes: { treaty: "Договоры", reference: "Справочные материалы", news: "Новости", article: "Статьи" },
    },
    kk: {
      skipToQuestion: "Сұраққа өту",
      tagline: "Қазақстан–Германия ынтымақтастығы: жауаптар дереккөздерден",
      newConversation: "Жаңа әңгіме",
      corpusCount: "{count} құжат",
      conversationLabel: "Әңгіме",
      welcomeTitle: "Қазақстан–Германия ынтымақтастығы туралы сұраңыз",
      welcomeText:
        "Келісімдер, мекемелер, адамдар және тарих. Әр жауап құжаттардан дәйексөз келтіріп, үзінділерге сілтеме жасайды.",
      examplesLabel: "Сұрақ үлгілері",
      examples: [
        "Алматыдағы Гёте институты қашан ашылды?",
        "Қазақ-неміс университеті қашан құрылды?",
        "1994 жылғы мәдени ынтымақтастық туралы келісімде не қарастырылған?",
      ],
      questionLabel: "Сіздің сұрағыңыз",
      placeholder: "Сұрақ қойыңыз…",
      send: "Жіберу",
      sending: "Жіберілуде…",
      hint: "Enter — жіберу · Shift+Enter — жаңа жол",
      you: "Сіз",
      assistant: "Kazde",
      thinking: "Құжаттардан ізделуде…",
      noAnswer: "Құжаттарда жауап жоқ",
      closestPassages: "Ең жақын үзінділер",
      sources: "Дереккөздер",
      citationAria: "{n}-сілтеме: {title}",
      openPassageAria: "Үзіндіні ашу: {title}",
      sourcePanelHeading: "Дереккөз",
      sourcePanelEmpty: "Дәйексөз алынған үзіндіні оқу үшін жауаптағы нөмірлі сілтемені таңдаңыз.",
      closePanel: "Жабу",
      citationKicker: "[{n}] сілтеме",
      passageKicker: "Жақын үзінді {n}",
      page: "{page}-бет",
      relevance: "сәйкестік {score}",
      openDocAtPage: "Құжатты {page}-беттен ашу",
      openDoc: "Құжатты ашу",
      sourceLink: "Дереккөз",
      quoteNotLocated: "Дәйексөз бұл үзіндіден табылмады; оның мәтіні:",
      errorTitle: "Қате орын алды",
      networkError: "Серверге қосылу мүмкін болмады. Kazde іске қосылғанын тексеріп, қайталап көріңіз.",
      badResponse: "Сервер күтпеген жауап жіберді ({status}).",
      retry: "Қайталау",
      notice: "Ескерту",
      searchedFor: "Іздеу сұрауы: {query}",
      droppedSentences: "{count} сөйлем алынып тасталды: дереккөздер оларды растамады.",
      filters: "Сүзгілер",
      filterCount: { one: "{count} сүзгі", other: "{count} сүзгі" },
      filtersActive: "Белсенді сүзгілер: {list}",
      clearFilters: "Сүзгілерді тазарту",
      filterLanguages: "Дереккөздердің тілі",
      filterTypes: "Құжат түрі",
      filterYears: "Аталған жылдар",
      yearFrom: "Бастап",
      yearTo: "Дейін",
      yearsHint: "Тек осы аралықтағы жыл аталған үзінділер ({min}–{max}).",
      yearInvalid: "«{field}»: {min}–{max} аралығындағы бүтін жылды енгізіңіз.",
      yearOrder: "«Бастап» жылы ({from}) «Дейін» жылынан ({to}) кеш болмауы керек.",
      yearBetween: "{from}–{to}",
      yearSince: "{from} жылдан бастап",
      yearUntil: "{to} жылға дейін",
      languageNames: { en: "Ағылшын тілі", de: "Неміс тілі", ru: "Орыс тілі", kk: "Қазақ тілі" },
      docTypes: { treaty: "Келісімдер", reference: "Анықтамалық материалдар", news: "Жаңалықтар", article: "Мақалалар" },
    },
  };

  const FALLBACK = "en";

  /** Each language's name for itself, shown beside the name in the interface language ("German · Deutsch"). */
  const ENDONYMS = Object.freeze({ en: "English", de: "Deutsch", ru: "Русский", kk: "Қазақша" });

  /** The first of the browser's languages that has strings ("de-AT" matches "de"), else English. */
  function pickLanguage(languages) {
    for (const tag of languages || []) {
      const primary = String(tag).toLowerCase().split("-")[0];
      if (Object.hasOwn(STRINGS, primary)) return primary;
    }
    return FALLBACK;
  }

  /** Whether a string's value is a set of plural forms ({one, few, many, other}) rather than a list or a map. */
  function isPlural(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value) && Object.hasOwn(value, "other");
  }

  /**
   * A translator for one language: t("page", {page: 3}); missing keys fall back to English. A string with
   * plural forms picks the one that the language's plural rules give for params.count.
   */
  function translator(lang) {
    const table = STRINGS[lang] || STRINGS[FALLBACK];
    const plurals = new Intl.PluralRules(Object.hasOwn(STRINGS, lang) ? lang : FALLBACK);
    return (key, params = {}) => {
      let template = Object.hasOwn(table, key) ? table[key] : STRINGS[FALLBACK][key];
      if (isPlural(template) && typeof params.count === "number") {
        const form = plurals.select(params.count);
        template = Object.hasOwn(template, form) ? template[form] : template.other;
      }
      if (typeof template !== "string") return template;
      return template.replace(/\{(\w+)\}/g, (whole, name) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
    };
  }

  window.KazdeI18n = Object.freeze({ STRINGS, FALLBACK, ENDONYMS, pickLanguage, translator });
})();
