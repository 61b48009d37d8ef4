"""The monthly overview report: the workbook, the mail to the supervisors (a real SMTP exchange),
the button on the overview, the command line and the schedule."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from factories import AccountFactory, StaffFactory, Team, monthly_bills, paid_on_time, write_dataset
from powerkam.core.schedule import jobs
from powerkam.insights.models import OverviewReportRun
from powerkam.insights.report import monthly_report_send, report_text, report_xlsx
from powerkam.staff.models import Role
from powerkam.staff.scope import Scope
from powerkam.web import dashboard
from tests.insights.conftest import team_with_three_months_billed
from workbooks import INJECTED, assert_header, assert_injected_names_are_text, assert_numbers, column, open_workbook

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 12, 1)


@pytest.fixture
def team(db: None, settings: Any, tmp_path: Path) -> Team:
    """The test team; E100 (a key account) owes its September bill, E200 nothing; a non-key customer
    makes the base twice as large as the key accounts' consumption."""
    return team_with_three_months_billed(settings, tmp_path, {("E100", "2026-09")})


def _summary(workbook_bytes: bytes) -> dict[str, Any]:
    sheet = load_workbook(io.BytesIO(workbook_bytes))["概览"]
    return {row[1]: row[2] for row in sheet.iter_rows(min_row=4, values_only=True)}


def test_the_workbook_has_the_summary_and_every_account_in_arrears(team: Team) -> None:
    scope = Scope.whole_base()
    data = report_xlsx(dashboard.figures_for(scope, AS_OF), scope=scope, as_of=AS_OF)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["概览", "逐月占比", "欠费", "按类型的服务时限", "逾期未访"]
    summary = _summary(data)
    assert summary["大客户"] == 3
    assert summary["用电量占比（近 12 个已出账月份）"] == 0.5  # a percentage cell (0.0%), not the text "50.0%"
    assert summary["逾期欠费的大客户"] == 1
    assert summary["欠费金额（元）"] == 100000.0
    arrears = list(workbook["欠费"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[5], r[6]) for r in arrears] == [("E100", 100000.0, 47)]  # due 2026-10-15


def test_the_workbook_writes_names_as_text_and_figures_as_numbers(team: Team, tmp_path: Path) -> None:
    """Seven more key accounts, named like formulas, owe their September bill too."""
    bills = []
    for customer_id in ("E100", "E200", "X1", "X2", *(f"J{n}" for n in range(len(INJECTED)))):
        bills += monthly_bills(customer_id, last_period="2026-10", months=3, kwh=100_000.0, price="1.00")
    owing = {("E100", "2026-09"), *((f"J{n}", "2026-09") for n in range(len(INJECTED)))}
    write_dataset(tmp_path, "billing", bills)
    write_dataset(tmp_path, "payments", paid_on_time(bills, except_=owing))
    for n, name in enumerate(INJECTED):
        AccountFactory(customer_id=f"J{n}", name=name, key_status="key", grade="A")
    cache.clear()
    scope = Scope.whole_base()
    figures = dashboard.figures_for(scope, AS_OF)
    book = open_workbook(report_xlsx(figures, scope=scope, as_of=AS_OF))
    summary = book["概览"]
    assert_header(summary, header_row=3)
    values = {row[1].value: row[2] for row in summary.iter_rows(min_row=4)}
    mail = report_text(figures, as_of=AS_OF)  # the mail says the same figures as text
    assert "欠费金额（元）: 800,000.00" in mail
    assert f"用电量占比（近 12 个已出账月份）: {values['用电量占比（近 12 个已出账月份）'].value * 100:.1f}%" in mail
    share = values["用电量占比（近 12 个已出账月份）"]
    assert (share.data_type, share.number_format) == ("n", "0.0%")
    assert 0 < share.value < 1  # a fraction: 9 of the 11 customers' consumption
    owed = values["欠费金额（元）"]
    assert (owed.value, owed.number_format) == (800000.0, "#,##0.00")
    assert values["大客户"].data_type == "n"
    shares = book["逐月占比"]
    assert_header(shares)
    assert_numbers(column(shares, "用电量占比"), "0.0%")
    arrears = book["欠费"]
    assert_header(arrears)
    assert_injected_names_are_text(arrears)
    assert_numbers(column(arrears, "欠费金额（元）"), "#,##0.00")
    assert_numbers(column(arrears, "逾期天数"), "0")


