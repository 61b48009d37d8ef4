"""Mount every domain's router under /api/v1 (OpenAPI schema at /api/v1/openapi.json, docs at /api/v1/docs).

Every endpoint requires authentication: a bearer token (``powerkam api token USERNAME``) or the
browser's session; so do the schema and the docs page. Domain errors (:class:`ApplicationError`) answer
400 with their message, an edit based on an old version 409 with the current state (one
without any version 428: docs/architecture.md, "No lost update"); too many wrong tokens 429; anything unexpected 500 — always JSON, never a
traceback or an HTML page.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from powerkam.api.auth import AUTH, LockedOut, docs_login_required
from powerkam.api.versioning import VersionRequired
from powerkam.audit.lockout import lockout_response
from powerkam.core.errors import ApplicationError, ConflictError
from powerkam.core.locking import snapshot

logger = logging.getLogger("powerkam.api")

api = NinjaAPI(
    title="PowerKAM API",
    version="1",
    urls_namespace="api",
    auth=AUTH,
    docs_decorator=docs_login_required,
    description="Key-account management for an electric power supply company's marketing department. "
    "Authenticate with `Authorization: Bearer <token>` (issue one with `powerkam api token USERNAME`).",
)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message, **exc.extra}, status=400)


@api.exception_handler(ConflictError)
def conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
    """Someone changed the object since the version the client edited: 409 with the current state."""
    body = {"code": "conflict", "message": exc.message, "detail": exc.message, **exc.extra}
    body["current"] = snapshot(exc.current) if exc.current is not None else {}
    response = api.create_response(request, body, status=409)
    response["ETag"] = f'"{exc.current_version}"'
    return response


@api.exception_handler(VersionRequired)
def version_required(request: HttpRequest, exc: VersionRequired) -> HttpResponse:
    body = {"code": "version_required", "message": exc.message, "detail": exc.message}
    return api.create_response(request, body, status=428)


@api.exception_handler(LockedOut)
def locked_out(request: HttpRequest, exc: LockedOut) -> HttpResponse:
    return lockout_response(request)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or _("You may not do this.")
    return api.create_response(request, {"code": "forbidden", "message": message, "detail": message}, status=403)


@api.exception_handler(Exception)
def unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Anything unexpected: logged with its traceback, answered with JSON that shows none."""
    logger.error("Unexpected error in the API: %s %s", request.method, request.path, exc_info=exc)
    return api.create_response(
        request,
        {"code": "server_error", "message": _("Something went wrong on the server. It has been logged; try again.")},
        status=500,
    )


api.add_router("/accounts", "powerkam.accounts.api.router")
api.add_router("/grading", "powerkam.grading.api.router")
api.add_router("/service", "powerkam.service.api.router")
api.add_router("/calendar", "powerkam.workdays.api.router")
api.add_router("/visits", "powerkam.visits.api.router")
api.add_router("/grid", "powerkam.grid.api.router")
api.add_router("/prospects", "powerkam.prospects.api.router")
api.add_router("/insights", "powerkam.insights.api.router")
api.add_router("/renewables", "powerkam.renewables.api.router")

urlpatterns = [
    *api.urls[0],
]
