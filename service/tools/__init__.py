"""Tools beside the service: the production launcher (`python -m service.tools.prod`: Chroma server, ingest,
gunicorn) and the local model's download (`python -m service.tools.local_model`). Loaded on first use, so that
`python -m` runs each module once."""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "service.tools.prod": ("DEFAULT_CHROMA_PORT", "chroma_alive", "gunicorn_command", "start_chroma"),
    "service.tools.local_model": ("MODELS", "LocalModel", "assemble", "default_dir", "sha256_of"),
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}
__all__ = sorted(_MODULE)


def __getattr__(name: str) -> Any:
    module = _MODULE.get(name)
    if module is None:
        raise AttributeError(f"module 'service.tools' has no attribute {name!r}")
    return getattr(import_module(module), name)
