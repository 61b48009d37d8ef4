"""Projects that arrive (or move on) through an imported government list get their dated stage changes too."""

from __future__ import annotations

import pytest
from django.utils import timezone

from powerkam.imports.services import import_file
from powerkam.prospects import services
from powerkam.prospects.models import Project, Stage, StageChange, StageSource
from tests.conftest import SAMPLES
from tests.prospects.conftest import Team

pytestmark = pytest.mark.django_db


def test_imported_projects_get_their_stage_changes(team: Team) -> None:
    import_file(kind="projects", path=SAMPLES / "projects.xlsx")
    # The importer records the stages as it lands the list; a later sync finds nothing to add.
    assert StageChange.objects.count() == 3
    assert services.stage_log_sync() == 0
    today = timezone.localdate()
    changes = {c.project.project_id: (c.from_stage, c.to_stage, c.on, c.source) for c in StageChange.objects.all()}
    assert changes == {
        "P2026-001": ("", Stage.APPROVED, today, StageSource.IMPORT),
        "P2026-002": ("", Stage.APPROVED, today, StageSource.IMPORT),
        "P2026-003": ("", Stage.PLANNED, today, StageSource.IMPORT),
    }
    assert Project.objects.get(project_id="P2026-001").stage_since == today


def test_a_later_list_that_approves_a_planned_project_is_recorded(team: Team, tmp_path: object) -> None:
    import openpyxl

    import_file(kind="projects", path=SAMPLES / "projects.xlsx")
    services.stage_log_sync()
    book = openpyxl.load_workbook(SAMPLES / "projects.xlsx")
    sheet = book.active
    assert sheet is not None
    sheet["C4"] = "已立项"  # P2026-003 approved on the next list
    path = tmp_path / "projects-next.xlsx"  # type: ignore[operator]
    book.save(path)
    import_file(kind="projects", path=path)
    project = Project.objects.get(project_id="P2026-003")
    assert project.stage == Stage.APPROVED
    # Moving it on records the import's change first, then its own.
    services.project_managers_set(project=project, by=team.supervisor, primary=team.business, secondary=team.technical)
    services.project_advance(project=project, to_stage=Stage.LOST, by=team.business, lost_reason="选址变更")
    kept = [(c.from_stage, c.to_stage) for c in project.stage_changes.order_by("id")]
    assert kept == [("", Stage.PLANNED), (Stage.PLANNED, Stage.APPROVED), (Stage.APPROVED, Stage.LOST)]
    assert project.stage_changes.get(to_stage=Stage.APPROVED).on == timezone.localdate()
