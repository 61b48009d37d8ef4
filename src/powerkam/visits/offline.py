"""Offline visit capture (issue 19; docs/visits.md, "Offline capture"): the web app manifest, the
service worker and the words the page's script shows, in the user's language.

The service worker is a static file (``visits/sw.js``) served from ``/visits/sw.js`` rather than
``/static/…``: a worker controls only the pages under its own path, and the visit form lives under
``/visits/``. Both are served by PowerKAM itself (the intranet has no internet).
"""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def offline_strings() -> dict[str, str]:
    """What the offline script says, translated now (the page sends them as a JSON block)."""
    return {
        "title": _("Visits saved on this phone"),
        "offline": _("No connection: a visit you save now is kept on this phone and sent when you are back online."),
        "queued": _("Saved on this phone, will be sent"),
        "sending": _("Sending…"),
        "sent": pgettext("visit sent from the phone", "Sent"),
        "open": _("Open the visit"),
        "login": _("Log in again to send it"),
        "refused": _("Not accepted, kept on this phone:"),
        "other_user": _("Saved by another user on this phone; it is sent when they log in"),
        "saved": _("Saved on this phone. It will be sent when you are back online."),
    }


@require_GET
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    path = finders.find("visits/sw.js")
    if not path or isinstance(path, list):
        raise Http404
    with open(path, encoding="utf-8") as handle:
        body = handle.read()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("visits:calendar")
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    scope = reverse("visits:calendar")
    response = JsonResponse(
        {
            "name": _("PowerKAM visits"),
            "short_name": _("Visits"),
            "description": _("Log a visit on site, with or without a connection."),
            "lang": get_language(),
            "start_url": reverse("visits:new"),
            "scope": scope,
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#00706b",
            "icons": [{"src": static("web/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Content-Type"] = "application/manifest+json"
    return response
