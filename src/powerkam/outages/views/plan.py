"""The month plan page (issue 19): pick or upload the month's jobs, plan, compare, accept, export."""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from powerkam.accounts.models import Account
from powerkam.core.errors import ApplicationError
from powerkam.core.http import request_user
from powerkam.outages import selectors as outage_selectors
from powerkam.outages import services as outage_services
from powerkam.outages.views.calendar import month_of
from powerkam.staff import permissions
from powerkam.web.excel import Column, Sheet, Typed, write_workbook, xlsx_response

#: The page waits at most this long for the solver (docs/outages.md "Month plan page"); the plan
#: asks for a 1 % gap, which small months reach in a second or two.
PLAN_TIME_LIMIT_S = 20.0
#: Plans kept in the session (the newest ones), so "accept" and "Excel" act on what the page showed.
PLANS_KEPT = 3


def _store_plan(request: HttpRequest, result: dict[str, Any], jobs: list[outage_selectors.JobInput]) -> str:
    """Keep a plan in the session (JSON: times as ISO text) under a new token."""
    import secrets

    inputs = {j.job_id: j for j in jobs}
    stored = dict(result)
    stored["jobs"] = []
    for row in result["jobs"]:
        job = inputs[row["job_id"]]
        stored["jobs"].append(
            {
                **row,
                "start": row["start"].isoformat(),
                "end": row["end"].isoformat(),
                "feeders_text": ";".join(row["feeders"]),
                "title": job.title,
                "crew_input": job.crew,  # the engine names a job without a crew its own crew
                "outage_id": job.outage_id,
                "outage_version": job.outage_version,
            }
        )
    token = secrets.token_urlsafe(8)
    plans = dict(request.session.get("outage_plans", {}))
    plans[token] = stored
    request.session["outage_plans"] = dict(list(plans.items())[-PLANS_KEPT:])
    return token


def _stored_plan(request: HttpRequest, token: str) -> dict[str, Any] | None:
    plan = request.session.get("outage_plans", {}).get(token)
    if plan is None:
        return None
    plan = dict(plan)
    plan["jobs"] = [
        {**j, "start": dt.datetime.fromisoformat(j["start"]), "end": dt.datetime.fromisoformat(j["end"])}
        for j in plan["jobs"]
    ]
    return plan


def _plan_jobs(request: HttpRequest, first: dt.date, last: dt.date) -> list[outage_selectors.JobInput]:
    """The jobs of the form: the picked outages and the rows of an uploaded file."""
    ids = [int(v) for v in request.POST.getlist("outages") if v.isdigit()]
    hours = request.POST.get("hours", "").strip()
    jobs = outage_selectors.jobs_from_outages(ids, first=first, last=last, hours=hours) if ids else []
    upload = request.FILES.get("jobs")
    if upload is not None:
        jobs += outage_selectors.read_jobs(upload.name or "jobs.csv", upload.read())
    if not jobs:
        raise ApplicationError(_("Pick at least one outage of the month or upload a jobs file."), {"field": "outages"})
    ids_seen = [j.job_id for j in jobs]
    if len(set(ids_seen)) != len(ids_seen):
        raise ApplicationError(_("Two jobs have the same job_id."), {"field": "jobs"})
    return jobs


@login_required
def outage_plan(request: HttpRequest) -> HttpResponse:
    """The month plan page: planners, supervisors and administrators (``outages.plan_outages``)."""
    permissions.require(request.user, "outages.plan_outages")
    first = month_of(request.POST.get("month") or request.GET.get("month"))
    last = first.replace(day=month_calendar.monthrange(first.year, first.month)[1])
    context: dict[str, Any] = {
        "month": first,
        "from_input": request.POST.get("from", f"{first}"),
        "to_input": request.POST.get("to", f"{last}"),
        "hours_input": request.POST.get("hours", ""),
        "time_limit_input": request.POST.get("time_limit", "10"),
        "max_time_limit": int(PLAN_TIME_LIMIT_S),
        "candidates": list(outage_selectors.plan_candidates(first, last)),
        "picked": {int(v) for v in request.POST.getlist("outages") if v.isdigit()},
        "prev_month": f"{(first - dt.timedelta(days=1)).replace(day=1):%Y-%m}",
        "next_month": f"{last + dt.timedelta(days=1):%Y-%m}",
    }
    if request.method == "POST":
        try:
            allowed_first = outage_selectors.parse_day(context["from_input"], what="from")
            allowed_last = outage_selectors.parse_day(context["to_input"], what="to")
            try:
                time_limit = float(context["time_limit_input"])
            except ValueError:
                raise ApplicationError(
                    _("Time limit: %(value)r is not a number of seconds.") % {"value": context["time_limit_input"]},
                    {"field": "time_limit"},
                ) from None
            if not 0 < time_limit <= PLAN_TIME_LIMIT_S:
                raise ApplicationError(
                    _("Time limit: give between 1 and %(max)d seconds.") % {"max": int(PLAN_TIME_LIMIT_S)},
                    {"field": "time_limit"},
                )
            jobs = _plan_jobs(request, allowed_first, allowed_last)
            result = outage_selectors.plan_month(jobs=jobs, time_limit_s=time_limit)
        except ApplicationError as exc:
            context["error"] = exc.message
            return render(request, "outages/outage_plan.html", context, status=400)
        result["inputs"] = {
            "from": context["from_input"],
            "to": context["to_input"],
            "hours": context["hours_input"],
            "time_limit": context["time_limit_input"],
            "outages": sorted(context["picked"]),
        }
        token = _store_plan(request, result, jobs)
        return HttpResponseRedirect(f"{reverse('grid:outage-plan')}?month={first:%Y-%m}&plan={token}")
    token = request.GET.get("plan", "")
    if token:
        plan = _stored_plan(request, token)
        if plan is None:
            messages.warning(request, _("That plan is no longer kept: plan the month again."))
        else:
            ids = {cid for j in plan["jobs"] for cid in j["interrupted"]}
            context.update({"plan": plan, "token": token, "names": _account_names(ids)})
            inputs = plan.get("inputs", {})  # the form as it was planned, to plan again
            context.update(
                {
                    "from_input": inputs.get("from", context["from_input"]),
                    "to_input": inputs.get("to", context["to_input"]),
                    "hours_input": inputs.get("hours", ""),
                    "time_limit_input": inputs.get("time_limit", context["time_limit_input"]),
                    "picked": set(inputs.get("outages", [])),
                }
            )
    return render(request, "outages/outage_plan.html", context)


