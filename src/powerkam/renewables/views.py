"""The 新能源 page: renewable key accounts with their share, obligation, shortfall, self-use ratio and
tier (docs/renewables.md), its Excel export. The 360 panel is :mod:`powerkam.renewables.panels`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from powerkam.core.errors import ApplicationError, ConflictError
from powerkam.core.locking import form_conflict
from powerkam.renewables import charts, selectors, services
from powerkam.renewables.forms import RulesForm, WeightForm
from powerkam.renewables.models import QuotaWeight, RenewableRulesVersion
from powerkam.web.excel import Column, workbook_bytes, xlsx_response


def _filters(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET.get(k, "").strip() for k in ("year", "district", "status", "scope")}


def _list(request: HttpRequest, filters: dict[str, str]) -> selectors.RenewableList:
    return selectors.renewable_list(
        user=request.user,
        year=filters["year"],
        district=filters["district"],
        status=filters["status"],
        scope=filters["scope"],
    )


@login_required
def renewables_page(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    context: dict[str, object] = {"filters": filters, "statuses": selectors.STATUSES}
    try:
        found = _list(request, filters)
        context["found"] = found
        context["rows"] = [(r, selectors.as_dict(r)) for r in found.rows]
        context["rules"] = selectors.renewable_rules()
        top = [r for r in found.rows if r.quota is not None][:20]
        context["chart"] = charts.share_chart(
            [(r.account.name, r.quota.share if r.quota else None, r.quota.weight if r.quota else None) for r in top]
        )
    except ApplicationError as exc:
        context["problem"] = exc.message
    context["districts"] = sorted(
        set(selectors.visible_accounts(request.user).exclude(district="").values_list("district", flat=True))
    )
    return render(request, "renewables/list.html", context, status=400 if "problem" in context else 200)


@login_required
def renewables_export(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    try:
        found = _list(request, filters)
    except ApplicationError:
        query = request.GET.urlencode()
        return redirect(reverse("renewables:home") + (f"?{query}" if query else ""))
    headers = [
        Column(_("Customer id"), "text"),
        Column(_("Account"), "text"),
        Column(_("District"), "text"),
        Column(_("Party type"), "text"),
        Column(_("Weight"), "percent"),
        Column(_("Consumption (MWh)"), "number"),
        Column(_("Obligation (MWh)"), "number"),
        Column(_("Fulfilled (MWh)"), "number"),
        Column(_("Renewable share"), "percent"),
        Column(_("Shortfall (MWh)"), "number"),
        Column(_("Shortfall (certificates)"), "int"),
        Column(_("Shortfall cost"), "money"),
        Column(_("Year forecast shortfall (MWh)"), "number"),
        Column(_("Generated (kWh)"), "number"),
        Column(_("Self-consumption ratio"), "percent"),
        Column(_("Below the minimum"), "text"),
        Column(_("Price-difference tier"), "int"),
        Column(_("Yearly price difference"), "money"),
        Column(_("Gain at the next tier"), "money"),
        Column(_("Non-hydro weight"), "percent"),
        Column(_("Non-hydro shortfall (MWh)"), "number"),
        Column(_("Green power premium to close the shortfall"), "money"),
        Column(_("PV it could add (kW)"), "number"),
        Column(_("Added PV (MWh a year)"), "number"),
        Column(_("Share with the added PV"), "percent"),
    ]
    yes, no = _("yes"), _("no")

    def rows() -> list[list[object]]:
        out = []
        for r in found.rows:
            d = selectors.as_dict(r)
            out.append(
                [
                    d["customer_id"],
                    d["name"],
                    d["district"],
                    str(selectors.PartyType(d["party_type"]).label),
                    d["weight"],
                    d["consumption_mwh"],
                    d["obligation_mwh"],
                    d["fulfilled_mwh"],
                    d["share"],
                    d["shortfall_mwh"],
                    d["shortfall_certificates"],
                    d["shortfall_cost_yuan"],
                    None if d["forecast"] is None else d["forecast"]["shortfall_mwh"],
                    d["generated_kwh"],
                    d["self_consumption_ratio"],
                    yes if d["below_minimum"] else no,
                    d["tier"]["tier"],
                    d["tier"]["difference_yuan"],
                    d["tier"]["gain_at_next_yuan"],
                    d["non_hydro"] and d["non_hydro"]["weight"],
                    d["non_hydro"] and d["non_hydro"]["shortfall_mwh"],
                    d["headroom"] and d["headroom"]["green_power_premium_yuan"],
                    d["headroom"] and d["headroom"]["pv_kw"],
                    d["headroom"] and d["headroom"]["pv_mwh_year"],
                    d["headroom"] and d["headroom"]["share_with_pv"],
                ]
            )
        return out

    return xlsx_response(
        workbook_bytes(title=_("Renewable energy"), headers=headers, rows=rows()), f"renewables-{found.year}"
    )


@login_required
def renewables_settings(request: HttpRequest) -> HttpResponse:
    """The weights table and the rules with their history; supervisors and administrators edit them."""
    can_edit = services.can_edit_settings(request.user)
    rules = selectors.renewable_rules()
    latest = RenewableRulesVersion.objects.first()
    weight_form = WeightForm(
        request.POST if request.POST.get("form") == "weight" else None, initial={"province": rules.province}
    )
    rules_form = RulesForm(
        request.POST if request.POST.get("form") == "rules" else None,
        initial={
            "rules_toml": latest.rules_toml if latest else rules.to_toml(),
            "based_on": latest.pk if latest else None,
        },
    )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = weight_form if request.POST.get("form") == "weight" else rules_form
        if form.is_valid():
            try:
                if form is weight_form:
                    weight = services.weight_set(by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
                    messages.success(
                        request,
                        _("Weight saved: %(province)s %(year)s, %(party)s.")
                        % {"province": weight.province, "year": weight.year, "party": weight.get_party_type_display()},
                    )
                else:
                    services.rules_set(by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
                    messages.success(request, _("A new version of the renewables rules applies."))
            except ConflictError as exc:
                form_conflict(form, exc, field="based_on")
            except ApplicationError as exc:
                form.add_error(exc.extra.get("field"), exc.message)
            else:
                return redirect("renewables:settings")
    context = {
        "can_edit": can_edit,
        "rules": rules,
        "weights": QuotaWeight.objects.all(),
        "weight_history": QuotaWeight.history.select_related("history_user").order_by("-history_date", "-history_id")[
            :30
        ],
        "versions": RenewableRulesVersion.objects.select_related("created_by")[:20],
        "weight_form": weight_form,
        "rules_form": rules_form,
    }
    return render(
        request,
        "renewables/settings.html",
        context,
        status=400 if weight_form.errors or rules_form.errors else 200,
    )
