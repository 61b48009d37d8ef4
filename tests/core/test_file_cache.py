"""The file cache counts its entries at most once a minute per process, and still culls."""

from __future__ import annotations

from pathlib import Path

import pytest

from powerkam.core import cache as file_cache


@pytest.fixture
def small_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> file_cache.FileCache:
    monkeypatch.setattr(file_cache, "_last_cull", {})
    return file_cache.FileCache(str(tmp_path / "cache"), {"OPTIONS": {"MAX_ENTRIES": 10, "CULL_FREQUENCY": 2}})


def test_a_set_lists_the_directory_once_a_minute_not_every_time(
    small_cache: file_cache.FileCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = []
    real = small_cache._list_cache_files
    monkeypatch.setattr(small_cache, "_list_cache_files", lambda: listed.append(1) or real())
    for i in range(50):
        small_cache.set(f"k{i}", i)
    assert len(listed) == 1  # Django's own lists it on each of the 50
    assert small_cache.get("k49") == 49


def test_over_the_limit_the_next_count_culls(
    small_cache: file_cache.FileCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(file_cache.time, "monotonic", lambda: clock[0])
    for i in range(30):
        small_cache.set(f"k{i}", i)
    assert len(small_cache._list_cache_files()) == 30  # over MAX_ENTRIES within the minute
    clock[0] += file_cache.CULL_EVERY_SECONDS + 1
    small_cache.set("later", 1)
    assert len(small_cache._list_cache_files()) == 30 - 30 // 2 + 1  # half culled, as Django culls
    assert small_cache.get("later") == 1


def test_the_settings_use_it() -> None:
    from django.conf import settings

    assert settings.CACHES["default"]["BACKEND"] == "powerkam.core.cache.FileCache"
