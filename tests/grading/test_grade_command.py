"""``powerkam grade``: persists the run, writes the result file, and fails cleanly."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.utils import translation

from grading.grading_store import SAMPLES
from powerkam.analytics.grading_export import EXPORT_COLUMNS
from powerkam.grading.models import GradingRun, RunStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are checked in English here (the site default, Chinese, is checked in the pages' tests)."""
    with translation.override("en"):
        yield


def grade(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("grade", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def _expected() -> dict[str, dict[str, str]]:
    with (SAMPLES / "expected-grading-2026-10.csv").open(encoding="utf-8") as fh:
        return {row["customer_id"]: row for row in csv.DictReader(fh)}


def test_grade_writes_a_csv_row_per_customer_and_persists_the_run(sample_store_dir: Path, tmp_path: Path) -> None:
    output = tmp_path / "grading.csv"
    code, out, err = grade("--period", "2026-10", "--output", str(output), "--lang", "en")
    assert (code, err) == (0, "")
    assert "190 key accounts (A 28 · B 138 · C 24)" in out
    run = GradingRun.objects.get()
    assert (run.status, run.period, run.backend) == (RunStatus.SUCCEEDED, "2026-10", "duckdb")

    with output.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert len(rows) == 416
    expected = _expected()
    for row in rows:
        want = expected[row["customer_id"]]
        assert row["key_account"] == want["key_account"]
        assert row["grade"] == want["grade"]
        assert row["annual_revenue"] == want["annual_revenue"]
        assert row["overdue_yuan"] == want["overdue_yuan"]
    e009 = next(r for r in rows if r["customer_id"] == "E009")
    assert "Grade A (premium)" in e009["reasons"]
    assert e009["max_days_late"] == "2"


def test_grade_json_summary_and_parquet_and_json_outputs(sample_store_dir: Path, tmp_path: Path) -> None:
    code, out, _ = grade("--period", "2026-10", "--format", "json", "--output", str(tmp_path / "g.parquet"))
    assert code == 0
    summary = json.loads(out)
    assert summary["key_accounts"] == 190
    assert summary["grades"] == {"A": 28, "B": 138, "C": 24}
    table = pq.read_table(tmp_path / "g.parquet")
    assert table.column_names == list(EXPORT_COLUMNS)
    assert table.num_rows == 416
    assert "大客户" in table.column("reasons")[2].as_py()  # Chinese by default

    code, _, _ = grade("--period", "2026-10", "--output", str(tmp_path / "g.json"), "--lang", "zh")
    rows = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
    assert code == 0
    assert rows[2]["customer_id"] == "E003"
    assert rows[2]["key_account"] is True
    assert rows[2]["annual_revenue"] == 700000.0
    # The second run saw no changes since the first.
    assert json.loads(out)["joined"] == 190
    assert GradingRun.objects.order_by("-pk").first().joined == 0


def test_grade_with_a_rules_file(sample_store_dir: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[grade]\na_min_value_rank = 0.95\n", encoding="utf-8")
    code, out, _ = grade("--period", "2026-10", "--rules", str(rules), "--format", "json")
    assert code == 0
    run = GradingRun.objects.get()
    assert run.rules_source == str(rules)
    assert "a_min_value_rank = 0.95" in run.rules_toml
    assert json.loads(out)["grades"]["A"] < 28


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026-13"], "not a billing period"),
        (["--period", "2027-01"], "no billing data for 2027-01"),
        (["--period", "2026-10", "--rules", "/nonexistent/rules.toml"], "does not exist"),
        (["--period", "2026-10", "--output", "/tmp/grading.xlsx"], "must end in .csv, .parquet, .json"),
        (["--period", "2026-10", "--output", "/nonexistent/dir/g.csv"], "does not exist"),
    ],
)
def test_grade_refuses_clearly(sample_store_dir: Path, args: list[str], message: str) -> None:
    code, out, err = grade(*args)
    assert code == 1
    assert message in err
    assert "Traceback" not in err + out
    assert not GradingRun.objects.exists()


def test_the_engine_comes_from_the_environment_unless_given(
    sample_store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERKAM_ANALYTICS_BACKEND", "hadoop")
    code, out, err = grade("--period", "2026-10")
    assert code == 1
    assert "Unknown engine 'hadoop': choose one of duckdb, pyspark." in err
    assert "Traceback" not in err + out
    assert not GradingRun.objects.exists()
    # --backend wins over the environment.
    code, _out, err = grade("--period", "2026-10", "--backend", "duckdb")
    assert (code, err) == (0, "")
    assert GradingRun.objects.get().backend == "duckdb"


def test_a_bad_rules_file_names_the_key(sample_store_dir: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[credit]\nlate_payment_deduction = -10\n", encoding="utf-8")
    code, out, err = grade("--period", "2026-10", "--rules", str(rules), "--format", "json")
    assert code == 1
    assert "'credit.late_payment_deduction' must not be negative" in err
    assert json.loads(out)["field"] == "rules"


@pytest.mark.slow
def test_the_real_command_exits_non_zero_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "POWERKAM_DATA_DIR": str(tmp_path), "POWERKAM_DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    powerkam = Path(sys.executable).with_name("powerkam")
    done = subprocess.run(
        [str(powerkam), "grade", "--period", "2026-1"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert "not a billing period" in done.stderr
    assert "Traceback" not in done.stderr
