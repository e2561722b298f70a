"""Streaming (Server-Sent Events), follow-up questions, and the fallback when the generative model fails."""

from __future__ import annotations

import json
import socket
import threading
import urllib.request

import pytest

from service import create_app
from service.settings import Settings

QUESTION = "Wann trat das Kulturabkommen zwischen Deutschland und Kasachstan in Kraft?"


def events(base: str, body: dict) -> list[tuple[str, dict]]:
    """The (event, data) pairs of one streamed answer, read from the real server."""
    req = urllib.request.Request(
        base + "/api/ask/stream", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=120) as res:
        assert res.headers["Content-Type"].startswith("text/event-stream")
        raw = res.read().decode()
    out = []
    for block in raw.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_the_stream_sends_tokens_then_the_same_object_as_api_ask(live_server) -> None:
    got = events(live_server, {"question": QUESTION})
    kinds = [e for e, _ in got]
    assert kinds[-1] == "final" and set(kinds[:-1]) == {"token"} and kinds.count("token") >= 1
    final = got[-1][1]
    assert "".join(d["text"] for e, d in got[:-1]) == final["answer"]
    req = urllib.request.Request(
        live_server + "/api/ask",
        data=json.dumps({"question": QUESTION}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as res:
        plain = json.loads(res.read())
    assert {k: v for k, v in final.items() if k != "passages"} == {k: v for k, v in plain.items() if k != "passages"}


def test_a_bad_streamed_request_is_a_plain_json_400(live_server) -> None:
    req = urllib.request.Request(
        live_server + "/api/ask/stream", data=b'{"question": ""}', headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=30)
    assert err.value.code == 400 and json.loads(err.value.read())["error"] == "empty_question"


def test_a_follow_up_is_searched_with_what_the_conversation_was_about(live_server) -> None:
    history = [
        {"role": "user", "content": "Wann wurde das Goethe-Institut in Almaty eröffnet?"},
        {"role": "assistant", "content": "Am 7. September 1994 [1]."},
    ]
    got = events(live_server, {"question": "Und wer war der erste Leiter?", "history": history})
    final = got[-1][1]
    assert final["query"] != "Und wer war der erste Leiter?"
    assert "goethe" in final["query"].lower()
    assert any("Goethe" in p["doc_id"] for p in final["passages"][:3])


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_server():
    """A real TCP server that accepts connections and never answers: an LLM that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    server.close()


@pytest.mark.parametrize("case", ["unreachable", "hangs"])
def test_a_failing_llm_gives_the_extractive_answer_with_a_notice(indexed_corpus, silent_server, case) -> None:
    port = _closed_port() if case == "unreachable" else silent_server
    settings = Settings(
        data_dir=indexed_corpus, llm_base_url=f"http://127.0.0.1:{port}/v1", llm_model="m", llm_timeout_s=2
    )
    client = create_app(settings).test_client()
    res = client.post("/api/ask", json={"question": QUESTION})
    assert res.status_code == 200
    body = res.get_json()
    assert not body["abstained"] and body["citations"], "the extractive answer is given"
    assert "unavailable" in body["notice"] and "extractive answer" in body["notice"]
    extractive = (
        create_app(Settings(data_dir=indexed_corpus)).test_client().post("/api/ask", json={"question": QUESTION})
    )
    assert body["answer"] == extractive.get_json()["answer"]
