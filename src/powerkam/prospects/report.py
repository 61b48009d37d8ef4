"""The weekly progress report of approved prospects — the paper's weekly coordination meeting pack.

For every approved project still on its way (and those energised or lost this week): the steps
done this week (stage changes, tasks done, contacts, reservations, case steps closed), the next
steps, the blockers, days in the current stage, the capacity reservations, and every
green-channel step against its clock. As a web page, an Excel workbook and a PDF (CJK fonts),
mailed to the supervisors.

The week runs from Monday to the report day (inclusive).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from powerkam.prospects import selectors
from powerkam.prospects.models import (
    IN_PROGRESS,
    FollowUpStatus,
    Project,
    ReservationStatus,
    Stage,
    WeeklyReportRun,
)
from powerkam.prospects.services import fmt_number, stage_log_sync
from powerkam.staff.selectors import person_name, recipients_by_language, supervisors_to_mail
from powerkam.web.excel import XLSX_CONTENT_TYPE, Column, Kind, Sheet, write_workbook


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _person(user: User | None) -> str:
    return person_name(user) or "—"


@dataclass(frozen=True)
class GreenStep:
    """One step of a green-channel new-connection case against its clock."""

    project_id: str
    project_name: str
    step: str
    accepted_on: dt.date
    limit_days: int
    due_on: dt.date
    closed_on: dt.date | None
    state: str  # on_track, due_soon, breached, met
    state_label: str
    days_left: int | None
    provisional: bool


@dataclass
class ReportRow:
    project: Project
    stage_label: str
    days_in_stage: int | None
    primary: str
    secondary: str
    done: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)
    reservations: list[str] = field(default_factory=list)
    green_steps: list[GreenStep] = field(default_factory=list)


@dataclass
class WeeklyReport:
    week_start: dt.date
    as_of: dt.date
    rows: list[ReportRow]
    generated_at: dt.datetime

    @property
    def title(self) -> str:
        return _("Key projects weekly report %(start)s – %(end)s") % {
            "start": self.week_start.isoformat(),
            "end": self.as_of.isoformat(),
        }

    @property
    def green_steps(self) -> list[GreenStep]:
        return [step for row in self.rows for step in row.green_steps]

    @property
    def counts(self) -> dict[str, int]:
        return {
            "projects": len(self.rows),
            "done": sum(len(r.done) for r in self.rows),
            "blockers": sum(len(r.blockers) for r in self.rows),
            "green_breached": sum(1 for s in self.green_steps if s.state == "breached"),
        }


def _sla_label(state: str, days_left: int | None) -> str:
    if state == "met":
        return _("met")
    if state == "breached":
        return _("breached")
    if days_left == 0:
        return _("due today")
    return _("%(n)s working day(s) left") % {"n": days_left}


def build_weekly_report(*, as_of: dt.date | None = None) -> WeeklyReport:
    """Collect the report's contents (in the active language)."""
    as_of = as_of or timezone.localdate()
    start = week_start(as_of)
    stage_log_sync()
    in_week = Q(stage_changes__on__gte=start, stage_changes__on__lte=as_of)
    projects = (
        Project.objects.active()
        .filter(Q(stage__in=IN_PROGRESS) | (Q(stage__in=(Stage.ENERGISED, Stage.LOST)) & in_week))
        .distinct()
        .select_related("primary_manager__staff", "secondary_manager__staff", "case")
        .order_by("project_id")
    )
    rows = [_row(project, start, as_of) for project in projects]
    return WeeklyReport(start, as_of, rows, timezone.now())


