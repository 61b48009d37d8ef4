"""Backup and restore (powerkam.core.backup): one consistent snapshot of the CRM database, the whole
store tree and the uploads, restored only into an empty site and only when every checksum matches.

The source is the test database itself (SQLite here, PostgreSQL when CI re-runs the database tests
there); the destination a fresh SQLite file or a fresh PostgreSQL database of the same server.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import translation

from factories import AccountFactory, ContactFactory
from powerkam.accounts.models import Account
from powerkam.analytics.io.writer import store_lock
from powerkam.core import schedule
from powerkam.core.apps import register_backup_job
from powerkam.core.backup import Site, backup, nightly_backup, restore, verify
from powerkam.core.errors import ApplicationError
from powerkam.core.tasks import nightly_backup as nightly_backup_task

# serialized_rollback: the flush of a transactional test would take the data migrations' rows (notice
# templates, …) away from the tests that run after it in the same worker.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are matched in English here; one test checks the Chinese."""
    with translation.override("en"):
        yield


# --- helpers ---------------------------------------------------------------------------------------


def _connect(database: dict[str, Any]) -> Any:
    if database["ENGINE"].endswith("sqlite3"):
        name = str(database["NAME"])
        return sqlite3.connect(name, uri=name.startswith("file:"))
    import psycopg

    return psycopg.connect(
        dbname=database["NAME"],
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
    )


def crm_contents(database: dict[str, Any]) -> dict[str, list[str]]:
    """Every row of every table, as text, sorted: two databases with the same content compare equal."""
    con = _connect(database)
    try:
        cur = con.cursor()
        if database["ENGINE"].endswith("sqlite3"):
            cur.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        else:
            cur.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        tables = sorted(r[0] for r in cur.fetchall())
        contents = {}
        for table in tables:
            cur.execute(f'SELECT * FROM "{table}"')
            contents[table] = sorted(repr(tuple(row)) for row in cur.fetchall())
        return contents
    finally:
        con.close()


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock" and ".spill" not in p.parts and not p.name.endswith(".tmp")
    }


def write_dataset(path: Path, ids: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"customer_id": ids, "kwh": [float(i) for i in range(len(ids))]}), path)


@pytest.fixture
def source(tmp_path: Path) -> Site:
    """The test database with a few accounts, and a store tree and uploads of its own."""
    account = AccountFactory(name="华能电厂")
    ContactFactory(account=account)
    AccountFactory(name="首钢")
    store = tmp_path / "src" / "store"
    write_dataset(store / "customers.parquet", ["C1", "C2", "C3"])
    write_dataset(store / "versions" / "0001" / "customers.parquet", ["C1", "C2"])  # whatever the tree holds
    (store / ".spill").mkdir()
    (store / ".spill" / "duckdb_temp_block-1.block").write_bytes(b"left by a killed rebuild")
    (store / ".customers.parquet.999999.tmp").write_bytes(b"left by a killed import")
    media = tmp_path / "src" / "media"
    (media / "visits").mkdir(parents=True)
    (media / "visits" / "纪要.pdf").write_bytes(b"%PDF-1.4 minutes")
    return Site(database=dict(connection.settings_dict), store_dir=store, media_dir=media)


@pytest.fixture
def empty_site(tmp_path: Path) -> Iterator[Site]:
    """A new, empty site on the same engine: a SQLite file not yet made, or a new PostgreSQL database."""
    db = dict(connection.settings_dict)
    dst = tmp_path / "dst"
    if db["ENGINE"].endswith("sqlite3"):
        yield Site(
            database={**db, "NAME": str(dst / "powerkam.sqlite3")}, store_dir=dst / "store", media_dir=dst / "media"
        )
        return
    import psycopg

    name = f"powerkam_bk_dst_{os.getpid()}"
    admin = psycopg.connect(**{**_pg_admin(db)}, autocommit=True)
    admin.execute(f"DROP DATABASE IF EXISTS {name}")
    admin.execute(f"CREATE DATABASE {name}")
    try:
        yield Site(database={**db, "NAME": name}, store_dir=dst / "store", media_dir=dst / "media")
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def _pg_admin(db: dict[str, Any]) -> dict[str, Any]:
    return {
        "dbname": "postgres",
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
    }


# --- the round trip ----------------------------------------------------------------------------------


