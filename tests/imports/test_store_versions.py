"""Every landing of a store kind keeps the dataset it produced; a rollback puts one back, re-derives
what depends on it, and is itself logged and versioned (issue 13, item 4)."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO

import duckdb
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.utils import translation

from powerkam.analytics.store import dataset_path, dataset_source, version_ids, version_path
from powerkam.core.errors import ApplicationError
from powerkam.imports import runs
from powerkam.imports.models import ImportRun, ImportStatus
from powerkam.imports.services import ImportRefused, import_file
from tests.imports.conftest import write

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


CUSTOMERS = "customer_id,name,voltage_kv,contract_capacity_kva,tariff\nC1,一厂,10,5000,large_industrial\n"


def _billing(tmp_path, name: str, amount: str):
    return write(tmp_path / name, f"customer_id,period,kwh,amount_yuan,due_date\nC1,2026-09,100,{amount},2026-10-20\n")


def _names(store) -> list[str]:
    path = dataset_path(store, "customers")
    return [r[0] for r in duckdb.sql(f"select name from read_parquet('{path}') order by customer_id").fetchall()]


def test_each_landing_keeps_its_version_and_a_rollback_restores_it_and_can_be_undone(store, tmp_path):
    first = import_file(kind="customers", path=write(tmp_path / "a.csv", CUSTOMERS))
    run_a = ImportRun.objects.get(file_name="a.csv")
    import_file(kind="customers", path=write(tmp_path / "b.csv", CUSTOMERS.replace("一厂", "错名")))
    run_b = ImportRun.objects.get(file_name="b.csv")
    assert first.inserted == 1
    assert _names(store) == ["错名"]
    assert run_a.version == f"versions/customers/{run_a.pk}.parquet"
    assert run_a.dataset_rows == 1
    # Keeping a version is a hard link to the file in place, not a copy.
    assert dataset_path(store, "customers").samefile(version_path(store, "customers", run_b.pk))

    back = runs.rollback(kind="customers", to=run_a.pk)
    assert _names(store) == ["一厂"]
    assert (back.status, back.restored_from, back.kind) == (ImportStatus.ROLLED_BACK, run_a, "customers")
    assert any("CRM accounts were left as they are" in w for w in back.warnings)
    listed = runs.versions("customers")
    assert [(v.run, v.current) for v in listed] == [(back.pk, True), (run_b.pk, False), (run_a.pk, True)]

    undo = runs.rollback(kind="customers", to=back.pk - 1)  # the rollback itself is undone like a landing
    assert undo.restored_from == run_b
    assert _names(store) == ["错名"]


def test_rolling_back_billing_re_settles_the_bills(store, tmp_path):
    import_file(kind="customers", path=write(tmp_path / "c.csv", CUSTOMERS))
    import_file(kind="billing", path=_billing(tmp_path, "b1.csv", "100.00"))
    good = ImportRun.objects.get(file_name="b1.csv")
    import_file(kind="billing", path=_billing(tmp_path, "b2.csv", "999.00"))

    def settled_amount():
        settlements = dataset_source(store, "settlements")
        return duckdb.sql(f"select amount_yuan from read_parquet('{settlements}')").fetchall()[0][0]

    assert settled_amount() == 999
    runs.rollback(kind="billing", to=good.pk)
    assert settled_amount() == 100


def test_retention_keeps_the_newest_versions_and_says_when_one_is_gone(store, tmp_path, settings):
    settings.STORE_KEEP_VERSIONS = 2
    for n in range(4):
        import_file(kind="customers", path=write(tmp_path / f"{n}.csv", CUSTOMERS.replace("一厂", f"厂{n}")))
    ids = list(ImportRun.objects.order_by("pk").values_list("pk", flat=True))
    assert version_ids(store, "customers") == ids[-2:]
    listed = {v.run: v.available for v in runs.versions("customers")}
    assert listed == {ids[0]: False, ids[1]: False, ids[2]: True, ids[3]: True}
    with pytest.raises(ApplicationError, match="no kept version"):
        runs.rollback(kind="customers", to=ids[0])
    with pytest.raises(ApplicationError, match="has no store versions"):
        runs.versions("staff")


def test_a_refused_import_lands_nothing_and_keeps_no_version(store, tmp_path):
    import_file(kind="customers", path=write(tmp_path / "ok.csv", CUSTOMERS))
    with pytest.raises(ImportRefused):
        import_file(kind="customers", path=write(tmp_path / "bad.csv", CUSTOMERS.replace("10,", "-1,")))
    refused = ImportRun.objects.get(file_name="bad.csv")
    assert (refused.status, refused.version, refused.pid is not None) == (ImportStatus.REFUSED, "", True)
    assert len(version_ids(store, "customers")) == 1


def test_data_versions_and_rollback_commands(store, tmp_path):
    import_file(kind="customers", path=write(tmp_path / "a.csv", CUSTOMERS))
    import_file(kind="customers", path=write(tmp_path / "b.csv", CUSTOMERS.replace("一厂", "二厂")))
    out = StringIO()
    call_command("data", "versions", "customers", "--format", "json", stdout=out)
    listed = json.loads(out.getvalue())
    assert [v["file"] for v in listed] == ["b.csv", "a.csv"]
    assert {"run", "date", "by", "rows", "dataset_rows", "sha256", "current"} <= listed[0].keys()

    out = StringIO()
    call_command("data", "rollback", "customers", "--to", str(listed[1]["run"]), stdout=out)
    assert f"rolled back to the version of run {listed[1]['run']}" in out.getvalue()
    assert _names(store) == ["一厂"]
    assert pq.read_metadata(dataset_path(store, "customers")).num_rows == 1


def test_a_run_whose_process_is_gone_is_marked_interrupted(store, tmp_path):
    import_file(kind="customers", path=write(tmp_path / "a.csv", CUSTOMERS))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    run = runs.start_run(kind="customers", file_name="killed.csv", sha256="", by=None)
    ImportRun.objects.filter(pk=run.pk).update(pid=int(dead.stdout))

    report = import_file(kind="customers", path=write(tmp_path / "b.csv", CUSTOMERS))
    run.refresh_from_db()
    assert run.status == ImportStatus.INTERRUPTED
    assert run.finished_at is not None
    assert any("Nothing of it landed" in w for w in run.warnings)
    assert any(f"Import run {run.pk}" in w and "interrupted" in w for w in report.warnings)


def test_a_dataset_from_before_versions_is_kept_before_the_first_landing_replaces_it(store, tmp_path):
    import_file(kind="customers", path=write(tmp_path / "a.csv", CUSTOMERS))
    first = ImportRun.objects.get()
    # As a store from before versions were kept: the dataset in place has no version.
    version_path(store, "customers", first.pk).unlink()
    ImportRun.objects.filter(pk=first.pk).update(version="")

    import_file(kind="customers", path=write(tmp_path / "b.csv", CUSTOMERS.replace("一厂", "二厂")))
    adopted = ImportRun.objects.get(file_name="customers.parquet")
    assert adopted.status == ImportStatus.SUCCEEDED
    assert adopted.dataset_rows == 1
    runs.rollback(kind="customers", to=adopted.pk)
    assert _names(store) == ["一厂"]
