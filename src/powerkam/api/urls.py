"""Mount every domain's router under /api/v1 (OpenAPI schema at /api/v1/openapi.json, docs at /api/v1/docs)."""

from ninja import NinjaAPI

api = NinjaAPI(title="PowerKAM API", version="1", urls_namespace="api")

api.add_router("/accounts", "powerkam.accounts.api.router")
api.add_router("/grading", "powerkam.grading.api.router")
api.add_router("/service", "powerkam.service.api.router")
api.add_router("/calendar", "powerkam.workdays.api.router")

urlpatterns = [
    *api.urls[0],
]
