// Interface strings of the chat page, one table per language. The page picks the first of the browser's
// languages (navigator.languages) that has a table, and English when none does. "{name}" is a placeholder
// that t() fills in; the values are plain text and are only ever set with textContent.
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
    },
  };

  const FALLBACK = "en";

  /** The first of the browser's languages that has strings ("de-AT" matches "de"), else English. */
  function pickLanguage(languages) {
    for (const tag of languages || []) {
      const primary = String(tag).toLowerCase().split("-")[0];
      if (Object.hasOwn(STRINGS, primary)) return primary;
    }
    return FALLBACK;
  }

  /** A translator for one language: t("page", {page: 3}); missing keys fall back to English. */
  function translator(lang) {
    const table = STRINGS[lang] || STRINGS[FALLBACK];
    return (key, params = {}) => {
      const template = Object.hasOwn(table, key) ? table[key] : STRINGS[FALLBACK][key];
      if (typeof template !== "string") return template;
      return template.replace(/\{(\w+)\}/g, (whole, name) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
    };
  }

  window.KazdeI18n = Object.freeze({ STRINGS, FALLBACK, pickLanguage, translator });
})();
