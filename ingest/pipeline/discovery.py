"""Discovery: the files under the paths of a run, each with its document id (its path under the root)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ingest.pipeline.report import IngestError


@dataclass(frozen=True)
class SourceFile:
    doc_id: str
    path: Path
    root: str


def discover(paths: Iterable[Path]) -> tuple[list[SourceFile], dict[str, str], list[str]]:
    """Files under the given paths, ids colliding within the run, and the roots that were walked."""
    files: dict[str, SourceFile] = {}
    clashes: dict[str, str] = {}
    roots: list[str] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise IngestError(f"no such file or folder: {raw}")
        root = path.resolve()
        roots.append(str(root))
        if root.is_file():
            found = [(root.name, root)]
        else:
            found = sorted(_walk(root))
        for doc_id, file_path in found:
            if doc_id in files and files[doc_id].path != file_path:
                clashes[doc_id] = f"doc id already taken by {files[doc_id].path} in this run"
                continue
            files[doc_id] = SourceFile(doc_id, file_path, str(root))
    return list(files.values()), clashes, roots


def _walk(root: Path) -> Iterable[tuple[str, Path]]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            if path.is_file():
                yield path.relative_to(root).as_posix(), path
