from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache

from factories import Team, build_team


@pytest.fixture
def team(db: None) -> Team:
    return build_team()


@pytest.fixture
def store_dir(settings: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A fresh, empty analytics store for the test."""
    path = tmp_path / "store"
    path.mkdir()
    settings.ANALYTICS_DIR = path  # type: ignore[attr-defined]
    return path


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Filter choices are cached for a minute; every test starts from an empty cache."""
    cache.clear()
