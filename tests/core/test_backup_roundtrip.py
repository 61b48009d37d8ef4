"""The restore drill with the real console script, on SQLite and on PostgreSQL: a small demo province
→ ``powerkam backup`` → the CRM and the store change → ``powerkam restore`` into a fresh data dir and
a fresh database → everything as at backup time, compared by content.

The PostgreSQL run uses its own databases (powerkam_bk_src, powerkam_bk_dst) on 127.0.0.1:5432 and
drops them at the end; it is skipped when no server answers there.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.slow

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_SRC, PG_DST = "powerkam_bk_src", "powerkam_bk_dst"


def _pg_answers() -> bool:
    if shutil.which("pg_isready") is None or shutil.which("pg_dump") is None:
        return False
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode == 0


def powerkam(env: dict[str, str], *args: str, json_out: bool = True) -> Any:
    """Run the console script; its JSON answer."""
    done = subprocess.run(
        [sys.executable, "-m", "powerkam.cli", *args, *(["--format", "json"] if json_out else [])],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"powerkam {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout) if json_out else None


def _env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(POWERKAM_DATA_DIR=str(data_dir), POWERKAM_SECRET_KEY="backup-drill-secret-key-" + "b" * 40)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


class Crm:
    """Direct access to one site's CRM database, to read it whole and to change it behind PowerKAM's back."""

    def __init__(self, data_dir: Path, pg_name: str | None) -> None:
        self.data_dir, self.pg_name = data_dir, pg_name

    def connect(self) -> Any:
        if self.pg_name is None:
            return sqlite3.connect(self.data_dir / "powerkam.sqlite3")
        import psycopg

        return psycopg.connect(f"{PG_SERVER}/{self.pg_name}")

    def contents(self) -> dict[str, list[str]]:
        con = self.connect()
        try:
            cur = con.cursor()
            if self.pg_name is None:
                cur.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
            else:
                cur.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
                )
            contents = {}
            for (table,) in sorted(cur.fetchall()):
                cur.execute(f'SELECT * FROM "{table}"')
                contents[table] = sorted(repr(tuple(row)) for row in cur.fetchall())
            if self.pg_name is not None:  # the next id of every table comes back too
                cur.execute("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1")
                contents["(sequences)"] = [repr(tuple(r)) for r in cur.fetchall()]
            return contents
        finally:
            con.close()

    def execute(self, sql: str) -> None:
        con = self.connect()
        try:
            con.execute(sql)
            con.commit()
        finally:
            con.close()


def store_tree(data_dir: Path) -> dict[str, bytes]:
    root = data_dir / "store"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}  # fmt: skip


@pytest.fixture
def pg_databases() -> Iterator[None]:
    if not _pg_answers():
        pytest.skip("no PostgreSQL server answers on 127.0.0.1:5432 (pg_isready), or pg_dump is not installed")
    import psycopg

    admin = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True)
    for name in (PG_SRC, PG_DST):
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield
    finally:
        for name in (PG_SRC, PG_DST):
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def _drill(tmp_path: Path, src_url: str | None, dst_url: str | None, src_pg: str | None, dst_pg: str | None) -> None:
    src_dir, dst_dir, backup_dir = tmp_path / "site", tmp_path / "restored", tmp_path / "backups" / "2026-12-06"
    src, dst = _env(src_dir, src_url), _env(dst_dir, dst_url)
    src_crm, dst_crm = Crm(src_dir, src_pg), Crm(dst_dir, dst_pg)

    powerkam(src, "migrate", "--verbosity", "0", json_out=False)
    powerkam(src, "demo", "build", "--customers", "30", "--months", "6", "--seed", "7")
    crm_at_backup, store_at_backup = src_crm.contents(), store_tree(src_dir)
    summary_at_backup = powerkam(src, "data", "summary")
    assert summary_at_backup["customers"] == 30
    assert summary_at_backup["crm_accounts"] > 0

    made = powerkam(src, "backup", str(backup_dir))
    assert made["engine"] == ("sqlite" if src_pg is None else "postgresql")
    assert made["datasets"]["customers"] == 30

    # After the backup both halves change: an account is renamed, the outages dataset replaced.
    src_crm.execute("UPDATE accounts_account SET name = 'renamed after the backup'")
    pq.write_table(pa.table({"outage_id": ["X"]}), src_dir / "store" / "outages.parquet")
    assert src_crm.contents() != crm_at_backup

    restored = powerkam(dst, "restore", str(backup_dir))
    assert restored["pending_migrations"] == []
    assert dst_crm.contents() == crm_at_backup
    assert store_tree(dst_dir) == store_at_backup
    assert powerkam(dst, "data", "summary") == summary_at_backup

    # The restored site is a whole PowerKAM: nothing left to migrate, and it refuses a second restore.
    check = subprocess.run(
        [sys.executable, "-m", "powerkam.cli", "migrate", "--check"], env=dst, capture_output=True, check=False
    )
    assert check.returncode == 0, check.stdout
    again = subprocess.run(
        [sys.executable, "-m", "powerkam.cli", "restore", str(backup_dir), "--format", "json"],
        env=dst,
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 1
    assert str(dst_dir / "store") in json.loads(again.stdout)["error"]  # names what is not empty


def test_restore_drill_on_sqlite(tmp_path: Path):
    _drill(tmp_path, None, None, None, None)


def test_restore_drill_on_postgresql(tmp_path: Path, pg_databases: None):
    _drill(tmp_path, f"{PG_SERVER}/{PG_SRC}", f"{PG_SERVER}/{PG_DST}", PG_SRC, PG_DST)
