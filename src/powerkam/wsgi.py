"""The WSGI application (``powerkam serve`` runs it under gunicorn; any WSGI server can).

Each server process does, when it starts, what its first users would otherwise wait for (measured
under the load benchmark, docs/benchmarks.md "Load, findings"):

- imports the URLconf (every view) and the apps' contributions to the shared pages (panels, tiles,
  work-list and inbox sources): both load lazily so that commands start fast (docs/architecture.md);
- builds the URL resolver's reverse table in each language (Django builds it on the first ``{% url %}``
  of each language: ~0.4–0.8 s of CPU per process for PowerKAM's 600 patterns);
- compiles every PowerKAM template into the cached loader (a first render otherwise parses it);
- opens the 360 page's store database and loads what its store reads load lazily (~1.2 s);
- then freezes everything it holds out of the garbage collector's reach (``gc.freeze()``): a warm
  process tracks ~370,000 objects, and each full collection walked them all — 0.3–0.5 s with every
  thread of the process stopped, at random moments under load. Frozen objects are never collected
  (they live as long as the process anyway); what requests allocate is collected as usual.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "powerkam.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    from pathlib import Path

    from django.apps import apps
    from django.conf import settings
    from django.template import TemplateDoesNotExist, TemplateSyntaxError
    from django.template.loader import get_template
    from django.urls import get_resolver, reverse
    from django.utils import translation

    from powerkam.accounts.selectors import store_cursor
    from powerkam.analytics import account_bills
    from powerkam.core.contributions import load

    get_resolver().url_patterns  # noqa: B018  (imports every view)
    load()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            reverse("home")
    for config in apps.get_app_configs():
        if not config.name.startswith("powerkam."):
            continue
        root = Path(config.path) / "templates"
        for path in sorted(root.rglob("*.html")) if root.is_dir() else ():
            try:
                get_template(path.relative_to(root).as_posix())
            except (TemplateDoesNotExist, TemplateSyntaxError):  # shadowed by another app's: left to Django
                continue
    with store_cursor():
        pass
    account_bills.warm_up()
    gc.collect()
    gc.freeze()


_warm_up()
