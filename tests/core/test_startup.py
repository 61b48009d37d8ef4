"""A light command starts without the heavy libraries (issue 14: commands answer in ≤ 1.5 s).

Apps contribute their panels, tiles, work-list and inbox sources by dotted path; the registries import
them when first read. These tests fail when a module imported at start-up pulls in Ibis, DuckDB,
PyArrow, openpyxl, OR-Tools, WeasyPrint or PySpark again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ["ibis", "duckdb", "pyarrow", "openpyxl", "ortools", "weasyprint", "pyspark", "icalendar", "numpy"]

_PROBE = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "powerkam.settings")
import django
from django.core.management import load_command_class
django.setup()
command = load_command_class("powerkam.workdays", "calendar")
command.create_parser("powerkam", "calendar").parse_args(["add-workdays", "2026-09-30", "5"])
loaded = {name: name in sys.modules for name in json.loads(sys.argv[1])}
from powerkam.web import panels
panels.load()
loaded["panels registered"] = bool(panels._PANELS["account"])
loaded["pyarrow once the 360 panels are read"] = "pyarrow" in sys.modules
print(json.dumps(loaded))
"""


@pytest.fixture
def probe(tmp_path) -> dict[str, bool]:
    env = {**os.environ, "POWERKAM_DATA_DIR": str(tmp_path), "POWERKAM_DEBUG": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(HEAVY)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_calendar_command_imports_no_heavy_library(probe: dict[str, bool]) -> None:
    assert [name for name in HEAVY if probe[name]] == []


def test_the_registries_still_get_every_contribution_when_read(probe: dict[str, bool]) -> None:
    assert probe["panels registered"]
    # … which is where the heavy libraries come in (so the first test's check is not vacuous)
    assert probe["pyarrow once the 360 panels are read"]


def test_a_server_process_imports_the_views_and_panels_when_it_starts(tmp_path) -> None:
    """… while a web server's process pays for them at start, not on its first user's request."""
    probe = (
        "import gc, json, sys\n"
        "import powerkam.wsgi\n"
        "from powerkam.web import panels\n"
        "from django.template import engines\n"
        "from django.urls import get_resolver\n"
        "loader = engines['django'].engine.template_loaders[0]\n"
        "while not hasattr(loader, 'get_template_cache'):  # template-partials wraps the cached loader\n"
        "    loader = loader.loaders[0]\n"
        "print(json.dumps({'views': 'powerkam.visits.views' in sys.modules, 'panels': bool(panels._PANELS['home']),\n"
        "    'reverse': sorted(get_resolver()._reverse_dict),\n"
        "    'templates': 'accounts/list.html' in loader.get_template_cache,\n"
        "    'frozen': gc.get_freeze_count() > 100_000}))\n"
    )
    env = {**os.environ, "POWERKAM_DATA_DIR": str(tmp_path), "POWERKAM_DEBUG": "1"}
    proc = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {
        "views": True,
        "panels": True,
        "reverse": ["en", "zh-hans"],  # the URL table built in both languages (else on the first {% url %})
        "templates": True,  # … and the templates compiled (else on the first render)
        "frozen": True,  # … and all of it out of the garbage collector's reach (else walked by each full collection)
    }
