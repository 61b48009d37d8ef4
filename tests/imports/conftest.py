from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SAMPLES


@pytest.fixture
def store(settings, tmp_path: Path) -> Path:
    """A fresh, empty analytics store for each test."""
    settings.ANALYTICS_DIR = tmp_path / "store"
    settings.DATA_DIR = tmp_path
    return settings.ANALYTICS_DIR


@pytest.fixture
def samples() -> Path:
    return SAMPLES


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
