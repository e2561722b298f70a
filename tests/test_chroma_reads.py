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