def test_restore_gives_back_crm_store_and_uploads_as_at_backup_time(source: Site, empty_site: Site, tmp_path: Path):
    crm_before, store_before, media_before = (
        crm_contents(source.database),
        tree(source.store_dir),
        tree(source.media_dir),
    )
    made = backup(tmp_path / "bk", source)

    # Life goes on after the backup: the CRM, the store and the uploads change.
    Account.objects.filter(name="首钢").update(name="首钢集团")
    AccountFactory(name="新客户")
    write_dataset(source.store_dir / "customers.parquet", ["C9"])
    (source.media_dir / "later.txt").write_text("after the backup")

    restored = restore(made.path, empty_site)

    assert crm_contents(empty_site.database) == crm_before
    assert tree(empty_site.store_dir) == store_before
    assert tree(empty_site.media_dir) == media_before
    assert pq.read_table(empty_site.store_dir / "customers.parquet").column("customer_id").to_pylist() == [
        "C1",
        "C2",
        "C3",
    ]
    result = restored.as_dict()
    assert result["tables"]["accounts_account"] == 2
    assert result["datasets"] == {"customers": 3, "versions/0001/customers": 2}
    assert result["pending_migrations"] == []


def test_the_manifest_describes_the_backup(source: Site, tmp_path: Path):
    made = backup(tmp_path / "bk", source)
    manifest = json.loads((made.path / "manifest.json").read_text())
    assert made.path.stat().st_mode & 0o077 == 0  # business data: for PowerKAM's user only

    engine = "sqlite" if source.database["ENGINE"].endswith("sqlite3") else "postgresql"
    assert manifest["engine"] == engine
    assert manifest["powerkam_version"]
    assert "0001_initial" in manifest["migrations"]["accounts"]
    assert manifest["database"]["tables"]["accounts_account"] == 2
    assert manifest["database"]["tables"]["accounts_contact"] == 1
    assert manifest["store"]["datasets"]["customers"] == 3
    paths = {f["path"]: f for f in manifest["files"]}
    assert {"store/customers.parquet", "store/versions/0001/customers.parquet", "media/visits/纪要.pdf"} <= set(paths)
    assert not [p for p in paths if ".lock" in p or ".spill" in p or p.endswith(".tmp")]  # no data: not copied
    pdf = paths["media/visits/纪要.pdf"]
    assert pdf["size"] == len(b"%PDF-1.4 minutes")
    assert len(pdf["sha256"]) == 64


def test_the_backup_waits_for_an_import_holding_the_store_lock_and_includes_it(source: Site, tmp_path: Path):
    """An import in flight (holding the store lock) lands wholly before the backup, never half in it."""
    landed = threading.Event()
    release = threading.Event()

    def an_import() -> None:
        with store_lock(source.store_dir):
            landed.set()
            release.wait(30)
            write_dataset(source.store_dir / "billing.parquet", ["C1", "C2"])

    importer = threading.Thread(target=an_import)
    importer.start()
    landed.wait(30)
    results: list[Any] = []
    backer = threading.Thread(target=lambda: results.append(backup(tmp_path / "bk", source)))
    backer.start()
    backer.join(0.5)
    assert backer.is_alive(), "the backup must wait for the store lock"
    assert not (tmp_path / "bk").exists()
    release.set()
    importer.join(30)
    backer.join(60)
    assert results[0].manifest["store"]["datasets"]["billing"] == 2


# --- refusals ------------------------------------------------------------------------------------


@pytest.fixture
def made(source: Site, tmp_path: Path) -> Path:
    return backup(tmp_path / "bk", source).path


def _assert_nothing_restored(site: Site) -> None:
    assert not site.store_dir.exists() or tree(site.store_dir) == {}
    assert not site.media_dir.exists() or tree(site.media_dir) == {}
    if site.database["ENGINE"].endswith("sqlite3"):
        assert not Path(site.database["NAME"]).exists()
    else:
        assert crm_contents(dict(site.database)) == {}


