"""The citation checker on crafted answers: wrong numbers, wrong passages, facts no passage states."""

from __future__ import annotations

import pytest

from service.qa.answering.citations import CitationChecker, Evidence, facts_occur, months, numbers, split_answer
from tests.conftest import MODELS_DIR

GOETHE = (
    "Das Goethe-Institut Kasachstan wurde am 7. September 1994 in Almaty eröffnet. Erster Leiter war Erhard "
    "Rathke. Heute lernen dort jedes Jahr rund 2.500 Menschen Deutsch."
)
DKU = (
    "Die Deutsch-Kasachische Universität in Almaty wurde 1999 gegründet. Sie bietet Studiengänge nach deutschem "
    "Vorbild an, unterstützt vom DAAD."
)


def test_numbers_ignore_thousands_separators_and_leading_zeros() -> None:
    assert numbers("800,000 people") == numbers("800 000 Menschen") == numbers("800000") == {"800000"}
    assert numbers("am 07.09.1994") == {"7", "1994"} and months("am 07.09.1994") == {9}
    assert numbers("26,7 %") == numbers("26.7%") == {"26", "7"}


def test_dates_match_across_languages_and_formats() -> None:
    passage = "Das Abkommen trat am 5. Juni 2003 in Kraft."
    assert facts_occur("The agreement entered into force on 5 June 2003.", passage)
    assert facts_occur("Соглашение вступило в силу 5 июня 2003 года.", passage)
    assert facts_occur("It entered into force on 5.6.2003.", passage)
    assert not facts_occur("It entered into force on 5 July 2003.", passage)
    assert not facts_occur("It entered into force in 2004.", passage)
    assert months("7 сентября") == months("7. September") == {9}


def test_answer_sentences_keep_their_markers_even_after_the_full_stop() -> None:
    text = "Das Institut wurde 1994 eröffnet [1]. Die DKU folgte 1999 [2][1]. Ohne Beleg. [3]"
    assert split_answer(text) == [
        ("Das Institut wurde 1994 eröffnet.", [1]),
        ("Die DKU folgte 1999.", [2, 1]),
        ("Ohne Beleg.", [3]),
    ]
    # A comma the model left before its marker does not stay before the full stop.
    assert split_answer("Erster Leiter war Erhard Rathke, [1].") == [("Erster Leiter war Erhard Rathke.", [1])]


@pytest.fixture(scope="module")
def checker(embedder):
    from ingest.text import scorable_sentences
    from service.qa.ranking import SentenceScorer
    from vectorstore import SentenceIndex, make_sentence_embedder

    def build(tmp):
        sentences = SentenceIndex(tmp / "s.sqlite", make_sentence_embedder(models_dir=MODELS_DIR), scorable_sentences)
        scorer = SentenceScorer(embedder[0], sentences)
        return CitationChecker(scorer.support, relevance=scorer.similarities)

    return build


EVIDENCE = [
    Evidence(n=1, passage=0, sentences=[GOETHE], excerpt=GOETHE),
    Evidence(n=2, passage=1, sentences=[DKU], excerpt=DKU),
]


def test_a_supported_sentence_with_the_right_citation_is_kept(checker, tmp_path) -> None:
    kept, report = checker(tmp_path).check("The Goethe-Institut opened in Almaty on 7 September 1994 [1].", EVIDENCE)
    assert [(k.text, k.n) for k in kept] == [("The Goethe-Institut opened in Almaty on 7 September 1994.", 1)]
    assert report.to_json() == {"checked": 1, "kept": 1, "recited": 0, "dropped": 0}


def test_a_sentence_citing_the_wrong_passage_is_recited_to_the_one_that_states_it(checker, tmp_path) -> None:
    kept, report = checker(tmp_path).check("Институт Гёте открылся в Алматы 7 сентября 1994 года [2].", EVIDENCE)
    assert [k.n for k in kept] == [1]
    assert report.to_json() == {"checked": 1, "kept": 0, "recited": 1, "dropped": 0}


def test_a_wrong_number_or_a_fact_no_passage_states_is_dropped(checker, tmp_path) -> None:
    answer = (
        "The German-Kazakh University was founded in 1999 [2]. "
        "The Goethe-Institut opened in Almaty on 7 September 1995 [1]. "
        "Berlin is the capital of Germany and has about 3.7 million inhabitants [1]. "
        "Football is the most popular sport in Kazakhstan [2]."
    )
    kept, report = checker(tmp_path).check(answer, EVIDENCE)
    assert [(k.text, k.n) for k in kept] == [("The German-Kazakh University was founded in 1999.", 2)]
    assert report.to_json() == {"checked": 4, "kept": 1, "recited": 0, "dropped": 3}
    assert "Football is the most popular sport in Kazakhstan." in report.dropped_sentences


def test_a_citation_to_a_passage_that_was_not_given_is_not_trusted(checker, tmp_path) -> None:
    kept, report = checker(tmp_path).check("The German-Kazakh University was founded in 1999 [7].", EVIDENCE)
    assert [k.n for k in kept] == [2]
    assert report.recited == 1


def test_a_true_sentence_that_does_not_answer_the_question_is_dropped(checker, tmp_path) -> None:
    """What a small model writes instead of an answer: a supported fact about something else, or the question."""
    question = "Wann wurde die Deutsch-Kasachische Universität gegründet?"
    answer = (
        "Die Deutsch-Kasachische Universität wurde 1999 gegründet [2]. "
        "Heute lernen am Goethe-Institut jedes Jahr rund 2.500 Menschen Deutsch [1]. "
        "Wann wurde die Deutsch-Kasachische Universität gegründet? [2]"
    )
    kept, report = checker(tmp_path).check(answer, EVIDENCE, question)
    assert [(k.text, k.n) for k in kept] == [("Die Deutsch-Kasachische Universität wurde 1999 gegründet.", 2)]
    assert report.to_json() == {"checked": 3, "kept": 1, "recited": 0, "dropped": 2}
    # Without the question the off-topic fact passes: it is stated by the passage it cites.
    kept, _ = checker(tmp_path).check(answer, EVIDENCE)
    assert "Heute lernen am Goethe-Institut jedes Jahr rund 2.500 Menschen Deutsch." in [k.text for k in kept]
