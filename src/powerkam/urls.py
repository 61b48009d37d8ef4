"""URL map. Each domain app mounts its own ``urls.py`` under a fixed prefix that the
navigation menu links to; the API lives under /api/v1."""

from django.contrib import admin
from django.urls import include, path

from powerkam.web.views import set_language

urlpatterns = [
    path("admin/", admin.site.urls),
    # Django's language switch, which also keeps the choice on the person's staff profile (their mail follows it)
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", include(("powerkam.api.urls", "api"), namespace="api")),
    path("accounts/", include("powerkam.accounts.urls")),
    path("grading/", include("powerkam.grading.urls")),
    path("service/", include("powerkam.service.urls")),
    path("calendar/", include("powerkam.workdays.urls")),
    path("imports/", include("powerkam.imports.urls")),
    path("visits/", include("powerkam.visits.urls")),
    path("grid/", include("powerkam.outages.urls")),
    path("prospects/", include("powerkam.prospects.urls")),
    path("insights/", include("powerkam.insights.urls")),
    path("renewables/", include("powerkam.renewables.urls")),
    path("", include("powerkam.web.urls")),
]

# Errors Django answers before a view runs: JSON under /api/, Django's pages elsewhere (api/errors.py).
handler400 = "powerkam.api.errors.bad_request"
handler403 = "powerkam.api.errors.permission_denied"
handler404 = "powerkam.api.errors.page_not_found"
handler500 = "powerkam.api.errors.server_error"