def test_a_changed_file_is_refused_by_name_and_nothing_is_restored(made: Path, empty_site: Site):
    data = bytearray((made / "store" / "customers.parquet").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (made / "store" / "customers.parquet").write_bytes(bytes(data))

    with pytest.raises(ApplicationError, match=r"store/customers\.parquet") as exc:
        restore(made, empty_site)
    assert "checksum" in exc.value.message
    _assert_nothing_restored(empty_site)


def test_a_missing_or_added_file_is_refused_by_name(made: Path, empty_site: Site):
    (made / "media" / "visits" / "纪要.pdf").unlink()
    with pytest.raises(ApplicationError, match="missing") as exc:
        restore(made, empty_site)
    assert "media/visits/纪要.pdf" in exc.value.message

    shutil.copytree(made, made.with_name("bk2"))
    (made / "media" / "visits" / "纪要.pdf").write_bytes(b"%PDF-1.4 minutes")
    (made / "store" / "extra.parquet").write_bytes(b"PAR1")
    with pytest.raises(ApplicationError, match=r"store/extra\.parquet.*not in its manifest"):
        verify(made)
    _assert_nothing_restored(empty_site)


def test_a_manifest_pointing_outside_the_backup_is_refused(made: Path, empty_site: Site):
    manifest = json.loads((made / "manifest.json").read_text())
    manifest["files"][0]["path"] = "../../etc/passwd"
    (made / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ApplicationError, match="tampered"):
        restore(made, empty_site)


def test_a_backup_of_a_newer_powerkam_is_refused(made: Path, empty_site: Site):
    manifest = json.loads((made / "manifest.json").read_text())
    manifest["migrations"]["accounts"].append("9999_from_the_future")
    manifest["powerkam_version"] = "9.0.0"
    (made / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ApplicationError, match=r"newer PowerKAM \(9\.0\.0\).*accounts\.9999_from_the_future"):
        restore(made, empty_site)
    _assert_nothing_restored(empty_site)


def test_restoring_into_a_site_with_data_is_refused_and_changes_nothing(made: Path, empty_site: Site):
    write_dataset(empty_site.store_dir / "customers.parquet", ["KEEP"])
    before = tree(empty_site.store_dir)
    with pytest.raises(ApplicationError, match="empty PowerKAM only") as exc:
        restore(made, empty_site)
    assert str(empty_site.store_dir) in exc.value.message
    assert tree(empty_site.store_dir) == before


def test_the_restore_command_refuses_this_sites_database_in_json(made: Path):
    """The test database is migrated, so not empty: a clear message, exit 1, the JSON convention."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("restore", str(made), "--format", "json", stdout=out, stderr=err)
    assert exit_.value.code == 1
    error = json.loads(out.getvalue())["error"]
    assert "tables" in error
    assert error in err.getvalue()
    assert Account.objects.count() == 2


def test_the_restore_command_checks_a_backup_without_restoring(made: Path):
    out = io.StringIO()
    call_command("restore", str(made), "--check", "--format", "json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["verified"] is True
    assert result["files"] == len(json.loads((made / "manifest.json").read_text())["files"])


def test_the_restore_command_speaks_chinese(made: Path):
    (made / "store" / "customers.parquet").write_bytes(b"changed")
    err = io.StringIO()
    with pytest.raises(SystemExit), translation.override("zh-hans"):
        call_command("restore", str(made), "--check", stdout=io.StringIO(), stderr=err)
    assert "store/customers.parquet" in err.getvalue()
    assert "校验" in err.getvalue()


def test_backing_up_into_a_directory_with_files_is_refused(source: Site, tmp_path: Path):
    dest = tmp_path / "bk"
    dest.mkdir()
    (dest / "old.txt").write_text("keep me")
    with pytest.raises(ApplicationError, match="not an empty directory"):
        backup(dest, source)
    assert (dest / "old.txt").read_text() == "keep me"


def test_backing_up_into_the_store_itself_is_refused(source: Site):
    with pytest.raises(ApplicationError, match="inside"):
        backup(source.store_dir / "backups" / "bk", source)
    assert not (source.store_dir / "backups").exists()


def test_a_destination_that_cannot_be_written_gets_a_message(source: Site, tmp_path: Path):
    (tmp_path / "a-file").write_text("not a directory")
    with pytest.raises(ApplicationError, match="Cannot write") as exc:
        backup(tmp_path / "a-file" / "bk", source)
    assert "a-file" in exc.value.message


def test_a_failed_backup_leaves_no_partial_backup(source: Site, tmp_path: Path):
    if not source.database["ENGINE"].endswith("sqlite3"):
        pytest.skip("the failure is made with a SQLite file that does not exist")
    gone = Site(database={**source.database, "NAME": str(tmp_path / "gone.sqlite3")}, store_dir=source.store_dir,
                media_dir=source.media_dir)  # fmt: skip
    with pytest.raises(ApplicationError, match="does not exist"):
        backup(tmp_path / "out" / "bk", gone)
    assert list((tmp_path / "out").iterdir()) == []


def test_a_backup_is_restored_into_the_same_engine_only(made: Path, empty_site: Site):
    manifest = json.loads((made / "manifest.json").read_text())
    manifest["engine"] = "postgresql" if manifest["engine"] == "sqlite" else "sqlite"
    (made / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ApplicationError, match="Restore it into a"):
        restore(made, empty_site)


# --- nightly backups --------------------------------------------------------------------------------


def test_nightly_backups_keep_the_newest_n(tmp_path: Path):
    import datetime as dt

    AccountFactory(name="夜间")
    unrelated = tmp_path / "nightly" / "notes"
    unrelated.mkdir(parents=True)
    for day in (1, 2, 3):
        result = nightly_backup(tmp_path / "nightly", keep=2, now=dt.datetime(2026, 12, day, 17, 30, tzinfo=dt.UTC))
    names = sorted(p.name for p in (tmp_path / "nightly").iterdir())
    assert names == ["notes", "powerkam-backup-20261202T173000Z", "powerkam-backup-20261203T173000Z"]
    assert result["removed"] == [str(tmp_path / "nightly" / "powerkam-backup-20261201T173000Z")]
    assert (
        verify(tmp_path / "nightly" / "powerkam-backup-20261203T173000Z")["database"]["tables"]["accounts_account"] == 1
    )


def test_the_nightly_job_is_scheduled_only_with_a_backup_dir(tmp_path: Path):
    assert "core.nightly_backup" not in {j.name for j in schedule.jobs()}
    register_backup_job()  # POWERKAM_BACKUP_DIR unset in the tests
    assert "core.nightly_backup" not in {j.name for j in schedule.jobs()}
    try:
        with override_settings(BACKUP_DIR=tmp_path / "nightly", BACKUP_KEEP=1):
            register_backup_job()
            job = {j.name: j for j in schedule.jobs()}["core.nightly_backup"]
            assert job.weekday is None
            assert job.monthday is None
            result = nightly_backup_task.call()
        assert result["kept"] == 1
        assert [p.name for p in (tmp_path / "nightly").iterdir()] == [Path(result["path"]).name]
    finally:
        schedule._JOBS.pop("core.nightly_backup", None)


def _land(store: Path, kind: str, rows: list[tuple]) -> None:
    import duckdb

    from powerkam.analytics.io.writer import upsert_dataset
    from powerkam.analytics.store import SCHEMAS

    schema = SCHEMAS[kind]
    columns = list(zip(*rows, strict=True))
    table = pa.table({f.name: pa.array(list(columns[i]), f.type) for i, f in enumerate(schema)}, schema=schema)
    with duckdb.connect() as con:
        con.register("incoming", table)
        upsert_dataset(con, kind, store, table="incoming")


def test_a_store_kept_one_file_per_period_is_restored_whole_and_settles_on(
    source: Site, empty_site: Site, tmp_path: Path
):
    import datetime as dt
    from decimal import Decimal

    from powerkam.analytics import settlement
    from powerkam.analytics.store import read_dataset

    store = source.store_dir

    def bill(cid: str, period: str, amount: str) -> tuple:
        return (cid, period, 100.0, None, None, None, None, None, None, Decimal(amount), dt.date(2026, 12, 1))

    _land(store, "billing", [bill("C1", "2026-09", "10.00"), bill("C2", "2026-09", "20.00")])
    _land(store, "payments", [("C1", "2026-09", dt.date(2026, 10, 5), Decimal("10.00"), 0)])
    settlement.update_settlements(store)
    _land(store, "billing", [bill("C1", "2026-10", "30.00")])  # a second month: one more period file
    settlement.update_settlements(store)
    billing, settled = read_dataset(store, "billing"), read_dataset(store, "settlements")
    store_before = tree(store)

    made = backup(tmp_path / "bk", source)
    restored = restore(made.path, empty_site)

    target = empty_site.store_dir
    assert tree(target) == store_before
    assert read_dataset(target, "billing").equals(billing)
    assert read_dataset(target, "settlements").equals(settled)
    assert settlement.current_tolerance(target) == Decimal("0.01")  # the pointers name the restored files
    assert restored.as_dict()["datasets"]["parts/billing/2/2026-10"] == 1
    # The restored store lands and settles on: a payment of the old bill re-settles it.
    _land(target, "payments", [("C2", "2026-09", dt.date(2026, 11, 2), Decimal("20.00"), 0)])
    assert settlement.update_settlements(target) == "incremental"
    paid = {(r["customer_id"], r["period"]): r["settled_on"] for r in read_dataset(target, "settlements").to_pylist()}
    assert paid[("C2", "2026-09")] == dt.date(2026, 11, 2)
