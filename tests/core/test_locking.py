"""The one "no lost update" mechanism (core.locking) at the database level: two transactions race."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import translation

from powerkam.core.errors import ConflictError
from powerkam.core.locking import lock, snapshot
from powerkam.prospects.models import Project


def _begin() -> Any:
    """``transaction.atomic()``, entered once the database lets this writer in.

    PostgreSQL makes the second writer wait inside ``SELECT … FOR UPDATE``; a SQLite file waits in
    ``BEGIN IMMEDIATE`` (its busy timeout). The tests' in-memory SQLite database shares one cache
    between threads, which answers "table is locked" at once instead of waiting, so wait here as a
    file database would.
    """
    while True:
        atomic = transaction.atomic()
        try:
            atomic.__enter__()
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc):
                raise
            time.sleep(0.05)
            continue
        return _Entered(atomic)


class _Entered:
    def __init__(self, atomic: Any) -> None:
        self.atomic = atomic

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> Any:
        return self.atomic.__exit__(*exc)


@pytest.mark.django_db(transaction=True)
def test_two_transactions_from_the_same_version_cannot_both_win() -> None:
    """The first writer holds the row; the second waits for its commit, then sees the new version."""
    project = Project.objects.create(project_id="P1", name="示范区数据中心")
    first_holds_the_row = threading.Event()
    outcome: dict[str, Any] = {}

    def write(name: str, notes: str, *, hold: bool) -> None:
        try:
            if not hold:
                first_holds_the_row.wait(10)
            with _begin():
                current = lock(Project(pk=project.pk), 1)
                if hold:
                    first_holds_the_row.set()
                    time.sleep(0.5)  # the second writer is now waiting for this row
                current.notes = notes
                current.save()
            outcome[name] = "saved"
        except ConflictError as exc:
            outcome[name] = exc
        finally:
            connection.close()

    first = threading.Thread(target=write, args=("first", "先保存的修改"), kwargs={"hold": True})
    second = threading.Thread(target=write, args=("second", "后保存的修改"), kwargs={"hold": False})
    first.start()
    second.start()
    first.join(20)
    second.join(20)

    assert outcome["first"] == "saved"
    assert isinstance(outcome["second"], ConflictError)
    assert outcome["second"].extra["current_version"] == 2
    project.refresh_from_db()
    assert (project.notes, project.version) == ("先保存的修改", 2)
    assert [h.version for h in project.history.order_by("history_id")] == [1, 2]


@pytest.mark.django_db
def test_every_save_raises_the_version_and_the_history_keeps_each() -> None:
    project = Project.objects.create(project_id="P1", name="A")
    assert project.version == 1
    project.name = "B"
    project.save()
    project.notes = "n"
    project.save(update_fields=["notes"])
    project.refresh_from_db()
    assert project.version == 3
    assert [(h.version, h.name, h.notes) for h in project.history.order_by("history_id")] == [
        (1, "A", ""),
        (2, "B", ""),
        (3, "B", "n"),
    ]


@pytest.mark.django_db
def test_the_conflict_names_everyone_and_every_field_changed_since_the_version() -> None:
    from django.contrib.auth.models import User

    project = Project.objects.create(project_id="P1", name="A")
    li = User.objects.create(username="li", first_name="娜", last_name="李")
    with transaction.atomic():
        current = lock(project, 1)
        current.name = "B"
        current._history_user = li  # type: ignore[attr-defined]
        current.save()
    with transaction.atomic():
        current = lock(project, 2)
        current.notes = "from an import"
        current.save()
    with pytest.raises(ConflictError) as caught, transaction.atomic(), translation.override("en"):
        lock(project, 1)
    extra = caught.value.extra
    assert (extra["current_version"], extra["your_version"]) == (3, 1)
    assert extra["changed_by"] == [li.get_full_name(), "an import or the system"]
    assert extra["changed_fields"] == ["project name", "notes"]
    assert snapshot(caught.value.current)["notes"] == "from an import"


@pytest.mark.django_db
def test_no_version_locks_without_comparing() -> None:
    project = Project.objects.create(project_id="P1", name="A")
    project.save()
    with transaction.atomic():
        assert lock(project, None).version == 2
