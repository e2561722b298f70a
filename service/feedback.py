"""Thumbs up/down on answers, kept on the server and exported as evaluation data.

Each vote is one line of KAZDE_DATA_DIR/feedback.jsonl, appended under an exclusive lock so that the
workers of a deployment never interleave lines. The export is JSON Lines in the question-file format
(../shared/CONTRACT.md): a thumbs-up answer's cited documents become its `gold_docs` and its quotes its
`answers`; a thumbs-down has no gold to offer and is exported with `"review": true` for a person to label.
"""

from __future__ import annotations

import fcntl
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RATINGS = ("up", "down")
# A vote is open to every user of the page, unauthenticated: each field is capped near what an answer holds,
# so one vote stays a few KB (the request body itself is capped at MAX_BODY_BYTES).
MAX_QUESTION_CHARS = 2000  # as /api/ask
MAX_ANSWER_CHARS = 6000
MAX_QUOTE_CHARS = 1000
MAX_DOC_ID_CHARS = 300
MAX_CITATIONS = 20
MAX_BODY_BYTES = 64 * 1024


class FeedbackStore:
    """Appends votes to one JSON Lines file and reads them back."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, vote: dict[str, Any]) -> str:
        """Store a validated vote; its id."""
        record = {"id": f"fb-{uuid.uuid4().hex[:12]}", "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        record |= vote
        line = json.dumps(record, ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            f.write(line)
            f.flush()
        return str(record["id"])

    def votes(self) -> Iterator[dict[str, Any]]:
        """Every stored vote, oldest first (a line that does not parse is skipped)."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as f:
            for line in f:
                try:
                    yield json.loads(line)
                except ValueError:
                    continue

    def export(self) -> Iterator[str]:
        """The votes as question-file lines."""
        for v in self.votes():
            citations = v.get("citations") or []
            up = v.get("rating") == "up"
            row = {
                "id": v["id"],
                "question": v.get("question", ""),
                "gold_docs": sorted({c["doc_id"] for c in citations}) if up else [],
                "answers": [c["quote"] for c in citations if c.get("quote")] if up else [],
                "rating": v.get("rating"),
                "answer": v.get("answer", ""),
                "query": v.get("query", ""),
                "at": v.get("at"),
            }
            if not up:
                row["review"] = True
            yield json.dumps(row, ensure_ascii=False) + "\n"


def validate_vote(body: dict[str, Any]) -> dict[str, Any] | str:
    """The vote to store, or what is wrong with the request."""
    rating = body.get("rating")
    if rating not in RATINGS:
        return "rating must be 'up' or 'down'"
    question = body.get("question")
    if not isinstance(question, str) or not question.strip():
        return "question must be a non-empty string"
    answer = body.get("answer", "")
    query = body.get("query", "")
    if not isinstance(answer, str) or not isinstance(query, str):
        return "answer and query must be strings"
    if max(len(question), len(query)) > MAX_QUESTION_CHARS or len(answer) > MAX_ANSWER_CHARS:
        return f"question and query are limited to {MAX_QUESTION_CHARS} characters, answer to {MAX_ANSWER_CHARS}"
    raw = body.get("citations", [])
    if not isinstance(raw, list) or len(raw) > MAX_CITATIONS:
        return f"citations must be a list of at most {MAX_CITATIONS} objects"
    citations = []
    for c in raw:
        if not isinstance(c, dict) or not isinstance(c.get("doc_id"), str):
            return "each citation needs a doc_id"
        quote = c.get("quote", "")
        if len(c["doc_id"]) > MAX_DOC_ID_CHARS or (isinstance(quote, str) and len(quote) > MAX_QUOTE_CHARS):
            return f"a citation's doc_id is limited to {MAX_DOC_ID_CHARS} characters, its quote to {MAX_QUOTE_CHARS}"
        page = c.get("page")
        citations.append(
            {
                "n": c.get("n") if isinstance(c.get("n"), int) and not isinstance(c.get("n"), bool) else None,
                "doc_id": c["doc_id"],
                "page": page if isinstance(page, int) and not isinstance(page, bool) else None,
                "quote": quote if isinstance(quote, str) else "",
            }
        )
    return {"rating": rating, "question": question, "answer": answer, "query": query, "citations": citations}
