"""Names a question asks about that no passage mentions: the extractive answerer abstains and says which."""

from __future__ import annotations

from service.qa.answering import ExtractiveAnswerer
from service.qa.coverage import names_in, unmentioned_names
from service.qa.ranking import pair_offset
from service.qa.tuning import DEFAULT_TUNING
from tests.conftest import post_json
from tests.test_answering import _passage

STUDENTS = "Der DAAD ermöglicht jedes Jahr rund 90 Studierenden aus Kasachstan einen Studienaufenthalt in Deutschland."


def test_names_are_latin_acronyms_and_latin_words_in_a_cyrillic_question() -> None:
    assert names_in("Wie viele DAAD-Stipendiaten gab es 2019?") == ["DAAD"]
    assert names_in("Сколько студентов приехало по программе Erasmus+ в 2020 году?") == ["Erasmus+"]
    # Ordinary capitalised words (German nouns, sentence starts) and Cyrillic acronyms are not checked.
    assert names_in("Wann wurde das Goethe-Institut in Almaty eröffnet?") == []
    assert names_in("Когда ФРГ признала независимость Казахстана?") == []


def test_a_name_is_mentioned_across_scripts_and_small_spelling_differences() -> None:
    texts = ["Die OSZE tagte 2010 in Astana.", "По программе «Эразмус» учились 40 студентов."]
    assert unmentioned_names("What did the OSCE decide in Astana?", texts) == []
    assert unmentioned_names("Сколько студентов училось по программе Erasmus?", texts) == []
    assert unmentioned_names("Who funds the PASCH schools and the DAAD?", texts) == ["PASCH", "DAAD"]


def test_a_strong_match_that_never_names_what_is_asked_about_is_an_abstention() -> None:
    answerer = ExtractiveAnswerer()
    passages = [_passage("a.txt", STUDENTS, 2.0)]
    assert not answerer.answer("Wie viele Studierende schickt der DAAD?", passages, "de").abstained
    answer = answerer.answer("Сколько студентов приехало в Казахстан по программе Erasmus+?", passages, "ru")
    assert answer.abstained and not answer.citations
    assert answer.text.startswith("В проиндексированных документах не упоминается “Erasmus+”.")


def test_a_sentence_in_another_language_gains_the_measured_gap_share() -> None:
    def offset(question_language: str, passage_language: str) -> float:
        return pair_offset(question_language, passage_language, DEFAULT_TUNING)

    assert offset("ru", "ru") == 0.0
    assert offset("ru", "de") > 0 and offset("de", "ru") > offset("de", "en") > 0
    assert offset("kk", "ru") == offset("ru", "kk") == 0.0  # unmeasured pairs are left as scored


def test_the_service_says_the_documents_never_mention_an_unknown_programme(live_server) -> None:
    question = "Сколько немецких студентов приехало в Казахстан по программе Erasmus+ в 2020 году?"
    status, body = post_json(live_server + "/api/ask", {"question": question})
    assert status == 200 and body["abstained"] and body["citations"] == []
    assert "“Erasmus+”" in body["answer"] and body["passages"], body
