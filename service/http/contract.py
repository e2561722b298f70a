"""The HTTP API's contract, written once: pydantic models of every request and response body.

Requests are validated by these models (`parse_ask`, `parse_feedback`), and a failure becomes the stable error
code of the field that failed (../shared/CONTRACT.md: `{"error": code, "message": text}`); /openapi.json is
generated from the same models (service/http/openapi.py), so the limits in the document are the limits the
service applies.
Response models describe what the routes send (they allow more fields than they name, so that adding one is
not a break); tests and schemathesis check real responses against them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from ingest import DOC_TYPES
from service.errors import BadRequest
from service.qa import DEFAULT_K, MAX_K

MAX_QUESTION_CHARS = 2000
MAX_HISTORY = 20
MAX_TURN_CHARS = 8000  # one history turn: a question, or an answer with its quotes
MAX_FILTER_VALUES = 100  # per list filter; an index holds far fewer languages and types, and a page asks for few ids
MAX_FILTER_CHARS = 300  # per value
YEARS = (0, 9999)  # the years a filter may name

# Feedback: open to every user of the page, unauthenticated, so each field is capped near what an answer holds.
MAX_ANSWER_CHARS = 6000
MAX_QUOTE_CHARS = 1000
MAX_DOC_ID_CHARS = 300
MAX_CITATIONS = 20


EMPTY_QUESTION = "'question' must be a non-empty string."
# A validator's own failure is a PydanticCustomError whose type is the API's error code.


# ---- requests ----

FilterValues = Annotated[
    list[Annotated[StrictStr, Field(max_length=MAX_FILTER_CHARS)]], Field(max_length=MAX_FILTER_VALUES)
]
Year = Annotated[StrictInt, Field(ge=YEARS[0], le=YEARS[1])]


class Filters(BaseModel):
    """Which passages may answer: languages, documents, document types, and years a passage mentions."""

    model_config = ConfigDict(extra="forbid")

    language: FilterValues | None = None
    doc_id: FilterValues | None = None
    doc_type: list[Literal[DOC_TYPES]] | None = Field(None, max_length=MAX_FILTER_VALUES)  # type: ignore[valid-type]
    year_from: Year | None = None
    year_to: Year | None = None

    @field_validator("year_to")
    @classmethod
    def _ordered(cls, year_to: int | None, info: ValidationInfo) -> int | None:
        year_from = info.data.get("year_from")
        if year_to is not None and year_from is not None and year_from > year_to:
            raise PydanticCustomError("invalid_filters", "'year_from' must not be after 'year_to'.")
        return year_to


FILTER_KEYS = tuple(Filters.model_fields)


class Turn(BaseModel):
    """One earlier turn of the conversation, for follow-up questions."""

    role: Literal["user", "assistant"]
    content: Annotated[StrictStr, Field(max_length=MAX_TURN_CHARS)]


class AskRequest(BaseModel):
    """POST /api/ask and /api/ask/stream."""

    question: Annotated[StrictStr, Field(min_length=1, max_length=MAX_QUESTION_CHARS)] = Field(
        description="Leading and trailing whitespace is removed before the limits apply."
    )
    k: Annotated[StrictInt, Field(ge=1, le=MAX_K)] = DEFAULT_K
    filters: Filters | None = None
    history: Annotated[list[Turn], Field(max_length=MAX_HISTORY)] = []

    @field_validator("question", mode="before")
    @classmethod
    def _question(cls, value: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise PydanticCustomError("empty_question", EMPTY_QUESTION)
        return value.strip()

    @field_validator("history", mode="before")
    @classmethod
    def _no_history(cls, value: Any) -> Any:
        return [] if value is None else value

    def filters_dict(self) -> dict[str, Any] | None:
        """The filters as retrieval takes them: only the keys that were sent."""
        return None if self.filters is None else self.filters.model_dump(exclude_unset=True)

    def history_list(self) -> list[dict[str, str]]:
        """The turns as the follow-up rewriting takes them."""
        return [t.model_dump() for t in self.history]


class FeedbackCitation(BaseModel):
    """A citation of the rated answer, as the page sends it back; odd `n`, `page` or `quote` values are dropped."""

    n: int | None = None
    doc_id: Annotated[StrictStr, Field(max_length=MAX_DOC_ID_CHARS)]
    page: int | None = None
    quote: Annotated[str, Field(max_length=MAX_QUOTE_CHARS)] = ""

    @field_validator("n", "page", mode="before")
    @classmethod
    def _whole_or_none(cls, value: Any) -> Any:
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @field_validator("quote", mode="before")
    @classmethod
    def _text_or_empty(cls, value: Any) -> Any:
        return value if isinstance(value, str) else ""


class FeedbackRequest(BaseModel):
    """POST /api/feedback: a thumbs up or down on an answer."""

    rating: Literal["up", "down"]
    question: Annotated[StrictStr, Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=r"\S")]
    answer: Annotated[StrictStr, Field(max_length=MAX_ANSWER_CHARS)] = ""
    query: Annotated[StrictStr, Field(max_length=MAX_QUESTION_CHARS)] = ""
    citations: Annotated[list[FeedbackCitation], Field(max_length=MAX_CITATIONS)] = []


# ---- responses ----


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorBody(_Open):
    """Every 4xx/5xx: a stable code and a message for people."""

    error: str
    message: str


class Citation(_Open):
    n: int
    doc_id: str
    title: str
    page: int | None
    section: str | None = Field(
        None,
        description="The heading the quote stands under, where the document has no pages (Word, OpenDocument, EPUB).",
    )
    ocr: float | None = Field(
        None, ge=0, le=1, description="The page is a scan read by OCR, with this mean word confidence (0 to 1)."
    )
    source: str | None
    quote: str
    passage: int | None = Field(None, description="Index into `passages` of the passage quoted.")


class Passage(_Open):
    doc_id: str
    title: str
    page: int | None
    section: str | None = Field(
        None, description="The heading the passage stands under, where the document has no pages."
    )
    ocr: float | None = Field(
        None, ge=0, le=1, description="The page is a scan read by OCR, with this mean word confidence (0 to 1)."
    )
    source: str | None = None
    language: str = ""
    text: str
    score: float


class CitationCheck(_Open):
    checked: int = 0
    kept: int = 0
    recited: int = 0
    dropped: int = 0


class AskResponse(_Open):
    """The answer, with [n] markers that name its citations, or an abstention with the closest passages."""

    answer: str
    abstained: bool
    query: str
    language: str = ""
    verbatim: bool = Field(
        False, description="The answer is quotes from the documents with [n] markers: show it as text, not Markdown."
    )
    notice: str | None = None
    citation_check: CitationCheck | None = None
    citations: list[Citation]
    passages: list[Passage]


class Health(_Open):
    status: Literal["ok"]
    chunks: int
    embedder: str


class Document(_Open):
    doc_id: str
    title: str
    language: str | None
    doc_type: str | None = None
    source: str | None
    pages: int | None
    chunks: int
    indexed_at: str | None
    status: Literal["indexed", "failed", "duplicate"]
    origin: Literal["upload", "folder"] = Field(
        "folder", description="An upload (Replace and Remove take its file too) or a document of an ingested folder."
    )
    reason: str | None = None
    duplicate_of: str | None = None
    problems: list[str] | None = None


class Documents(_Open):
    documents: list[Document]
    writes_enabled: bool


class Uploaded(_Open):
    saved: list[Any]
    rejected: list[Any]


class Removed(_Open):
    """What DELETE /api/documents/<doc_id> did."""

    doc_id: str
    passages: int
    file_removed: bool
    returns_on_reindex: bool = Field(
        description="The file stays in an ingested folder: the next ingest of that folder adds the document again."
    )
    duplicates: list[str]
    message: str


class JobAccepted(_Open):
    job_id: str


class Job(_Open):
    job_id: str
    state: Literal["queued", "running", "done", "failed"]
    progress: dict[str, Any]
    summary: dict[str, Any]
    error: str | None = None


class FeedbackStored(_Open):
    id: str


# ---- validation ----


def parse_ask(body: dict[str, Any]) -> AskRequest:
    """An /api/ask body as the model, or a 400 with the failing field's stable code."""
    try:
        return AskRequest.model_validate(body)
    except ValidationError as exc:
        raise _bad_ask(exc) from None


