"""PowerKAM's URLs plus ``/bench/bare/``: a bare Django view behind the same middleware and login."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


@login_required
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("powerkam.urls")),
]
