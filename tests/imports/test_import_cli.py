"""`powerkam import` and `powerkam data summary` as a data administrator runs them: a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES


def powerkam(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POWERKAM_DATA_DIR": str(data_dir), "POWERKAM_SECRET_KEY": "cli-test-" + "c" * 50}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "powerkam.cli", *args], env=env, capture_output=True, text=True, check=False, timeout=120
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli")
    assert powerkam(path, "migrate", "--verbosity", "0").returncode == 0
    return path


def test_refused_file_exits_non_zero_and_lists_rows_in_text_and_json(data_dir):
    text = powerkam(data_dir, "import", "customers", str(SAMPLES / "customers-bad.csv"), "--lang", "en")
    assert text.returncode == 1
    assert "Traceback" not in text.stderr
    assert "6 problems found; nothing was imported" in text.stderr
    assert "row 5, column contract_capacity_kva 'abc': not a number" in text.stderr

    as_json = powerkam(data_dir, "import", "customers", str(SAMPLES / "customers-bad.csv"), "--format", "json")
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert report["error_count"] == 6
    assert [e["row"] for e in report["errors"]] == [3, 4, 5, 6, 7, 8]


def test_import_then_summary_in_json(data_dir):
    result = powerkam(data_dir, "import", "customers", str(SAMPLES / "customers.csv"), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["inserted"] == 416
    summary = powerkam(data_dir, "data", "summary", "--format", "json")
    counts = json.loads(summary.stdout)
    assert counts["customers"] == 416
    assert set(counts) >= {
        "customers",
        "billing",
        "payments",
        "loads",
        "feeders",
        "outages",
        "projects",
        "staff",
        "assignments",
        "visits",
    }


def test_unknown_kind_and_missing_file_are_clear(data_dir):
    unknown = powerkam(data_dir, "import", "tariffs", "x.csv")
    assert unknown.returncode != 0
    assert "invalid choice: 'tariffs'" in unknown.stderr
    missing = powerkam(data_dir, "import", "billing", "/nonexistent/billing.csv")
    assert missing.returncode == 1
    assert "no such file" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_production_settings_without_a_key_give_a_message_not_a_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("POWERKAM_")}
    env["POWERKAM_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "powerkam.cli", "data", "summary"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "POWERKAM_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr
