"""One contract: the served /openapi.json is generated from service/http/contract.py, requests are validated by the
same models, and real responses of the real server match the document (jsonschema, the reference validator),
with no field the document does not name."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from service.http import contract
from tests.test_api import call

UNANSWERABLE = "Wie viele Einwohner hat der Mars?"


@pytest.fixture(scope="module")
def document(live_server: str) -> dict[str, Any]:
    status, doc, _ = call(live_server, "/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.1")
    return doc


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = doc["components"]["schemas"][name]
    return schema


def _response_schema(doc: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    responses = doc["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} answered {status}, which the document does not list"
    return responses[str(status)]["content"]["application/json"]["schema"]


def _undeclared(doc: dict[str, Any], schema: dict[str, Any], value: Any, where: str = "") -> list[str]:
    """Fields of `value` that the schema does not name (a response may carry no field the document hides)."""
    schema = _resolve(doc, schema)
    if "anyOf" in schema:
        branches = [b for b in schema["anyOf"] if _resolve(doc, b).get("type") != "null"]
        return _undeclared(doc, branches[0], value, where) if value is not None and branches else []
    if isinstance(value, dict) and "properties" in schema:
        found = [f"{where}.{key}" for key in value if key not in schema["properties"]]
        for key, sub in value.items():
            if key in schema["properties"]:
                found += _undeclared(doc, schema["properties"][key], sub, f"{where}.{key}")
        return found
    if isinstance(value, list) and "items" in schema:
        return [f for i, item in enumerate(value) for f in _undeclared(doc, schema["items"], item, f"{where}[{i}]")]
    return []


def _check(doc: dict[str, Any], path: str, method: str, status: int, body: Any) -> None:
    schema = _response_schema(doc, path, method, status)
    jsonschema.Draft202012Validator({**schema, "components": doc["components"]}).validate(body)
    assert _undeclared(doc, schema, body) == [], f"{method.upper()} {path} {status}: fields the document omits"


def test_the_document_is_generated_from_the_contract_models(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    ask = schemas["AskRequest"]["properties"]
    assert ask["question"]["maxLength"] == contract.MAX_QUESTION_CHARS
    assert ask["k"]["maximum"] == contract.MAX_K and ask["k"]["minimum"] == 1
    assert schemas["Filters"]["additionalProperties"] is False
    assert set(schemas["Filters"]["properties"]) == set(contract.FILTER_KEYS)
    feedback = schemas["FeedbackRequest"]["properties"]
    assert feedback["question"]["maxLength"] == contract.MAX_QUESTION_CHARS
    assert feedback["answer"]["maxLength"] == contract.MAX_ANSWER_CHARS
    assert feedback["citations"]["maxItems"] == contract.MAX_CITATIONS
    jsonschema.Draft202012Validator.check_schema({"$defs": schemas})


def test_the_filters_the_contract_takes_are_those_retrieval_applies() -> None:
    from vectorstore import FILTER_KEYS

    assert contract.FILTER_KEYS == FILTER_KEYS


def test_the_limits_in_the_document_are_the_limits_the_service_applies(live_server: str) -> None:
    at_limit = ("Wann öffnete das Goethe-Institut in Almaty? " * 60)[: contract.MAX_QUESTION_CHARS - 1] + "?"
    assert len(at_limit) == contract.MAX_QUESTION_CHARS
    assert call(live_server, "/api/ask", {"question": at_limit, "k": contract.MAX_K})[0] == 200
    over = call(live_server, "/api/ask", {"question": at_limit + "x"})
    assert over[0] == 400 and over[1]["error"] == "question_too_long"
    assert call(live_server, "/api/ask", {"question": "Goethe", "k": contract.MAX_K + 1})[1]["error"] == "invalid_k"
    vote = {"rating": "up", "question": "q", "answer": "x" * (contract.MAX_ANSWER_CHARS + 1)}
    assert call(live_server, "/api/feedback", vote)[1]["error"] == "invalid_feedback"


def test_every_response_matches_the_document_and_names_no_hidden_field(
    live_server: str, document: dict[str, Any], answered
) -> None:
    question, _ = answered
    asks = [
        {"question": question},
        {"question": UNANSWERABLE, "k": 3},
        {"question": question, "filters": {"language": ["de"], "year_from": 1990, "year_to": 2024}},
        {"question": "Was ist das?", "history": [{"role": "user", "content": question}]},
    ]
    for body in asks:
        status, reply, _ = call(live_server, "/api/ask", body)
        assert status == 200, reply
        _check(document, "/api/ask", "post", status, reply)
    for body in ({"question": ""}, {"question": "Goethe", "filters": {"country": ["kz"]}}, {"question": "x", "k": 0}):
        status, reply, _ = call(live_server, "/api/ask", body)
        _check(document, "/api/ask", "post", status, reply)

    for path in ("/healthz", "/api/documents"):
        status, reply, _ = call(live_server, path)
        _check(document, path, "get", status, reply)
    status, reply, _ = call(live_server, "/api/jobs/0123456789abcdef")
    _check(document, "/api/jobs/{job_id}", "get", status, reply)
    status, reply, _ = call(live_server, "/documents/no-such-document.txt")
    _check(document, "/documents/{doc_id}", "get", status, reply)

    _, answer = answered
    vote = {"rating": "up", "question": question, "answer": answer["answer"], "citations": answer["citations"]}
    status, reply, _ = call(live_server, "/api/feedback", vote)
    assert status == 201, reply
    _check(document, "/api/feedback", "post", status, reply)
    status, reply, _ = call(live_server, "/api/feedback", {"rating": "sideways", "question": question})
    _check(document, "/api/feedback", "post", status, reply)
    for path, method in (("/api/reindex", "post"), ("/api/feedback.jsonl", "get")):
        status, reply, _ = call(live_server, path, {} if method == "post" else None, method=method.upper())
        _check(document, path, method, status, reply)  # writes are off on this server: 403, documented


def test_a_response_with_a_field_the_document_omits_is_caught(document: dict[str, Any]) -> None:
    schema = _response_schema(document, "/api/ask", "post", 200)
    passage = {"doc_id": "d", "title": "t", "page": None, "text": "x", "score": 0.5, "secret": 1}
    body = {"answer": "a", "abstained": True, "query": "q", "citations": [], "passages": [passage]}
    assert _undeclared(document, schema, body) == [".passages[0].secret"]
    with pytest.raises(jsonschema.ValidationError):
        _check(document, "/api/ask", "post", 200, {"answer": "a", "abstained": "no", "query": "q"})


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"question": "", "k": 0}, "empty_question"),  # the first field's failure is the one reported
        ({"question": "q", "k": 0, "filters": {"country": []}}, "invalid_k"),
        ({"question": "q", "filters": {"language": "de", "country": []}}, "unknown_filter"),
        ({"question": "q", "filters": {"year_from": 2001, "year_to": 2000}}, "invalid_filters"),
        ({"question": "q", "filters": {"year_from": 2001, "year_to": 2000, "country": []}}, "unknown_filter"),
        ({"question": "q", "filters": {"year_from": True}}, "invalid_filters"),
        (
            {"question": "q", "history": [{"role": "user", "content": "x" * (contract.MAX_TURN_CHARS + 1)}]},
            "invalid_history",
        ),
        ({"question": "q", "history": ["hello"]}, "invalid_history"),
    ],
)
def test_a_failing_field_gets_its_stable_code(body: dict[str, Any], code: str) -> None:
    from service.errors import BadRequest

    with pytest.raises(BadRequest) as caught:
        contract.parse_ask(body)
    assert caught.value.code == code and caught.value.message


def test_what_a_valid_ask_becomes() -> None:
    asked = contract.parse_ask(
        {"question": "  Wann?  ", "filters": {"language": ["de"]}, "history": None, "extra": "ignored"}
    )
    assert (asked.question, asked.k, asked.filters_dict(), asked.history_list()) == (
        "Wann?",
        contract.DEFAULT_K,
        {"language": ["de"]},
        [],
    )
    vote = contract.parse_feedback(
        {"rating": "up", "question": "q", "citations": [{"doc_id": "d", "n": True, "page": "3", "quote": 7}]}
    ).model_dump()
    assert vote["citations"] == [{"n": None, "doc_id": "d", "page": None, "quote": ""}]
