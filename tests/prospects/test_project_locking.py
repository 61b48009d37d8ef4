"""No lost update on a project: two people edit the same government project from the same version."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client

from powerkam.core.errors import ConflictError
from powerkam.prospects import services
from powerkam.prospects.models import Project
from tests.locking import api_race, form_version, send
from tests.prospects.conftest import Team, make_project

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _edit_data(project: Project, **changes: str) -> dict[str, str]:
    data = {
        "name": project.name,
        "industry": project.industry,
        "district": project.district,
        "expected_capacity_kva": str(project.expected_capacity_kva),
        "expected_annual_kwh": str(project.expected_annual_kwh),
        "expected_energize_on": project.expected_energize_on.isoformat() if project.expected_energize_on else "",
        "supply_voltage_kv": str(project.supply_voltage_kv),
        "government_contact": project.government_contact,
        "owner_name": project.owner_name,
        "owner_contact": project.owner_contact,
        "notes": project.notes,
    }
    return {**data, **changes}


def test_the_second_form_is_shown_again_naming_who_changed_what(team: Team) -> None:
    project = make_project(team.supervisor, project_id="P1")
    li, wang = client_for(team.business), client_for(team.technical)
    url = "/prospects/p/P1/edit/"
    page_li, page_wang = li.get(url), wang.get(url)
    assert form_version(page_li) == form_version(page_wang) == 1

    saved = li.post(url, {**_edit_data(project, expected_capacity_kva="25000"), "version": form_version(page_li)})
    assert saved.status_code == 302
    again = wang.post(url, {**_edit_data(project, notes="业主要求双电源"), "version": form_version(page_wang)})

    assert again.status_code == 200
    page = again.content.decode()
    assert "李娜 changed this prospect project while you were editing it" in page
    assert "expected capacity (kVA)" in page
    assert "Your change was not saved." in page
    assert "业主要求双电源" in page  # the person's own values are still in the form
    assert form_version(again) == 2  # saving again is now a deliberate choice
    project.refresh_from_db()
    assert (project.expected_capacity_kva, project.notes, project.version) == (Decimal("25000"), "", 2)

    # Saving the re-shown form again replaces their change on purpose.
    wang.post(url, {**_edit_data(project, notes="业主要求双电源"), "version": 2})
    project.refresh_from_db()
    assert (project.notes, project.version) == ("业主要求双电源", 3)


def test_the_conflict_message_is_in_chinese_on_a_chinese_page(team: Team) -> None:
    project = make_project(team.supervisor, project_id="P1")
    wang = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    wang.force_login(team.technical)
    services.project_update(project=project, by=team.business, version=1, name="示范区数据中心")
    page = wang.post("/prospects/p/P1/edit/", {**_edit_data(project, notes="备注"), "version": 1}).content.decode()
    assert "在您编辑期间，李娜 修改了此储备项目" in page
    assert "项目名称" in page
    assert "changed this" not in page


def test_the_second_api_patch_gets_409_with_the_current_project(team: Team) -> None:
    make_project(team.supervisor, project_id="P1")
    first, second = api_race(
        client_for(team.business),
        client_for(team.technical),
        read="/api/v1/prospects/projects/P1",
        write="/api/v1/prospects/projects/P1",
        method="patch",
        mine={"expected_capacity_kva": "25000"},
        theirs={"notes": "业主要求双电源"},
    )
    assert first.status_code == 200, first.content
    assert (first.json()["version"], first.headers["ETag"]) == (2, '"2"')
    assert second.status_code == 409, second.content
    body = second.json()
    assert body["code"] == "conflict"
    assert (body["current_version"], body["your_version"]) == (2, 1)
    assert body["changed_by"] == ["李娜"]
    assert body["changed_fields"] == ["expected capacity (kVA)"]
    assert body["current"]["expected_capacity_kva"] == "25000.00"
    assert body["current"]["notes"] == ""
    assert second.headers["ETag"] == '"2"'
    project = Project.objects.get(project_id="P1")
    assert (project.expected_capacity_kva, project.notes) == (Decimal("25000"), "")


def test_a_change_without_a_version_is_refused_with_428(team: Team) -> None:
    make_project(team.supervisor, project_id="P1")
    answer = send(client_for(team.business), "patch", "/api/v1/prospects/projects/P1", {"notes": "x"})
    assert answer.status_code == 428
    assert answer.json()["code"] == "version_required"
    assert Project.objects.get(project_id="P1").notes == ""


def test_if_match_and_body_version_must_agree(team: Team) -> None:
    make_project(team.supervisor, project_id="P1")
    answer = send(
        client_for(team.business),
        "patch",
        "/api/v1/prospects/projects/P1",
        {"notes": "x", "version": 1},
        **{"If-Match": '"2"'},
    )
    assert answer.status_code == 400
    assert Project.objects.get(project_id="P1").notes == ""


def test_stale_managers_are_refused_in_the_service(team: Team) -> None:
    project = make_project(team.supervisor, project_id="P1")
    services.project_managers_set(project=project, by=team.supervisor, primary=team.business, secondary=None, version=1)
    with pytest.raises(ConflictError) as caught:
        services.project_managers_set(
            project=project, by=team.supervisor, primary=None, secondary=team.technical, version=1
        )
    assert caught.value.extra["changed_fields"] == ["primary manager (business)"]
    project.refresh_from_db()
    assert (project.primary_manager, project.secondary_manager) == (team.business, None)


def test_a_task_done_meanwhile_keeps_the_first_outcome_in_the_form_and_the_api(team: Team) -> None:
    project = make_project(team.supervisor, project_id="P1")
    task = services.follow_up_create(project=project, by=team.supervisor, title="取得用地规划许可证复印件")
    other = services.follow_up_create(project=project, by=team.supervisor, title="确认业主联系人")
    li, wang = client_for(team.business), client_for(team.technical)
    tasks = li.get("/prospects/p/P1/").content.decode().split('data-testid="tasks"')[1]
    assert '<input type="hidden" name="version" value="1">' in tasks  # each task's form sends its version
    li.post(f"/prospects/tasks/{task.pk}/done/", {"on": "2026-03-03", "outcome": "已取得", "version": 1})
    refused = wang.post(f"/prospects/tasks/{task.pk}/done/", {"on": "2026-03-03", "outcome": "未取得", "version": 1})
    assert "李娜 changed this follow-up task while you were editing it" in wang.get(refused.url).content.decode()
    task.refresh_from_db()
    assert task.outcome == "已取得"

    first = send(li, "post", f"/api/v1/prospects/follow-ups/{other.pk}/done", {"outcome": "王总", "version": 1})
    second = send(wang, "post", f"/api/v1/prospects/follow-ups/{other.pk}/done", {"outcome": "李总", "version": 1})
    assert first.status_code == 200, first.content
    assert second.status_code == 409, second.content
    assert second.json()["current"]["outcome"] == "王总"
