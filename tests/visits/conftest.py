"""Fixtures for the visits tests: a supervisor, two managers, graded key accounts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User

from factories import StaffFactory
from powerkam.staff.models import Role


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Assertions read the English messages."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def supervisor(db: Any) -> User:
    return StaffFactory(role=Role.SUPERVISOR, user__username="sup", name="张主任", user__email="sup@example.com").user


@pytest.fixture
def manager(supervisor: User) -> User:
    return StaffFactory(
        role=Role.MANAGER, supervisor=supervisor.staff, user__username="m1", name="李娜", user__email="m1@example.com"
    ).user


@pytest.fixture
def colleague(supervisor: User) -> User:
    return StaffFactory(
        role=Role.MANAGER, supervisor=supervisor.staff, user__username="m2", name="王强", user__email="m2@example.com"
    ).user
