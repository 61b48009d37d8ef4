"""The WSGI application (``powerkam serve`` runs it under gunicorn; any WSGI server can).

Each server process imports the URLconf (every view) and the apps' contributions to the shared pages
(panels, tiles, work-list and inbox sources) when it starts, not on its first request: both are loaded
lazily so that commands start fast (docs/architecture.md), and the first user of each process would
otherwise wait seconds for the imports.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "powerkam.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    from django.urls import get_resolver

    from powerkam.core.contributions import load

    get_resolver().url_patterns  # noqa: B018  (imports every view)
    load()


_warm_up()
