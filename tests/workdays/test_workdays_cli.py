"""``powerkam calendar`` in text and JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("calendar", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_add_workdays_json() -> None:
    code, out, err = run("add-workdays", "2026-09-28", "10", "--format", "json")
    assert code == 0
    assert json.loads(out) == {"date": "2026-10-16", "provisional": False}
    assert err == ""


def test_add_workdays_text() -> None:
    code, out, _ = run("add-workdays", "2026-09-28", "10")
    assert (code, out.strip()) == (0, "2026-10-16")


def test_format_before_the_action_works_too() -> None:
    _code, out, _ = run("--format", "json", "add-workdays", "2026-09-28", "10")
    assert json.loads(out)["date"] == "2026-10-16"


def test_provisional_answer_warns_on_stderr() -> None:
    code, out, err = run("add-workdays", "2026-12-24", "10", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert (data["date"], data["provisional"]) == ("2027-01-08", True)  # New Year's Day 2027 is off
    assert "2027" in err
    assert "Provisional" in err


def test_strict_refuses_beyond_the_known_calendar() -> None:
    code, out, err = run("add-workdays", "2026-12-24", "10", "--strict", "--format", "json")
    assert code == 1
    assert "2027" in json.loads(out)["error"]
    assert "not known yet" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("2026-02-30", "3"), "not a date"),
        (("tomorrow", "3"), "not a date"),
        (("2026-01-05", "-1"), "0 or more"),
        (("2026-01-05", "2.5"), "whole number"),
        (("2026-01-05", "ten"), "whole number"),
    ],
)
def test_bad_input_is_a_clear_message(args: tuple[str, str], message: str) -> None:
    code, out, err = run("add-workdays", *args)
    assert code == 1
    assert message in err
    assert "Traceback" not in err
    assert out == ""


def test_is_workday() -> None:
    _code, out, _ = run("is-workday", "2026-10-10")
    assert out.strip() == "2026-10-10: working day · National Day"
    _code, out, _ = run("is-workday", "2026-02-16", "--format", "json")
    data = json.loads(out)
    assert (data["is_workday"], data["kind"], data["name"], data["provisional"]) == (
        False,
        "holiday",
        "Spring Festival",
        False,
    )


def test_is_workday_beyond_the_notice_is_a_provisional_rest_day() -> None:
    """Issue 19: `calendar is-workday 2027-10-01` said "working day"; the regulation makes it a rest day."""
    code, out, err = run("is-workday", "2027-10-01")
    assert code == 0
    assert out.strip() == "2027-10-01: day off · National Day  (provisional)"
    assert "2027" in err
    assert "statutory holidays" in err
    _code, out, _ = run("is-workday", "2027-10-01", "--format", "json")
    data = json.loads(out)
    assert (data["is_workday"], data["kind"], data["name"], data["provisional"], data["source"]) == (
        False,
        "holiday",
        "National Day",
        True,
        "regulation",
    )
    _code, out, _ = run("is-workday", "2027-02-04")
    assert out.strip() == "2027-02-04: working day  (provisional)"


def test_import_year_names_the_missing_statutory_days(tmp_path: Path) -> None:
    partial = tmp_path / "holidays-2027.csv"
    partial.write_text("date,is_workday,name\n2027-01-01,0,New Year's Day\n", encoding="utf-8")
    code, _, err = run("import-year", str(partial))
    assert code == 1
    assert "2027-02-05 (Spring Festival)" in err
    assert "2027-10-01 (National Day)" in err
    assert "2027-01-01" not in err.split("Missing as days off:")[1]
    assert "Traceback" not in err


def test_status_and_import_year(year_2027_file: Path) -> None:
    code, out, _ = run("status", "--format", "json")
    years = {y["year"]: y for y in json.loads(out)["years"]}
    assert years[2026]["source"] == "library"
    assert not years[2027]["known"]
    code, out, _ = run("status")
    assert "2027: NOT KNOWN" in out

    code, out, _ = run("import-year", str(year_2027_file), "--format", "json")
    assert code == 0
    assert json.loads(out)["holidays"] == 25

    code, out, _ = run("status", "--format", "json")
    years = {y["year"]: y for y in json.loads(out)["years"]}
    assert years[2027]["known"]
    assert years[2027]["source"] == "administrator"
    assert years[2027]["source_note"] == "holidays-2027.csv"
    code, out, err = run("add-workdays", "2027-02-05", "1", "--format", "json")
    assert json.loads(out) == {"date": "2027-02-15", "provisional": False}
    assert err == ""


def test_import_year_lists_bad_rows(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,is_workday,name\n2027-01-01,0,New Year\n2027-02-30,0,Spring\n", encoding="utf-8")
    code, _, err = run("import-year", str(bad))
    assert code == 1
    assert "row 3, date = '2027-02-30'" in err
    assert "nothing was changed" in err
    code, _, err = run("import-year", str(tmp_path / "missing.csv"))
    assert code == 1
    assert "There is no file" in err


@pytest.mark.slow
def test_the_console_script_exits_cleanly(tmp_path: Path) -> None:
    """The real ``powerkam`` process: exit codes and no traceback (its own data directory)."""
    env = {**os.environ, "POWERKAM_DATA_DIR": str(tmp_path), "POWERKAM_DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    exe = Path(sys.executable).with_name("powerkam")
    subprocess.run([exe, "migrate", "-v", "0"], env=env, check=True, capture_output=True)
    ok = subprocess.run(
        [exe, "calendar", "add-workdays", "2026-09-28", "10", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"date": "2026-10-16", "provisional": False}
    bad = subprocess.run([exe, "calendar", "add-workdays", "2026-99-01", "1"], env=env, capture_output=True, text=True)
    assert bad.returncode != 0
    assert "'2026-99-01'" in bad.stderr
    assert "YYYY-MM-DD" in bad.stderr
    assert "Traceback" not in bad.stderr
    missing = subprocess.run([exe, "calendar", "add-workdays", "2026-01-01"], env=env, capture_output=True, text=True)
    assert missing.returncode != 0
    assert "Traceback" not in missing.stderr
