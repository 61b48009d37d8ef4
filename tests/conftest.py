"""Shared fixtures.

The environment (data directory, secret key) is set by tests/environment.py, a plugin that
pytest loads before Django starts.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

#: The sample extracts the tests import: the project's own fixtures, inside the repository.
SAMPLES = Path(__file__).resolve().parent / "fixtures" / "samples"

import pytest  # noqa: E402

_DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}


# Not trylast: the ``db`` mark must be on the items before ``-m`` selects them (the mark plugin's hook
# runs after this conftest's); pytest-django orders the database tests before both (tryfirst).
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that touches the CRM database with ``db`` so CI can re-run them on PostgreSQL,
    and run the tests with ``serialized_rollback`` first.

    Such a test reloads the database's rows as migrations left them (content types among them, by
    id). The flush after any other transactional test re-creates the content types with new ids, and
    the reload then fails on their unique names; before any such flush the reload finds the same rows.
    With ``--dist loadfile`` the first files listed are the first each worker runs."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("django_db") or fixtures & _DB_FIXTURES:
            item.add_marker(pytest.mark.db)

    def serialized(item: pytest.Item) -> bool:
        marker = item.get_closest_marker("django_db")
        return bool(marker and marker.kwargs.get("serialized_rollback"))

    items[:] = [i for i in items if serialized(i)] + [i for i in items if not serialized(i)]


pytest_plugins = ["tests.smtp"]


@pytest.fixture
def store_dir(settings: Any, tmp_path: Path) -> Path:
    """A fresh, empty analytics store for the test (``settings.ANALYTICS_DIR`` points at it)."""
    path = tmp_path / "store"
    path.mkdir()
    settings.ANALYTICS_DIR = path
    return path


@pytest.fixture(scope="session")
def spark_con() -> Any:
    """An Ibis connection to a local PySpark session, one per test session (it takes seconds to start)."""
    pytest.importorskip("pyspark")
    from powerkam.analytics.grading_backends import connect

    return connect("pyspark")


CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Every Playwright test drives Debian's Chromium, headless and offline (docs/stack-notes.md)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """Each test starts in the product's default language: a request made in English by the test before
    (the test client runs the locale middleware in this thread) must not leak into the next one."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_process_memos() -> None:
    """What a web process keeps in memory under stamps of the database (rows of the account list): a
    rolled-back test gives its ids to the next one, so the stamps repeat between tests, never in service."""
    views = sys.modules.get("powerkam.accounts.views")
    if views is not None:
        with views._row_memo_lock:
            views._row_memo.clear()
