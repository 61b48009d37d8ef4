"""The prospect pages: the pipeline list (filters, HTMX table, Excel), a project's page refusing to move an
approved project without its "1+1" managers, reservations refused with the numbers, report downloads,
funnel and feeders."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.test import Client

from powerkam.prospects import services
from powerkam.prospects.models import Project, Stage
from tests.prospects.conftest import Grid, Team, make_project
from workbooks import INJECTED, assert_header, assert_injected_names_are_text, assert_numbers, column

D = dt.date
pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def pipeline(team: Team) -> list[Project]:
    return [
        make_project(team.supervisor, "P1", name="新能源汽车产业园", stage=Stage.APPROVED, district="东城区"),
        make_project(team.supervisor, "P2", name="人民医院新院区", district="西城区", industry="Q"),
    ]


def test_list_filters_and_partial_table(team: Team, pipeline: list[Project]) -> None:
    web = client_for(team.business)
    page = web.get("/prospects/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-project="P1"' in html
    assert 'data-project="P2"' in html
    assert 'data-kpi="missing-managers">1<' in html  # P1 is approved without managers
    assert "1+1 missing" in html
    filtered = web.get("/prospects/?district=西城区", HTTP_HX_REQUEST="true")
    body = filtered.content.decode()
    assert "<html" not in body  # only the table
    assert 'data-project="P2"' in body
    assert 'data-project="P1"' not in body
    export = web.get("/prospects/export/?stage=approved")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["Project id", "P1"]


def test_the_export_writes_names_as_text_and_figures_as_numbers(team: Team, pipeline: list[Project]) -> None:
    for n, name in enumerate(INJECTED):
        make_project(team.supervisor, f"PX{n}", name=f"project {n}")
        Project.objects.filter(project_id=f"PX{n}").update(name=name)  # as an import may bring it
    sheet = openpyxl.load_workbook(io.BytesIO(client_for(team.business).get("/prospects/export/").content)).active
    assert sheet is not None
    assert_header(sheet)
    assert_injected_names_are_text(sheet)
    assert_numbers(column(sheet, "Days in stage"), "0")
    assert_numbers(column(sheet, "Expected capacity (kVA)"), "#,##0")
    assert_numbers(column(sheet, "Expected annual consumption (kWh)"), "#,##0")
    assert_numbers(column(sheet, "Likely supply voltage (kV)"), "General")
    energise = [c for c in column(sheet, "Expected energise date") if c.value is not None]
    assert energise
    assert all(c.is_date and c.number_format == "yyyy-mm-dd" for c in energise)


def test_moving_an_approved_project_without_managers_is_refused_on_the_page(
    team: Team, pipeline: list[Project]
) -> None:
    web = client_for(team.business)
    detail = web.get("/prospects/p/P1/").content.decode()
    assert 'data-testid="blocked"' in detail
    assert "Missing: primary (business) manager and secondary (technical) manager" in detail
    answer = web.post(
        "/prospects/p/P1/stage/",
        {"to_stage": "applied", "on": "2026-11-02", "customer_id": "C1", "tariff": "large_industrial"},
        follow=True,
    )
    assert "moves on only with both" in answer.content.decode()
    assert Project.objects.get(project_id="P1").stage == Stage.APPROVED
    version = Project.objects.get(project_id="P1").version
    web.post(
        "/prospects/p/P1/managers/", {"primary": team.business.pk, "secondary": team.technical.pk, "version": version}
    )
    moved = web.post(
        "/prospects/p/P1/stage/",
        {"to_stage": "applied", "on": "2026-11-02", "customer_id": "C1", "tariff": "large_industrial"},
        follow=True,
    )
    assert "The project is now Applied for connection." in moved.content.decode()
    assert 'data-testid="case"' in moved.content.decode()


def test_reservation_refused_with_the_numbers_on_the_page(team: Team, grid: Grid, pipeline: list[Project]) -> None:
    web = client_for(team.business)
    ok = web.post(
        "/prospects/p/P1/reserve/", {"feeder": grid.f001.pk, "kva": "4000", "valid_until": "2027-06-30"}, follow=True
    )
    assert "4,000 kVA reserved on F001线 (F001) until 2027-06-30." in ok.content.decode()
    refused = web.post(
        "/prospects/p/P1/reserve/", {"feeder": grid.f001.pk, "kva": "500", "valid_until": "2027-06-30"}, follow=True
    )
    assert "leaves 186 kW (206.67 kVA); this reservation needs 500 kVA (450 kW)." in refused.content.decode()
    feeders = web.get("/prospects/feeders/").content.decode()
    assert 'data-feeder="F001"' in feeders
    assert 'data-available-kw="186.00"' in feeders


def test_viewer_reads_but_gets_no_forms(team: Team, pipeline: list[Project]) -> None:
    web = client_for(team.viewer)
    detail = web.get("/prospects/p/P1/").content.decode()
    assert "新能源汽车产业园" in detail
    assert 'data-testid="stage-form"' not in detail
    assert 'data-testid="managers-form"' not in detail
    version = Project.objects.get(project_id="P1").version
    web.post(
        "/prospects/p/P1/managers/", {"primary": team.business.pk, "secondary": team.technical.pk, "version": version}
    )
    assert Project.objects.get(project_id="P1").primary_manager is None


def test_report_page_and_downloads(team: Team, pipeline: list[Project]) -> None:
    web = client_for(team.supervisor)
    page = web.get("/prospects/report/?date=2026-11-27").content.decode()
    assert "Key projects weekly report 2026-11-23 – 2026-11-27" in page
    assert 'data-project="P1"' in page
    assert 'data-project="P2"' not in page  # planned
    xlsx = web.get("/prospects/report/?date=2026-11-27&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    pdf = web.get("/prospects/report/?date=2026-11-27&format=pdf")
    assert pdf.content.startswith(b"%PDF")


def test_report_mailed_from_the_page(team: Team, pipeline: list[Project], smtp_server: object) -> None:
    answer = client_for(team.supervisor).post("/prospects/report/send/?date=2026-11-27", follow=True)
    assert "Report mailed to sup@example.com." in answer.content.decode()
    assert len(smtp_server.messages) == 1  # type: ignore[attr-defined]


def test_funnel_page(team: Team, pipeline: list[Project], grid: Grid) -> None:
    services.project_managers_set(
        project=pipeline[0], by=team.supervisor, primary=team.business, secondary=team.technical
    )
    services.project_advance(
        project=pipeline[0], to_stage=Stage.LOST, by=team.business, on=D(2026, 4, 1), lost_reason="取消"
    )
    page = client_for(team.supervisor).get("/prospects/funnel/").content.decode()
    assert 'data-chart="chart-funnel-data"' in page
    assert 'data-testid="demand"' in page
    assert "人民医院新院区" in page
    assert "vendor/echarts/echarts.min.js" in page
    overall = page.split('data-funnel=""')[1].split("</table>")[0]
    approved = overall.split('data-stage="approved"')[1].split("</tr>")[0]
    # reached 1, moved on 0, conversion 0.0 %, lost here 1, now here 0; 30 days approved (03-02 → 04-01)
    assert [cell.split(">")[1].split("<")[0] for cell in approved.split("<td")[1:]] == [
        "Approved", "1", "0", "0.0%", "1", "0", "30.0 / 30.0",
    ]  # fmt: skip


def test_stage_labels_in_chinese_are_the_pipeline_words(team: Team, pipeline: list[Project]) -> None:
    web = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    web.force_login(team.business)
    page = web.get("/prospects/").content.decode()
    assert '<span class="stage stage-planned" data-stage="planned">规划中</span>' in page
    assert '<span class="stage stage-approved" data-stage="approved">已立项</span>' in page
    assert "计划停电" not in page  # the same English word for a planned outage


def test_admin_lists_the_prospect_models(approved: Project, django_user_model: type[User]) -> None:
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    web = Client(HTTP_ACCEPT_LANGUAGE="en")
    web.force_login(admin)
    change = web.get(f"/admin/prospects/project/{approved.pk}/change/")
    assert change.status_code == 200
    assert "Stage changes" in change.content.decode()  # the dated changes, read-only
    for model in ("reservation", "followup", "contactentry", "weeklyreportrun"):
        assert web.get(f"/admin/prospects/{model}/").status_code == 200


def test_the_key_account_keeps_the_project_history_on_its_360_page(team: Team, approved: Project) -> None:
    services.contact_log_add(
        project=approved, by=team.business, on=D(2026, 3, 5), party="government", summary="立项批复"
    )
    services.project_advance(
        project=approved, to_stage=Stage.APPLIED, by=team.business, on=D(2026, 9, 28),
        connection=services.Connection("C8800001"),
    )  # fmt: skip
    services.project_advance(project=approved, to_stage=Stage.UNDER_CONSTRUCTION, by=team.business, on=D(2026, 10, 9))
    services.project_advance(project=approved, to_stage=Stage.ENERGISED, by=team.business, on=D(2026, 11, 9))
    client = client_for(team.supervisor)
    assert "/accounts/C8800001/panels/prospect/" in client.get("/accounts/C8800001/").content.decode()
    page = client.get("/accounts/C8800001/panels/prospect/").content.decode()
    panel = page.split('data-testid="prospect-panel"')[1].split("</ol>")[0]
    assert "P2026-001" in panel
    assert "1 contact logged" in panel
    assert panel.count("<li>") == 4  # registered approved, applied, under construction, energised
    assert "2026-03-02" in panel


def test_my_work_lists_the_projects_i_co_manage(team: Team, approved: Project) -> None:
    services.follow_up_create(project=approved, by=team.business, title="落实施工用电", due_on=D(2026, 12, 4))
    services.follow_up_create(project=approved, by=team.business, title="征地手续未完成", blocker=True)
    assert "/work/panels/prospects/" in client_for(team.technical).get("/").content.decode()
    home = client_for(team.technical).get("/work/panels/prospects/").content.decode()
    table = home.split('data-testid="my-prospects"')[1].split("</table>")[0]
    assert "示范区新能源汽车零部件产业园" in table
    assert "落实施工用电" in table
    assert '<span class="badge badge-danger">1</span>' in table
    assert client_for(team.viewer).get("/work/panels/prospects/").content == b""  # no panel: the placeholder goes


def test_the_export_of_a_selection_is_exactly_the_selected_projects(team: Team, pipeline: list[Project]) -> None:
    """The list's bulk bar (issue 19 part 6), whatever the filters say."""
    web = client_for(team.business)
    assert 'name="selected" value="P2" form="project-bulk"' in web.get("/prospects/").content.decode()
    export = web.post("/prospects/export/", {"selected": ["P2"]})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["Project id", "P2"]
