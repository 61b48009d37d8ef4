"""Shared fixtures.

Settings come from the environment: tests run with a throw-away data directory and a test
secret key, never against the developer's ./var.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_TEST_DATA_DIR = Path(tempfile.mkdtemp(prefix="powerkam-test-"))
os.environ.setdefault("POWERKAM_DATA_DIR", str(_TEST_DATA_DIR))
os.environ.setdefault("POWERKAM_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLES = SHARED / "samples"

import pytest  # noqa: E402

_DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that touches the CRM database with ``db`` so CI can re-run them on PostgreSQL."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("django_db") or fixtures & _DB_FIXTURES:
            item.add_marker(pytest.mark.db)
