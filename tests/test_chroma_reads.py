"""Reads from Chroma that race a writer: a transient "Error finding id" is read again, anything else is not."""

from __future__ import annotations

import pytest

from vectorstore.chroma import RETRIES, _retrying


class Flaky:
    """Fails `times` times with `message`, then returns "ok"; counts its calls."""

    def __init__(self, times: int, message: str) -> None:
        self.times, self.message, self.calls = times, message, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.times:
            raise RuntimeError(self.message)
        return "ok"


def test_a_read_that_races_a_delete_is_read_again() -> None:
    flaky = Flaky(2, "Error executing plan: Internal error: Error finding id")
    assert _retrying(flaky) == "ok" and flaky.calls == 3


def test_a_persistent_race_or_any_other_error_is_raised() -> None:
    always = Flaky(RETRIES + 1, "Error executing plan: Internal error: Error finding id")
    with pytest.raises(RuntimeError, match="Error finding id"):
        _retrying(always)
    assert always.calls == RETRIES + 1
    refused = Flaky(1, "[Errno 111] Connection refused")
    with pytest.raises(RuntimeError, match="Connection refused"):
        _retrying(refused)
    assert refused.calls == 1  # a server that is down is reported at once (a 503), never waited for


class MidDelete:
    """What a Chroma server answered in the reliability suite while a reindex deleted passages: the record's id,
    with None as its document (the traceback was an AttributeError on None.lower() in retrieval, a 500)."""

    def query(self, **_: object) -> dict:
        return {
            "ids": [["kept", "deleted"]],
            "documents": [["a passage", None]],
            "metadatas": [[{"doc_id": "a"}, None]],
            "distances": [[0.1, 0.2]],
        }

    def get(self, **_: object) -> dict:
        return {
            "ids": ["kept", "deleted"],
            "documents": ["a passage", None],
            "metadatas": [{"doc_id": "a"}, None],
            "embeddings": [[1.0, 0.0], [0.0, 1.0]],
        }


def test_a_passage_deleted_while_it_is_read_is_left_out() -> None:
    from vectorstore.chroma import Store

    client = type("Client", (), {"get_max_batch_size": lambda self: 100})()
    store = Store(client, MidDelete(), None, "stamp")  # type: ignore[arg-type]
    assert [h.id for h in store.search_vector([1.0, 0.0], k=2)] == ["kept"]
    assert [h.id for h, _ in store.get(["kept", "deleted"])] == ["kept"]