def test_the_report_is_mailed_to_the_supervisors_and_recorded(team: Team, smtp_server: Any) -> None:
    run = monthly_report_send(as_of=AS_OF)
    assert run.recipients == ["zhangwei@example.com"]
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0].message
    assert str(message["Subject"]) == "大客户经营月报（2026-12-01）"
    assert "【大客户欠费】" in smtp_server.messages[0].text
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "key-account-report-2026-12-01.xlsx"
    assert _summary(attachment.get_content())["大客户"] == 3
    assert OverviewReportRun.objects.get().as_of == AS_OF


def test_each_supervisor_gets_the_report_in_their_own_language(team: Team, smtp_server: Any) -> None:
    """zhangwei reads Chinese (the default); a second supervisor chose English with the language switch:
    one mail each, subject, text and workbook in the reader's language only."""
    StaffFactory(
        user__username="lucy", user__email="lucy@example.com", name="Lucy", role=Role.SUPERVISOR, language="en"
    )
    run = monthly_report_send(as_of=AS_OF)
    assert sorted(run.recipients) == ["lucy@example.com", "zhangwei@example.com"]
    by_reader = {tuple(m.recipients): m for m in smtp_server.messages}
    assert set(by_reader) == {("zhangwei@example.com",), ("lucy@example.com",)}

    chinese = by_reader[("zhangwei@example.com",)]
    assert chinese.subject == "大客户经营月报（2026-12-01）"
    assert "【大客户欠费】" in chinese.text
    assert "Key accounts" not in chinese.text
    zh_book = load_workbook(io.BytesIO(next(chinese.message.iter_attachments()).get_content()))
    assert zh_book.sheetnames[0] == "概览"

    english = by_reader[("lucy@example.com",)]
    assert english.subject == "Key-account monthly report, 2026-12-01"
    assert "[Arrears of key accounts]" in english.text
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english.text)  # not one Chinese character
    attachment = next(english.message.iter_attachments())
    assert attachment.get_filename() == "key-account-report-2026-12-01.xlsx"
    en_book = load_workbook(io.BytesIO(attachment.get_content()))
    assert en_book.sheetnames == ["Summary", "Share by month", "Arrears", "Service by type", "Overdue visits"]
    summary = {row[1]: row[2] for row in en_book["Summary"].iter_rows(min_row=4, values_only=True)}
    assert summary["Key accounts"] == 3
    chinese_text = [
        cell
        for sheet in en_book.worksheets[1:]
        for cell in next(sheet.iter_rows(max_row=1, values_only=True))  # the header rows (the rows are data)
        if isinstance(cell, str) and any("\u4e00" <= ch <= "\u9fff" for ch in cell)
    ]
    chinese_text += [  # the summary's areas and figure names, every row
        cell
        for row in en_book["Summary"].iter_rows(min_row=1, max_col=2, values_only=True)
        for cell in row
        if isinstance(cell, str) and any("\u4e00" <= ch <= "\u9fff" for ch in cell)
    ]
    assert chinese_text == []


def test_supervisors_mail_it_from_the_overview_and_managers_cannot(
    client: Client, team: Team, smtp_server: Any
) -> None:
    client.force_login(team.manager.user)
    assert client.post("/insights/overview/send/").status_code == 403
    assert "overview/send" not in client.get("/insights/").content.decode()
    client.force_login(team.supervisor.user)
    page = client.post("/insights/overview/send/", follow=True).content.decode()
    assert "月报已发送给 1 位主管" in page
    assert len(smtp_server.messages) == 1


