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

# A vote is open to every user of the page, unauthenticated: its fields are capped by the contract
# (service/http/contract.py, FeedbackRequest) and the request body itself at MAX_BODY_BYTES.
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
