"""The monthly overview report (大客户经营月报): the overview's figures as an Excel workbook and a
short text, mailed to the supervisors on the first day of each month (and on demand).

The workbook has the summary (one figure a row, area by area), the key accounts' share of the base
month by month, every key account in arrears (not only the ten on the page), the service time
limits by type, the accounts overdue for a visit that the overview names, and the renewable key
accounts against their consumption-responsibility quota for the year so far. Figures come from
:mod:`powerkam.web.dashboard`, so the report, the page, the API and the CLI never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from powerkam.accounts import selectors as account_selectors
from powerkam.accounts.overview import arrears_table
from powerkam.insights.models import OverviewReportRun
from powerkam.staff import permissions
from powerkam.staff.scope import Scope
from powerkam.staff.selectors import recipients_by_language, supervisors_to_mail
from powerkam.web import dashboard
from powerkam.web.excel import XLSX_CONTENT_TYPE, Column, Sheet, Typed, write_workbook


def report_title(as_of: dt.date) -> str:
    return _("Key-account monthly report, %(day)s") % {"day": as_of.isoformat()}


def _share(share: float | None) -> Typed | str:
    """A share (a fraction) as a percentage cell; "—" when there is none."""
    return "—" if share is None else Typed(share, "percent")


def _rate(rate: float | None) -> Typed | str:
    """A rate given in per cent (95.3) as a percentage cell (0.953); "—" when there is none."""
    return "—" if rate is None else Typed(rate / 100, "percent")


def summary_rows(figures: dict[str, dict[str, Any]]) -> Iterator[tuple[str, str, Any]]:
    """(area, figure, value) for the summary sheet and the mail, area by area; a money, capacity or
    percentage value is :class:`~powerkam.web.excel.Typed` so the workbook writes it as a number."""
    if p := figures.get("portfolio"):
        area = _("Key-account portfolio")
        yield area, _("Key accounts"), p["key_accounts"]
        yield (
            area,
            _("Grade A / B / C / not graded"),
            f"{p['grade_a']} / {p['grade_b']} / {p['grade_c']} / {p['not_graded']}",
        )
        yield area, _("Candidates"), p["candidates"]
        yield area, _("Share of consumption, last 12 billed months"), _share(p["kwh_share_12"])
        yield area, _("Share of revenue, last 12 billed months"), _share(p["yuan_share_12"])
        yield area, _("Newest billed month"), p["period"] or "—"
    if a := figures.get("arrears"):
        area = _("Arrears of key accounts")
        yield area, _("Key accounts in arrears"), a["accounts"]
        yield area, _("Owed (yuan)"), Typed(a["outstanding_yuan"], "money")
        yield area, _("Penalty accrued (yuan)"), Typed(a["penalty_yuan"], "money")
        for bucket in a["aging"]:
            days = (
                f"{bucket['first_day']}–{bucket['last_day']}" if bucket["last_day"] else f"> {bucket['first_day'] - 1}"
            )
            owed = Typed(bucket["outstanding_yuan"], "money")
            yield area, _("Owed %(days)s days past due (yuan)") % {"days": days}, owed
    if s := figures.get("service"):
        area = _("Service time limits")
        yield area, _("Closed %(a)s to %(b)s") % {"a": s["first_month"], "b": s["last_month"]}, s["closed"]
        yield area, _("Closed within the time limit"), _rate(s["rate"])
        yield area, _("Open tickets"), s["open"]
        yield area, _("Past the time limit"), s["open_breached"]
    if v := figures.get("visits"):
        area = _("Visits on cadence")
        yield area, _("Visits this quarter"), v["visits"]
        yield area, _("Visits on time"), _rate(v["rate"])
        yield area, _("Overdue for a visit"), v["overdue_accounts"]
    if r := figures.get("prospects"):
        area = _("Prospect pipeline")
        yield area, _("Projects in progress"), r["in_progress"]
        yield area, _("Capacity in the pipeline (kVA)"), Typed(r["pipeline_kva"], "kva")
        yield area, _("Without two managers"), r["missing_managers"]
    if h := figures.get("retention"):
        area = _("Churn risk and tariff advice")
        yield (
            area,
            _("High / medium / low risk"),
            " / ".join(str(h["risk"].get(k, 0)) for k in ("high", "medium", "low")),
        )
        yield area, _("Tariff savings to offer (yuan a year)"), Typed(h["tariff_savings_yuan"], "money")
    if g := figures.get("renewables"):
        yield from _renewables_rows(g)
    for key, tile_figures in figures.items():
        if "problem" in tile_figures:
            yield key, _("Not available"), tile_figures["problem"]


def _renewables_rows(g: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """The renewables area (docs/renewables.md, docs/rules.md §7): the overview tile's figures — the
    renewables app's selectors — for the year so far; a warning per party type whose weight for the
    year is not loaded (their accounts have no obligation, so the totals leave them out)."""
    from powerkam.renewables.selectors import missing_weight_message

    area = _("Renewable energy")
    year = g["year"]
    yield area, _("Renewable accounts, %(year)s") % {"year": year}, g["accounts"]
    if g.get("months") is not None:
        yield area, _("Months billed so far"), g["months"]
    yield area, _("Short of the quota"), g["short"]
    yield area, _("Self-use ratio of own generation"), _share(g.get("self_consumption_ratio"))
    yield area, _("Below the self-use minimum"), g["below_minimum"]
    yield area, _("Quota obligation, year so far (MWh)"), Typed(g["obligation_mwh"], "kwh")
    yield area, _("Quota fulfilled, year so far (MWh)"), Typed(g["fulfilled_mwh"], "kwh")
    if g.get("shortfall_mwh") is not None:
        yield area, _("Shortfall (MWh)"), Typed(g["shortfall_mwh"], "kwh")
    yield area, _("Shortfall (certificates)"), g["shortfall_certificates"]
    yield area, _("Shortfall at the latest certificate price (yuan)"), Typed(g["shortfall_cost_yuan"], "money")
    for party in g.get("missing_weights", []):
        yield area, _("Warning"), missing_weight_message(g.get("province", ""), year, party)


def report_xlsx(figures: dict[str, dict[str, Any]], *, scope: Scope, as_of: dt.date) -> bytes:
    sheets = [
        Sheet(
            title=_("Summary"),
            heading=[report_title(as_of), ""],
            columns=[Column(_("Area"), "text"), Column(_("Figure"), "text"), Column(_("Value"))],
            rows=summary_rows(figures),
        )
    ]
    if p := figures.get("portfolio"):
        sheets.append(
            Sheet(
                title=_("Share by month"),
                columns=[
                    Column(_("Period"), "text"),
                    Column(_("Share of consumption"), "percent"),
                    Column(_("Share of revenue"), "percent"),
                ],
                rows=([m["period"], m["kwh_share"], m["yuan_share"]] for m in p["months"]),
            )
        )
    if "arrears" in figures:
        columns, rows = arrears_table(account_selectors.portfolio_arrears(user=scope, today=as_of).accounts)
        sheets.append(Sheet(title=_("Arrears"), columns=columns, rows=rows))
    if s := figures.get("service"):
        sheets.append(
            Sheet(
                title=_("Service by type"),
                columns=[
                    Column(_("Type"), "text"),
                    Column(_("Closed"), "int"),
                    Column(_("On time"), "percent"),
                    Column(_("Past the time limit"), "int"),
                ],
                rows=([k["label"], k["closed"], _rate(k["rate"]), k["open_breached"]] for k in s["kinds"]),
            )
        )
    if v := figures.get("visits"):
        sheets.append(
            Sheet(
                title=_("Overdue visits"),
                columns=[
                    Column(_("Customer id"), "text"),
                    Column(_("Name"), "text"),
                    Column(_("Grade"), "text"),
                    Column(_("Days overdue"), "int"),
                ],
                rows=([r["customer_id"], r["name"], r["grade"], r["days_overdue"]] for r in v["overdue"]),
            )
        )
    return write_workbook(sheets)


def _shown(value: Any) -> Any:
    """A summary value as the mail says it."""
    if isinstance(value, Typed):
        if value.value is None:
            return "—"
        if value.kind == "percent":
            return f"{value.value * 100:.1f}%"
        if value.kind in ("kva", "kwh"):
            return f"{value.value:,.0f}"
        return f"{value.value:,.2f}"
    return value


def report_text(figures: dict[str, dict[str, Any]], *, as_of: dt.date) -> str:
    lines = [report_title(as_of), ""]
    area = None
    for row_area, label, value in summary_rows(figures):
        if row_area != area:
            lines += ["", _("[%(area)s]") % {"area": row_area}]  # zh: 【…】
            area = row_area
        lines.append(f"  {label}: {_shown(value)}")
    lines += ["", _("The workbook is attached; the overview is in PowerKAM under Insights.")]
    return "\n".join(lines).replace("\n\n\n", "\n\n")


def monthly_report_send(*, as_of: dt.date | None = None, by: User | None = None) -> OverviewReportRun:
    """The whole base's overview as of ``as_of`` (today by default) mailed with its workbook to the
    supervisors, each in the language they read (``staff.language``, else the site language): one mail
    per language, its subject, text and workbook all in that language. A record of it is kept. ``by``
    None: the schedule or the command line."""
    if by is not None:
        permissions.require(by, "insights.send_report")
    as_of = as_of or timezone.localdate()
    whole_base = Scope.whole_base()
    people = supervisors_to_mail()
    recipients = [u.email for u in people]
    messages = []
    for language, emails in recipients_by_language(people).items():
        with translation.override(language):  # the figures carry labels (service types): worded per language
            figures = dashboard.figures_for(whole_base, as_of)
            message = EmailMessage(report_title(as_of), report_text(figures, as_of=as_of), to=emails)
            message.attach(
                f"key-account-report-{as_of.isoformat()}.xlsx",
                report_xlsx(figures, scope=whole_base, as_of=as_of),
                XLSX_CONTENT_TYPE,
            )
            messages.append(message)
    if messages:
        with get_connection() as connection:
            connection.send_messages(messages)
    return OverviewReportRun.objects.create(as_of=as_of, recipients=recipients, by=by)