def _bad_ask(exc: ValidationError) -> BadRequest:
    # The first failure in the order of the fields, as the hand-written checks reported it.
    errors = sorted(exc.errors(), key=lambda e: list(AskRequest.model_fields).index(str(e["loc"][0])))
    err = errors[0]
    field = str(err["loc"][0])
    unknown = sorted({str(e["loc"][1]) for e in errors if e["loc"][0] == "filters" and e["type"] == "extra_forbidden"})
    if field == "filters" and unknown:  # an unknown filter is named first, as it is the likelier mistake
        return BadRequest(
            f"Unknown filter {', '.join(map(repr, unknown))}; known filters: {', '.join(FILTER_KEYS)}.",
            code="unknown_filter",
        )
    if err["type"] in ("empty_question", "invalid_filters"):
        return BadRequest(err["msg"], code=err["type"])
    if field == "question" and err["type"] == "string_too_long":  # over the limit once stripped
        length = len(str(err["input"]))
        message = f"'question' is {length} characters long; the limit is {MAX_QUESTION_CHARS}."
        return BadRequest(message, code="question_too_long")
    if field == "k":
        return BadRequest(f"'k' must be a whole number from 1 to {MAX_K}.", code="invalid_k")
    if field == "filters":
        return BadRequest(_filter_message(err), code="invalid_filters")
    if field == "history":
        message = (
            f"'history' must be a list of at most {MAX_HISTORY} turns, each "
            f'{{"role": "user"|"assistant", "content": str}} of at most {MAX_TURN_CHARS} characters.'
        )
        return BadRequest(message, code="invalid_history")
    return BadRequest(EMPTY_QUESTION, code="empty_question")  # missing, or not a string


def _filter_message(err: Any) -> str:
    loc = [str(x) for x in err["loc"][1:]]
    key = loc[0] if loc else ""
    if not key:
        return "'filters' must be an object."
    if key == "doc_type" and err["type"] == "literal_error":
        return f"Unknown document type {err['input']!r}; types: {', '.join(DOC_TYPES)}."
    if key in ("year_from", "year_to"):
        return f"Filter '{key}' must be a year, a whole number from {YEARS[0]} to {YEARS[1]}."
    return (
        f"Filter '{key}' must be a list of at most {MAX_FILTER_VALUES} strings of at most {MAX_FILTER_CHARS} "
        "characters."
    )


def parse_feedback(body: dict[str, Any]) -> FeedbackRequest:
    """A feedback body as the model, or a 400 invalid_feedback that says which field is wrong."""
    try:
        return FeedbackRequest.model_validate(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"]) or "body"
        raise BadRequest(f"{where}: {err['msg']}", code="invalid_feedback") from None
