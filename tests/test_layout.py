"""The floors of the house, read from the source: who may import whom (../shared/DESIGN.md, issue 19).

Every import statement of every module is parsed (top-level and inside functions alike) and checked against
the rules below; a new import that crosses a floor fails here with the file, the line and the rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = ("ingest", "vectorstore", "service", "bench", "reliability", "tests")
# The public faces: what one package may import of another. A package's own modules import each other freely.
FACES = {
    "ingest",
    "ingest.text",
    "vectorstore",
    "service",
    "service.qa",
    "service.http",
    "service.ops",
    "service.tools",
    "service.settings",
    "service.errors",
    "service.resources",
}
# package -> the packages of ours it may import (besides itself)
ALLOWED = {
    "ingest.text": set(),
    "ingest": {"ingest.text"},
    "vectorstore": {"ingest.text"},
    "service.qa": {"ingest", "ingest.text", "vectorstore", "service.settings", "service.errors", "service.resources"},
    "service.ops": {"ingest", "vectorstore", "service.qa", "service.settings", "service.errors", "service.resources"},
    "service.http": {"ingest", "vectorstore", "service.qa", "service.ops", "service.settings", "service.errors"},
    "service.tools": {"service.settings"},
}
FLASK = ("flask", "werkzeug")
# Only the HTTP face and the app around it may know Flask.
MAY_USE_FLASK = ("service/http/", "service/app.py", "service/wsgi.py", "service/serving.py", "service/cli.py")


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _package(module: str) -> str:
    """The package a module of ours belongs to, at the granularity the rules speak of."""
    for pkg in sorted(ALLOWED, key=len, reverse=True):
        if module == pkg or module.startswith(pkg + "."):
            return pkg
    return module.split(".")[0]  # the app, CLI, settings and errors of service/; bench; reliability


def _face(module: str) -> str | None:
    """The public face a cross-package import goes through, or None when it reaches past one."""
    return module if module in FACES else None


def _violations(folder: str) -> list[str]:
    out = []
    for path in _modules(folder):
        rel = path.relative_to(ROOT).as_posix()
        me = _package(rel[:-3].replace("/", ".").removesuffix(".__init__"))
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top in FLASK and not rel.startswith(MAY_USE_FLASK):
                out.append(f"{rel}:{line} imports {module}: only service/http and the app may know Flask")
            if top not in OURS:
                continue
            if top == "tests" and not rel.startswith("tests/"):
                out.append(f"{rel}:{line} imports {module}: test helpers are not a public face")
                continue
            theirs = _package(module)
            if theirs == me or (me in ALLOWED and module.startswith(me + ".")):
                continue
            if me in ALLOWED and theirs not in ALLOWED[me] and _face(module) not in ALLOWED[me]:
                out.append(f"{rel}:{line} imports {module}: {me} may import only {sorted(ALLOWED[me]) or 'nothing'}")
            elif _face(module) is None and not module.startswith(me + "."):
                out.append(f"{rel}:{line} imports {module}: past the public face (use one of {sorted(FACES)})")
    return out


@pytest.mark.parametrize("folder", ["ingest", "vectorstore", "service", "bench", "reliability"])
def test_each_floor_imports_only_the_faces_below_it(folder: str) -> None:
    assert _violations(folder) == []


def test_the_rules_catch_a_crossing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checker itself: a kernel that imports the store, a qa module that imports Flask and a benchmark that
    imports a private module and a test helper are all reported."""
    for rel, text in {
        "ingest/text/bad.py": "from vectorstore import Store\n",
        "service/qa/bad.py": "def f():\n    from flask import g\n",
        "bench/bad.py": "from service.qa.ranking import SentenceScorer\nfrom tests.conftest import free_port\n",
        "service/qa/ranking.py": "",
    }.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    found = _violations("ingest") + _violations("service") + _violations("bench")
    assert any("ingest/text/bad.py:1 imports vectorstore" in v for v in found), found
    assert any("service/qa/bad.py:2 imports flask" in v for v in found), found
    assert any("bench/bad.py:1 imports service.qa.ranking: past the public face" in v for v in found), found
    assert any("bench/bad.py:2 imports tests.conftest" in v for v in found), found
