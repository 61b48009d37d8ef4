"""The weekly progress report on a fixed data set: its contents, the Excel cells, the PDF text
(pdftotext) with a CJK font, and the mail to the supervisors through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import timezone

from powerkam.prospects import report as weekly
from powerkam.prospects import services
from powerkam.prospects.models import Party, Project, Stage, WeeklyReportRun
from tests.prospects.conftest import Grid, Team, make_project
from workbooks import INJECTED, assert_header, assert_injected_names_are_text, assert_numbers, column

D = dt.date
AS_OF = D(2026, 11, 27)  # a Friday: the week runs 2026-11-23 … 2026-11-27
pytestmark = pytest.mark.django_db


@pytest.fixture
def week(team: Team, grid: Grid) -> dict[str, Project]:
    """P2026-001: green channel, applied on Monday, a task done, a contact, a reservation, a next step, a blocker.
    P2026-002: approved in October without managers, nothing this week. P2026-003: planned (not in the report).
    P2026-004: lost this week. P2026-005: lost in October (not in the report)."""
    sup = team.supervisor
    p1 = make_project(sup, "P2026-001", stage=Stage.APPROVED, on=D(2026, 3, 2), green_channel=True)
    services.project_managers_set(project=p1, by=sup, primary=team.business, secondary=team.technical)
    services.reservation_create(
        project=p1,
        by=team.business,
        kva=Decimal("4000"),
        valid_until=D(2027, 6, 30),
        feeder=grid.f001,
        on=D(2026, 11, 24),
    )
    services.project_advance(
        project=p1, to_stage=Stage.APPLIED, by=team.business, on=D(2026, 11, 23),
        connection=services.Connection("C8800001"),
    )  # fmt: skip
    done = services.follow_up_create(project=p1, by=team.business, title="取得规划许可证")
    services.follow_up_done(follow_up=done, by=team.business, on=D(2026, 11, 25), outcome="已取得")
    services.follow_up_create(project=p1, by=team.business, title="落实施工用电", due_on=D(2026, 12, 4))
    services.follow_up_create(project=p1, by=team.business, title="征地手续未完成", blocker=True)
    services.contact_log_add(
        project=p1, by=team.business, on=D(2026, 11, 24), party=Party.GOVERNMENT, organisation="发改委",
        person="王科长", summary="确认立项批复",
    )  # fmt: skip
    p2 = make_project(sup, "P2026-002", name="示范区数据中心二期", stage=Stage.APPROVED, on=D(2026, 10, 15))
    p3 = make_project(sup, "P2026-003", name="示范区人民医院新院区")
    p4 = make_project(sup, "P2026-004", name="示范物流园", stage=Stage.APPROVED, on=D(2026, 9, 1))
    services.project_advance(project=p4, to_stage=Stage.LOST, by=sup, on=D(2026, 11, 26), lost_reason="业主迁址外省")
    p5 = make_project(sup, "P2026-005", name="旧项目", stage=Stage.APPROVED, on=D(2026, 9, 1))
    services.project_advance(project=p5, to_stage=Stage.LOST, by=sup, on=D(2026, 10, 1), lost_reason="取消")
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5}


def test_report_contents(week: dict[str, Project]) -> None:
    report = weekly.build_weekly_report(as_of=AS_OF)
    assert report.week_start == D(2026, 11, 23)
    assert [r.project.project_id for r in report.rows] == ["P2026-001", "P2026-002", "P2026-004"]
    first, second, lost = report.rows
    assert (first.stage_label, first.days_in_stage, first.primary, first.secondary) == (
        "Applied for connection", 4, "李娜", "王强",
    )  # fmt: skip
    assert first.done == [
        "11-23 Approved → Applied for connection",
        "11-24 Government department 发改委 王科长: 确认立项批复",
        "11-24 reserved 4,000 kVA on F001线 (F001)",
        "11-25 ✓ 取得规划许可证: 已取得",
    ]
    assert first.next_steps == [
        "落实施工用电 (due 2026-12-04, 李娜)",
        "Supply scheme reply due 2026-12-07 (6 working day(s) left)",
    ]
    assert first.blockers == ["征地手续未完成 (no due date, 李娜)"]
    assert first.reservations == ["4,000 kVA on F001线 (F001) until 2027-06-30"]
    [green] = first.green_steps
    assert (green.step, green.accepted_on, green.limit_days, green.due_on, green.state) == (
        "Supply scheme reply", D(2026, 11, 23), 10, D(2026, 12, 7), "on_track",
    )  # fmt: skip
    assert (second.days_in_stage, second.primary, second.done, second.next_steps) == (43, "—", [], [])
    assert lost.done == ["11-26 Approved → Lost (业主迁址外省)"]
    assert report.counts == {"projects": 3, "done": 5, "blockers": 1, "green_breached": 0}


def test_green_channel_step_past_its_clock_is_a_blocker(week: dict[str, Project]) -> None:
    report = weekly.build_weekly_report(as_of=D(2026, 12, 8))
    first = report.rows[0]
    assert first.green_steps[0].state == "breached"
    assert "Supply scheme reply is past its time limit (due 2026-12-07)" in first.blockers
    assert report.counts["green_breached"] == 1


def test_excel_workbook_cells(week: dict[str, Project]) -> None:
    book = openpyxl.load_workbook(io.BytesIO(weekly.report_xlsx(weekly.build_weekly_report(as_of=AS_OF))))
    sheet = book["Weekly report"]
    assert sheet["A1"].value == "Key projects weekly report 2026-11-23 – 2026-11-27"
    assert [c.value for c in sheet[3]] == [
        "Project id", "Project", "Stage", "Days in stage", "Primary manager", "Secondary manager", "Green channel",
        "Expected capacity (kVA)", "Done this week", "Next steps", "Blockers", "Reservations",
    ]  # fmt: skip
    assert [c.value for c in sheet[4]][:8] == [
        "P2026-001", "示范区新能源汽车零部件产业园", "Applied for connection", 4, "李娜", "王强", "yes", 20000,
    ]  # fmt: skip
    assert sheet["I4"].value.splitlines()[0] == "11-23 Approved → Applied for connection"
    assert sheet["K4"].value == "征地手续未完成 (no due date, 李娜)"
    assert sheet["L4"].value == "4,000 kVA on F001线 (F001) until 2027-06-30"
    assert (sheet["A5"].value, sheet["D5"].value, sheet["E5"].value) == ("P2026-002", 43, "—")
    assert (sheet["A6"].value, sheet["C6"].value) == ("P2026-004", "Lost")
    assert sheet.max_row == 6
    green = book["Green channel"]
    assert [c.value for c in green[2]] == [
        "P2026-001", "示范区新能源汽车零部件产业园", "Supply scheme reply", dt.datetime(2026, 11, 23), 10,
        dt.datetime(2026, 12, 7), None, "6 working day(s) left",
    ]  # fmt: skip
    assert book["Reservations"]["A2"].value == "P2026-001"


def test_excel_workbook_writes_names_as_text_and_figures_as_numbers(week: dict[str, Project], team: Team) -> None:
    for n, name in enumerate(INJECTED):
        make_project(team.supervisor, f"PX{n}", name=f"project {n}", stage=Stage.APPROVED, on=D(2026, 11, 2))
        Project.objects.filter(project_id=f"PX{n}").update(name=name)  # as an import may bring it
    book = openpyxl.load_workbook(io.BytesIO(weekly.report_xlsx(weekly.build_weekly_report(as_of=AS_OF))))
    sheet = book["Weekly report"]
    assert_header(sheet, header_row=3)
    assert sheet.freeze_panes == "C4"
    assert_injected_names_are_text(sheet)
    assert_numbers(column(sheet, "Days in stage", header_row=3), "0")
    assert_numbers(column(sheet, "Expected capacity (kVA)", header_row=3), "#,##0")
    assert sheet["I4"].alignment.wrap_text
    green = book["Green channel"]
    assert_header(green)
    assert_numbers(column(green, "Limit (working days)"), "0")
    for header in ("Accepted on", "Due on"):
        assert all(c.is_date and c.number_format == "yyyy-mm-dd" for c in column(green, header))


def _pdf_text(pdf: bytes, tmp_path: Path) -> tuple[str, str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return text, fonts


def test_pdf_text_and_cjk_font(week: dict[str, Project], tmp_path: Path) -> None:
    text, fonts = _pdf_text(weekly.report_pdf(weekly.build_weekly_report(as_of=AS_OF)), tmp_path)
    assert "Key projects weekly report 2026-11-23 – 2026-11-27" in " ".join(text.split())
    flat = "".join(text.split())  # a table cell may wrap a Chinese word over two lines
    for expected in (
        "P2026-001",
        "P2026-002",
        "P2026-004",
        "征地手续未完成",
        "确认立项批复",
        "业主迁址外省",
        "2026-12-07",
    ):
        assert expected in flat, flat
    assert "P2026-003" not in flat
    assert "P2026-005" not in flat
    assert "WenQuanYi" in fonts or "NotoSansCJK" in fonts


def test_report_is_mailed_to_the_supervisors(week: dict[str, Project], smtp_server: Any, tmp_path: Path) -> None:
    run = weekly.weekly_report_send(as_of=AS_OF)
    assert isinstance(run, WeeklyReportRun)
    assert (run.week_start, run.projects, run.recipients) == (D(2026, 11, 23), 3, ["sup@example.com"])
    [message] = smtp_server.messages
    assert message.recipients == ["sup@example.com"]
    assert message.subject.strip() == "重点项目周报 2026-11-23 – 2026-11-27"  # the site language
    assert "征地手续未完成" in message.text
    attachments = {part.get_filename(): part.get_content() for part in message.message.iter_attachments()}
    assert sorted(attachments) == ["weekly-report-2026-11-27.pdf", "weekly-report-2026-11-27.xlsx"]
    book = openpyxl.load_workbook(io.BytesIO(attachments["weekly-report-2026-11-27.xlsx"]))
    assert book.active["A4"].value == "P2026-001"  # type: ignore[index]
    text, _fonts = _pdf_text(attachments["weekly-report-2026-11-27.pdf"], tmp_path)
    assert "示范区新能源汽车零部件产业园" in "".join(text.split())


def test_weekly_report_task(week: dict[str, Project], smtp_server: Any, settings: Any) -> None:
    from powerkam.prospects.tasks import weekly_report

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    result = weekly_report.enqueue(as_of="2026-11-27")
    assert result.return_value == {
        "week_start": "2026-11-23", "as_of": "2026-11-27", "projects": 3, "recipients": ["sup@example.com"],
    }  # fmt: skip
    assert len(smtp_server.messages) == 1


def test_the_schedule_runs_the_report_on_monday_for_the_week_just_finished(
    week: dict[str, Project], smtp_server: Any, settings: Any
) -> None:
    from powerkam.core.schedule import jobs
    from powerkam.prospects.tasks import last_finished_week_end, weekly_report

    registered = {job.name: job for job in jobs()}
    assert registered["prospects.weekly_report"].weekday == 0
    assert registered["prospects.release_expired"].weekday is None
    assert last_finished_week_end(D(2026, 11, 30)) == D(2026, 11, 29)  # Monday → the Sunday before
    assert last_finished_week_end(D(2026, 11, 27)) == D(2026, 11, 22)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    result = weekly_report.enqueue()
    week_end = last_finished_week_end(timezone.localdate())
    assert result.return_value["as_of"] == week_end.isoformat()
    assert result.return_value["week_start"] == (week_end - dt.timedelta(days=6)).isoformat()
