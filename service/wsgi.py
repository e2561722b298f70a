"""The one module-level app, for WSGI servers (`waitress-serve service.wsgi:app`, gunicorn)."""

from service.app import create_app

app = create_app()
