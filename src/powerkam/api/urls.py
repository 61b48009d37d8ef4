"""Mount every domain's router under /api/v1 (OpenAPI schema at /api/v1/openapi.json, docs at /api/v1/docs).

Every endpoint requires authentication: a bearer token (``powerkam api token USERNAME``) or the
browser's session; so do the schema and the docs page. Every error answers one JSON shape
(:mod:`powerkam.api.errors`, docs/api.md): domain errors 400, invalid input 422 naming the fields, too
many wrong tokens 429, anything unexpected 500 — never a traceback or an HTML page.
"""

from ninja import NinjaAPI

from powerkam.api.auth import AUTH, docs_login_required
from powerkam.api.errors import install as install_error_handling
from powerkam.api.fields import AwareJSONRenderer

api = NinjaAPI(
    title="PowerKAM API",
    version="1.1",
    urls_namespace="api",
    auth=AUTH,
    docs_decorator=docs_login_required,
    renderer=AwareJSONRenderer(),
    description="Key-account management for an electric power supply company's marketing department. "
    "Authenticate with `Authorization: Bearer <token>` (issue one with `powerkam api token USERNAME`).",
)


api.add_router("/accounts", "powerkam.accounts.api.router")
api.add_router("/grading", "powerkam.grading.api.router")
api.add_router("/service", "powerkam.service.api.router")
api.add_router("/calendar", "powerkam.workdays.api.router")
api.add_router("/visits", "powerkam.visits.api.router")
api.add_router("/grid", "powerkam.grid.api.router")
api.add_router("/prospects", "powerkam.prospects.api.router")
api.add_router("/insights", "powerkam.insights.api.router")

# After the routers: every error answers ErrorOut, and every operation documents the error statuses.
install_error_handling(api)

urlpatterns = [
    *api.urls[0],
]
