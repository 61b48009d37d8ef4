from __future__ import annotations

import pytest
from django.core.cache import cache

from factories import Team, build_team


@pytest.fixture
def team(db: None) -> Team:
    return build_team()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Filter choices are cached for a minute; every test starts from an empty cache."""
    cache.clear()
