"""What every answerer returns, and the interface it implements."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from service.qa.retrieval import Passage


@dataclass(frozen=True)
class Citation:
    """One [n] of an answer: the exact quote and where it stands."""

    n: int
    doc_id: str
    title: str
    page: int | None
    source: str
    quote: str
    passage: int  # index into the answer's passages
    section: str = ""  # the heading the quote stands under, where the document has no pages
    ocr: float | None = None  # the OCR confidence of its page, when the page is a scan

    def to_json(self) -> dict[str, Any]:
        """The API's citation object."""
        return {
            "n": self.n,
            "doc_id": self.doc_id,
            "title": self.title,
            "page": self.page,
            "section": self.section or None,
            "ocr": self.ocr,
            "source": self.source or None,
            "quote": self.quote,
            "passage": self.passage,
        }


@dataclass
class Answer:
    """An answer whose [n] markers refer to its citations, or an abstention."""

    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    notice: str | None = None
    check: dict[str, int] | None = None  # the citation checker's counts, for generated answers
    raw: str | None = None  # the model's reply before checking (logs and benchmarks; never sent)
    verbatim: bool = False  # the text is quotes from the documents and [n] markers: shown as text, never Markdown


class Answerer(Protocol):
    """Turns a question and its retrieved passages into an answer."""

    def answer(self, question: str, passages: list[Passage], language: str) -> Answer: ...


T = TypeVar("T")


def final(events: Iterable[object], kind: type[T]) -> T:
    """Run a stream of text pieces to its end and return its closing object of type `kind`."""
    last = None
    for event in events:
        if isinstance(event, kind):
            last = event
    if last is None:
        raise RuntimeError(f"the stream ended without a {kind.__name__}")
    return last