def test_the_workbook_download_has_the_users_scope(client: Client, team: Team) -> None:
    client.force_login(team.other.user)  # manages E100 (secondary) and E200
    response = client.get("/insights/overview.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert _summary(response.content)["大客户"] == 2


def test_the_command_writes_the_workbook_and_sends(team: Team, smtp_server: Any, tmp_path: Path) -> None:
    target = tmp_path / "report.xlsx"
    call_command("overview", "--user", "m01", "--xlsx", str(target), "--format", "json", stdout=io.StringIO())
    assert _summary(target.read_bytes())["大客户"] == 2
    call_command("overview", "--send", stdout=io.StringIO())
    assert len(smtp_server.messages) == 1


def test_the_schedule_sends_it_on_the_first_day_of_each_month() -> None:
    job = next(j for j in jobs() if j.name == "insights.monthly_report")
    assert job.due_on(dt.datetime(2026, 12, 1, 8, 0)) == dt.date(2026, 12, 1)
    assert job.due_on(dt.datetime(2026, 12, 1, 7, 0)) is None  # before 07:45
    assert job.due_on(dt.datetime(2026, 12, 2, 8, 0)) is None


def test_a_mail_server_that_does_not_answer_is_said_and_nothing_is_recorded(
    client: Client, team: Team, settings: Any
) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    client.force_login(team.supervisor.user)
    page = client.post("/insights/overview/send/", follow=True).content.decode()
    assert "月报未能发送" in page
    assert OverviewReportRun.objects.count() == 0


def _own_pv(tmp_path: Path) -> None:
    """E100 runs 10,000 kWh a month of rooftop PV from August to October 2026, 6,000 kWh used on site."""
    write_dataset(
        tmp_path,
        "generation",
        [
            {"customer_id": "E100", "period": f"2026-{m:02d}", "technology": "pv", "installed_kw": 100.0,
             "mode": "surplus", "generated_kwh": 10_000.0, "self_consumed_kwh": 6_000.0,
             "exported_kwh": 4_000.0}
            for m in (8, 9, 10)
        ],
    )  # fmt: skip


def test_the_report_has_the_renewables_area_for_the_year_so_far(team: Team, tmp_path: Path) -> None:
    """E100 consumed 300 MWh in 2026 so far; at a 20 % weight it owes 60 MWh and covers 18 MWh with
    its own PV: 42 MWh short = 42 certificates, at the default 2.31 yuan 97.02 yuan (docs/rules.md §7)."""
    from powerkam.renewables import services as renewables

    _own_pv(tmp_path)
    renewables.weight_set(province="示范省", year=2026, party_type="market_user", total_weight="0.2")
    scope = Scope.whole_base()
    figures = dashboard.figures_for(scope, AS_OF)
    summary = _summary(report_xlsx(figures, scope=scope, as_of=AS_OF))
    assert summary["新能源客户（2026 年）"] == 1
    assert summary["本年已出账月数"] == 3
    assert summary["未完成消纳责任"] == 1
    assert summary["自有发电的自发自用比例"] == pytest.approx(0.6)  # a percentage cell
    assert summary["自用比例低于下限"] == 0
    assert summary["本年至今应消纳量（MWh）"] == pytest.approx(60.0)
    assert summary["本年至今已完成（MWh）"] == pytest.approx(18.0)
    assert summary["缺口（MWh）"] == pytest.approx(42.0)
    assert summary["缺口（绿证张数）"] == 42
    assert summary["按最新绿证价格计的缺口金额（元）"] == pytest.approx(97.02)
    assert "警告" not in summary
    mail = report_text(figures, as_of=AS_OF)
    assert "【新能源】" in mail
    assert "自有发电的自发自用比例: 60.0%" in mail
    assert "缺口（绿证张数）: 42" in mail
    assert "按最新绿证价格计的缺口金额（元）: 97.02" in mail


def test_the_report_warns_when_the_years_weight_is_not_loaded(team: Team, tmp_path: Path, smtp_server: Any) -> None:
    _own_pv(tmp_path)
    monthly_report_send(as_of=AS_OF)
    text = smtp_server.messages[0].text
    assert "【新能源】" in text
    assert "新能源客户（2026 年）: 1" in text
    assert "本年至今应消纳量（MWh）: 0" in text  # no obligation without a weight …
    warning = next(line for line in text.splitlines() if line.strip().startswith("警告"))
    assert "示范省" in warning  # … and the report says why
    assert "2026" in warning
    attachment = next(smtp_server.messages[0].message.iter_attachments())
    assert "2026" in _summary(attachment.get_content())["警告"]


def test_without_renewable_accounts_the_report_has_no_renewables_area(team: Team) -> None:
    scope = Scope.whole_base()
    mail = report_text(dashboard.figures_for(scope, AS_OF), as_of=AS_OF)
    assert "【新能源】" not in mail