def _in_week(day: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return day is not None and start <= day <= end


def _row(project: Project, start: dt.date, as_of: dt.date) -> ReportRow:
    row = ReportRow(
        project=project,
        stage_label=str(project.get_stage_display()),
        days_in_stage=selectors.days_in_stage(project, as_of),
        primary=_person(project.primary_manager),
        secondary=_person(project.secondary_manager),
    )
    done: list[tuple[dt.date, str]] = []
    for change in project.stage_changes.filter(on__gte=start, on__lte=as_of).order_by("on", "id"):
        if change.from_stage:
            text = _("%(from)s → %(to)s") % {
                "from": change.get_from_stage_display(),
                "to": change.get_to_stage_display(),
            }
        else:
            text = _("registered as %(stage)s") % {"stage": change.get_to_stage_display()}
        done.append((change.on, f"{change.on:%m-%d} {text}" + (f" ({change.note})" if change.note else "")))
    for task in project.follow_ups.filter(status=FollowUpStatus.DONE, done_on__gte=start, done_on__lte=as_of):
        assert task.done_on is not None
        done.append(
            (task.done_on, f"{task.done_on:%m-%d} ✓ {task.title}" + (f": {task.outcome}" if task.outcome else ""))
        )
    for entry in project.contacts.filter(on__gte=start, on__lte=as_of):
        who = " ".join(x for x in (entry.get_party_display(), entry.organisation, entry.person) if x)
        done.append((entry.on, f"{entry.on:%m-%d} {who}: {entry.summary}"))
    for reservation in project.reservations.filter(reserved_on__gte=start, reserved_on__lte=as_of).select_related(
        "feeder", "substation"
    ):
        done.append(
            (
                reservation.reserved_on,
                f"{reservation.reserved_on:%m-%d} "
                + _("reserved %(kva)s kVA on %(place)s")
                % {"kva": fmt_number(reservation.kva), "place": reservation.place},
            )
        )
    steps = selectors.case_steps(project, today=as_of)
    for step in steps:
        ticket = step.ticket
        if _in_week(ticket.closed_on, start, as_of):
            assert ticket.closed_on is not None
            done.append(
                (
                    ticket.closed_on,
                    f"{ticket.closed_on:%m-%d} "
                    + _("%(step)s done (%(state)s)")
                    % {"step": ticket.get_kind_display(), "state": _sla_label(step.sla.state, None)},
                )
            )
    row.done = [text for _day, text in sorted(done, key=lambda item: item[0])]

    for task in project.follow_ups.filter(status=FollowUpStatus.OPEN).select_related("assignee__staff"):
        due = _("due %(date)s") % {"date": task.due_on.isoformat()} if task.due_on else _("no due date")
        text = f"{task.title} ({due}, {_person(task.assignee)})"
        if task.blocker:
            row.blockers.append(text)
        else:
            row.next_steps.append(text)
    for step in steps:
        ticket = step.ticket
        if ticket.closed_on is None:
            row.next_steps.append(
                _("%(step)s due %(date)s (%(state)s)")
                % {
                    "step": ticket.get_kind_display(),
                    "date": ticket.due_on.isoformat(),
                    "state": _sla_label(step.sla.state, step.sla.days_left),
                }
            )
            if step.sla.state == "breached":
                row.blockers.append(
                    _("%(step)s is past its time limit (due %(date)s)")
                    % {"step": ticket.get_kind_display(), "date": ticket.due_on.isoformat()}
                )
        if project.green_channel or ticket.green_channel:
            row.green_steps.append(
                GreenStep(
                    project_id=project.project_id,
                    project_name=project.name,
                    step=str(ticket.get_kind_display()),
                    accepted_on=ticket.accepted_on,
                    limit_days=ticket.limit_days,
                    due_on=ticket.due_on,
                    closed_on=ticket.closed_on,
                    state=step.sla.state,
                    state_label=_sla_label(step.sla.state, step.sla.days_left),
                    days_left=step.sla.days_left,
                    provisional=step.sla.provisional,
                )
            )
    for reservation in project.reservations.filter(
        status=ReservationStatus.ACTIVE, valid_until__gte=as_of
    ).select_related("feeder", "substation"):
        row.reservations.append(
            _("%(kva)s kVA on %(place)s until %(until)s")
            % {
                "kva": fmt_number(reservation.kva),
                "place": reservation.place,
                "until": reservation.valid_until.isoformat(),
            }
        )
    return row


# -- renderings --------------------------------------------------------------------------------------


def headers() -> list[str]:
    return [
        _("Project id"),
        _("Project"),
        _("Stage"),
        _("Days in stage"),
        _("Primary manager"),
        _("Secondary manager"),
        _("Green channel"),
        _("Expected capacity (kVA)"),
        _("Done this week"),
        _("Next steps"),
        _("Blockers"),
        _("Reservations"),
    ]


def _yes(value: bool) -> str:
    return _("yes") if value else ""


def report_xlsx(report: WeeklyReport) -> bytes:
    """The workbook: the report sheet (title in A1, headers in row 3, one project a row from row 4),
    the green-channel steps and the reservations."""
    # Project id … expected capacity, then the four multi-line lists (wrapped, in fixed widths).
    kinds: list[Kind] = ["text", "text", "text", "int", "text", "text", "text", "kva"]
    columns = [Column(header, kind) for header, kind in zip(headers()[:8], kinds, strict=True)]
    columns += [Column(h, "text", width=w, wrap=True) for h, w in zip(headers()[8:], (40, 40, 30, 30), strict=True)]
    generated = _("Generated %(at)s") % {"at": timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")}
    weekly = Sheet(
        title=_("Weekly report"),
        heading=[report.title, generated],
        columns=columns,
        rows=(
            [
                row.project.project_id,
                row.project.name,
                row.stage_label,
                row.days_in_stage,
                row.primary,
                row.secondary,
                _yes(row.project.green_channel),
                row.project.expected_capacity_kva,
                "\n".join(row.done),
                "\n".join(row.next_steps),
                "\n".join(row.blockers),
                "\n".join(row.reservations),
            ]
            for row in report.rows
        ),
        freeze_columns=2,
    )
    green = Sheet(
        title=_("Green channel"),
        columns=[
            Column(_("Project id"), "text"),
            Column(_("Project"), "text"),
            Column(_("Step"), "text"),
            Column(_("Accepted on"), "date"),
            Column(_("Limit (working days)"), "int"),
            Column(_("Due on"), "date"),
            Column(_("Closed on"), "date"),
            Column(_("Clock"), "text"),
        ],
        rows=(
            [
                step.project_id,
                step.project_name,
                step.step,
                step.accepted_on,
                step.limit_days,
                step.due_on,
                step.closed_on,
                step.state_label + (" " + _("(provisional)") if step.provisional else ""),
            ]
            for step in report.green_steps
        ),
    )
    reserved = Sheet(
        title=_("Reservations"),
        columns=[Column(_("Project id"), "text"), Column(_("Project"), "text"), Column(_("Reservations"), "text")],
        rows=([row.project.project_id, row.project.name, text] for row in report.rows for text in row.reservations),
    )
    return write_workbook([weekly, green, reserved])


def report_pdf_html(report: WeeklyReport) -> str:
    from powerkam.service.letters import CJK_FONTS

    return render_to_string("prospects/report_pdf.html", {"report": report, "fonts": CJK_FONTS, "headers": headers()})


def report_pdf(report: WeeklyReport) -> bytes:
    from powerkam.service.letters import render_pdf

    return render_pdf(report_pdf_html(report))


def report_text(report: WeeklyReport) -> str:
    """The mail body: one paragraph per project."""
    lines = [report.title, ""]
    counts = report.counts
    lines.append(
        _(
            "%(projects)s projects; %(done)s steps done this week; %(blockers)s blockers; %(breached)s green-channel steps past their limit."
        )
        % {
            "projects": counts["projects"],
            "done": counts["done"],
            "blockers": counts["blockers"],
            "breached": counts["green_breached"],
        }
    )
    for row in report.rows:
        p = row.project
        lines += ["", f"{p.project_id} {p.name} · {row.stage_label}"]
        if row.days_in_stage is not None:
            lines.append(_("Days in stage: %(n)s") % {"n": row.days_in_stage})
        lines.append(_("Managers: %(primary)s / %(secondary)s") % {"primary": row.primary, "secondary": row.secondary})
        for label, items in (
            (_("Done this week"), row.done),
            (_("Next steps"), row.next_steps),
            (_("Blockers"), row.blockers),
            (_("Reservations"), row.reservations),
        ):
            if items:
                lines.append(f"{label}:")
                lines += [f"  - {item}" for item in items]
    lines += ["", _("The workbook and the PDF are attached.")]
    return "\n".join(lines)


def weekly_report_send(*, as_of: dt.date | None = None, by: User | None = None) -> WeeklyReportRun:
    """Build the report in the site language, mail it with the workbook and the PDF to the supervisors,
    and keep a record of it."""
    with translation.override(settings.LANGUAGE_CODE):
        report = build_weekly_report(as_of=as_of)
    recipients = [u.email for u in supervisors_to_mail()]
    messages = []
    for language, emails in recipients_by_language(supervisors_to_mail()).items():
        with translation.override(language):  # one mail per language the supervisors read
            worded = build_weekly_report(as_of=as_of) if language != settings.LANGUAGE_CODE else report
            message = EmailMessage(worded.title, report_text(worded), to=emails)
            stem = f"weekly-report-{worded.as_of.isoformat()}"
            message.attach(f"{stem}.xlsx", report_xlsx(worded), XLSX_CONTENT_TYPE)
            message.attach(f"{stem}.pdf", report_pdf(worded), "application/pdf")
            messages.append(message)
    if messages:
        with get_connection() as connection:
            connection.send_messages(messages)
    return WeeklyReportRun.objects.create(
        week_start=report.week_start, as_of=report.as_of, projects=len(report.rows), recipients=recipients, by=by
    )


def report_context(report: WeeklyReport) -> dict[str, Any]:
    return {"report": report, "headers": headers(), "counts": report.counts}
