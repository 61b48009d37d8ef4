"""Renewables tests: a fresh store per test (the import tests' fixtures) and the web team."""

from __future__ import annotations

from tests.imports.conftest import samples, store

__all__ = ["samples", "store"]
