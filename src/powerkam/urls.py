"""URL map. Each domain app mounts its own ``urls.py`` under a fixed prefix that the
navigation menu links to; the API lives under /api/v1."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(("powerkam.api.urls", "api"), namespace="api")),
    path("accounts/", include("powerkam.accounts.urls")),
    path("grading/", include("powerkam.grading.urls")),
    path("service/", include("powerkam.service.urls")),
    path("calendar/", include("powerkam.workdays.urls")),
    path("imports/", include("powerkam.imports.urls")),
    path("visits/", include("powerkam.visits.urls")),
    path("grid/", include("powerkam.grid.urls")),
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