def _account_names(customer_ids: set[str]) -> dict[str, str]:
    return dict(Account.objects.filter(customer_id__in=customer_ids).values_list("customer_id", "name"))


@login_required
@require_POST
def outage_plan_accept(request: HttpRequest) -> HttpResponse:
    """Accept a plan the page showed: every window becomes a planned outage, or nothing does."""
    token = request.POST.get("plan", "")
    plan = _stored_plan(request, token)
    if plan is None:
        messages.error(request, _("That plan is no longer kept: plan the month again."))
        return HttpResponseRedirect(reverse("grid:outage-plan"))
    jobs = [
        outage_services.AcceptedJob(
            job_id=j["job_id"],
            feeders=j["feeders_text"],
            start=j["start"],
            end=j["end"],
            crew=j.get("crew_input", ""),
            title=j["title"],
            outage_id=j["outage_id"],
            outage_version=j["outage_version"],
        )
        for j in plan["jobs"]
    ]
    back = f"{reverse('grid:outage-plan')}?plan={token}"
    if plan.get("unplaced"):
        messages.error(request, _("The plan leaves jobs unplaced; it cannot be accepted."))
        return HttpResponseRedirect(back)
    try:
        outages = outage_services.plan_accept(jobs=jobs, by=request_user(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    messages.success(
        request,
        ngettext(
            "Plan accepted: %(count)d planned outage is on the calendar as a draft.",
            "Plan accepted: %(count)d planned outages are on the calendar as drafts.",
            len(outages),
        )
        % {"count": len(outages)},
    )
    month = timezone.localtime(min(o.start for o in outages))
    return HttpResponseRedirect(f"{reverse('grid:outages')}?month={month:%Y-%m}")


def _plan_status(status: str) -> str:
    labels = {
        "optimal": _("optimal (proven)"),
        "feasible": _("feasible (within the gap shown of the bound)"),
        "naive": _("earliest-start plan"),
        "incomplete": _("incomplete: some jobs fit nowhere"),
    }
    return labels.get(status, status)


@login_required
def outage_plan_export(request: HttpRequest) -> HttpResponse:
    """The plan the page showed as a workbook: the figures, then one row per job."""
    permissions.require(request.user, "outages.plan_outages")
    plan = _stored_plan(request, request.GET.get("plan", ""))
    if plan is None:
        raise Http404(_("That plan is no longer kept: plan the month again."))
    names = _account_names({cid for j in plan["jobs"] for cid in j["interrupted"]})
    naive = plan.get("naive") or {}
    summary = Sheet(
        title=_("Plan"),
        columns=[Column(_("Figure"), "text", width=36), Column(_("Value"), "auto", width=18)],
        rows=[
            (_("Weighted energy not supplied of the plan (kWh)"), Typed(plan["weighted_ens_kwh"], "number")),
            (_("Energy not supplied of the plan (kWh)"), Typed(plan["ens_kwh"], "number")),
            (
                _("Weighted energy not supplied, earliest-start plan (kWh)"),
                Typed(naive.get("weighted_ens_kwh"), "number"),
            ),
            (_("Lower bound (kWh)"), Typed(plan["bound_weighted_ens_kwh"], "number")),
            (_("Gap to the bound"), Typed(plan["gap"], "percent")),
            (_("Status"), _plan_status(plan["status"])),
        ],
    )
    jobs = Sheet(
        title=_("Jobs"),
        columns=[
            Column(_("Job"), "text"),
            Column(_("Title"), "text"),
            Column(_("Feeders"), "text"),
            Column(_("Crew"), "text"),
            Column(_("Start"), "datetime"),
            Column(_("End"), "datetime"),
            Column(_("Energy not supplied (kWh)"), "kwh"),
            Column(_("Weighted (kWh)"), "kwh"),
            Column(_("Interrupted accounts"), "text", width=60, wrap=True),
        ],
        rows=(
            (
                j["job_id"],
                j["title"],
                j["feeders_text"],
                j["crew"],
                j["start"],
                j["end"],
                j["ens_kwh"],
                j["weighted_ens_kwh"],
                "\n".join(f"{cid} {names.get(cid, '')}".strip() for cid in j["interrupted"]),
            )
            for j in plan["jobs"]
        ),
        freeze_columns=1,
    )
    return xlsx_response(
        write_workbook([summary, jobs]),
        f"outage-plan-{plan['jobs'][0]['start']:%Y-%m}" if plan["jobs"] else "outage-plan",
    )
