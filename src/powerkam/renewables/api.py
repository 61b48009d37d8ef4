"""``/api/v1/renewables``: renewable key accounts with their quota figures, and one account's (docs/renewables.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from powerkam.renewables import selectors

router = Router(tags=["renewables"])


@router.get("/", summary="Renewable key accounts with their quota figures for a year")
def renewables_list(
    request: HttpRequest, year: int | None = None, district: str = "", status: str = "", scope: str = ""
) -> dict[str, Any]:
    found = selectors.renewable_list(user=request.user, year=year, district=district, status=status, scope=scope)
    return {
        "year": found.year,
        "totals": found.totals,
        "warnings": found.warnings,
        "accounts": [selectors.as_dict(r) for r in found.rows],
    }


@router.get("/{customer_id}", summary="One account's renewable figures for a year")
def renewables_account(request: HttpRequest, customer_id: str, year: int | None = None) -> dict[str, Any]:
    item = selectors.account_renewables(user=request.user, customer_id=customer_id, year=year)
    return selectors.as_dict(item) | {
        "months": [m.__dict__ for m in selectors.monthly_generation(item.account)],
    }
