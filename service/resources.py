"""What the package carries: the chat page, the prompt templates and the bundled corpus.

They are the repository's top-level folders `web/`, `prompts/` and `data/`, installed as the package data
`service.web`, `service.prompts` and `service.data` (pyproject.toml maps them), so a checkout, an editable
install and a wheel all find them the same way: through importlib.resources, never through a path relative
to this file. setuptools installs packages as plain folders, which Flask and the loaders need.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _folder(package: str) -> Path:
    found = files(package)
    if not isinstance(found, Path):  # a zip import: Kazde's data must be plain files
        raise RuntimeError(f"{package} is not installed as a folder ({found!r}); reinstall Kazde with pip")
    return found


WEB = _folder("service.web")  # templates/ and static/
PROMPTS = _folder("service.prompts")  # the prompt templates, one file per purpose
BUNDLED_CORPUS = _folder("service.data") / "corpus"  # what `kazde ingest` indexes when given no path
