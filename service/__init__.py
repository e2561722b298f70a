"""The face of Kazde: the HTTP service, the `kazde` command, answering."""

from service.app import create_app

__all__ = ["create_app"]
