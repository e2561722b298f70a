"""The face of Kazde: the HTTP service, the `kazde` command, answering."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Lazy, so that `kazde ingest` (service.cli) does not load Flask and the answering stack it never uses.
    if name == "create_app":
        from service.app import create_app

        return create_app
    raise AttributeError(f"module 'service' has no attribute {name!r}")
