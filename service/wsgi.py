"""The one module-level app, for WSGI servers (`waitress-serve service.wsgi:app`, gunicorn).

With KAZDE_WARM_UP=1 (service/tools/prod.py sets it) each worker loads the index and the models in the background as
it boots, so that no user's question waits for them.
"""

import logging
import threading

from service.app import create_app

app = create_app()  # Settings.from_env(): the app's settings are the environment's


def _warm_up() -> None:
    try:
        app.extensions["kazde"].ask("warm-up")
    except Exception as exc:  # an index not there yet is reported on the first real request
        logging.getLogger(__name__).warning("warm-up failed: %s", exc)


if app.extensions["kazde"].settings.warm_up:
    threading.Thread(target=_warm_up, name="kazde-warm-up", daemon=True).start()
