"""Mount every domain's router under /api/v1 (OpenAPI schema at /api/v1/openapi.json, docs at /api/v1/docs).

Every endpoint requires authentication: a bearer token (``powerkam api token USERNAME``) or the
browser's session; so do the schema and the docs page. Every error answers one JSON shape
(:mod:`powerkam.api.errors`, docs/api.md): domain errors 400, invalid input 422 naming the fields, an
edit based on an old version 409 with the current state (one without any version 428:
docs/architecture.md, "No lost update"), too many wrong tokens 429, anything unexpected 500 — never a
traceback or an HTML page.
"""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.operation import Operation

from powerkam.api.auth import AUTH, docs_login_required
from powerkam.api.errors import error_body
from powerkam.api.errors import install as install_error_handling
from powerkam.api.fields import AwareJSONRenderer
from powerkam.api.versioning import VersionRequired
from powerkam.core.bulk import BulkRefused
from powerkam.core.errors import ConflictError
from powerkam.core.locking import snapshot


class PowerKamAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """``powerkam_<app>_api_<view>``, also for a view in a module of an app's ``api`` package (one module
        per aggregate, docs/architecture.md "Layers"): splitting an app's API keeps the ids clients use."""
        module = operation.view_func.__module__
        package = module.rpartition(".")[0]
        if package.count(".") == 2 and package.endswith(".api"):
            module = package
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")


api = PowerKamAPI(
    title="PowerKAM API",
    version="1.1",
    urls_namespace="api",
    auth=AUTH,
    docs_decorator=docs_login_required,
    renderer=AwareJSONRenderer(),
    description="Key-account management for an electric power supply company's marketing department. "
    "Authenticate with `Authorization: Bearer <token>` (issue one with `powerkam api token USERNAME`).",
)


@api.exception_handler(ConflictError)
def conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
    """Someone changed the object since the version the client edited: 409 with the current state."""
    body = error_body(409, exc.message, extra=exc.extra)
    body["current"] = snapshot(exc.current) if exc.current is not None else {}
    response = api.create_response(request, body, status=409)
    response["ETag"] = f'"{exc.current_version}"'
    return response


@api.exception_handler(BulkRefused)
def bulk_refused(request: HttpRequest, exc: BulkRefused) -> HttpResponse:
    """A bulk action with refused rows changed nothing: 409 when a row changed since the version the
    client sent (each refused row says whether it did), else 400; ``refused`` names every refused row."""
    status = 409 if any(r.conflict for r in exc.refusals) else 400
    return api.create_response(request, error_body(status, exc.message, extra=exc.extra), status=status)


@api.exception_handler(VersionRequired)
def version_required(request: HttpRequest, exc: VersionRequired) -> HttpResponse:
    return api.create_response(request, error_body(428, exc.message), status=428)


api.add_router("/accounts", "powerkam.accounts.api.router")
api.add_router("/grading", "powerkam.grading.api.router")
api.add_router("/service", "powerkam.service.api.router")
api.add_router("/calendar", "powerkam.workdays.api.router")
api.add_router("/visits", "powerkam.visits.api.router")
api.add_router("/grid", "powerkam.outages.api.router")
api.add_router("/prospects", "powerkam.prospects.api.router")
api.add_router("/insights", "powerkam.insights.api.router")
api.add_router("/renewables", "powerkam.renewables.api.router")
api.add_router("/rules", "powerkam.api.rules.router")

# After the routers: every error answers ErrorOut, and every operation documents the error statuses.
install_error_handling(api)

urlpatterns = [
    *api.urls[0],
]
