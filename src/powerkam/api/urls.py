"""Mount every domain's router under /api/v1 (OpenAPI schema at /api/v1/openapi.json, docs at /api/v1/docs).

Every endpoint requires authentication: a bearer token (``powerkam api token USERNAME``) or the
browser's session. Domain errors (:class:`ApplicationError`) answer 400 with their message.
"""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from powerkam.api.auth import AUTH
from powerkam.core.errors import ApplicationError

api = NinjaAPI(
    title="PowerKAM API",
    version="1",
    urls_namespace="api",
    auth=AUTH,
    description="Key-account management for an electric power supply company's marketing department. "
    "Authenticate with `Authorization: Bearer <token>` (issue one with `powerkam api token USERNAME`).",
)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message, **exc.extra}, status=400)


api.add_router("/accounts", "powerkam.accounts.api.router")
api.add_router("/grading", "powerkam.grading.api.router")
api.add_router("/service", "powerkam.service.api.router")
api.add_router("/calendar", "powerkam.workdays.api.router")
api.add_router("/visits", "powerkam.visits.api.router")
api.add_router("/grid", "powerkam.grid.api.router")
api.add_router("/prospects", "powerkam.prospects.api.router")
api.add_router("/insights", "powerkam.insights.api.router")

urlpatterns = [
    *api.urls[0],
]
