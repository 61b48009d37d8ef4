"""A file without an optional contract column never changes that field (issue 13, item 1).

Clearing takes an explicit choice: the column present with empty cells, or ``replace_missing``.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from powerkam.accounts.models import Account
from powerkam.analytics.store import dataset_path, dataset_source
from powerkam.grid.models import Feeder
from powerkam.imports.services import import_file
from powerkam.prospects.models import Project
from powerkam.staff.models import StaffProfile
from tests.imports.conftest import write

pytestmark = pytest.mark.django_db

FULL = (
    "customer_id,name,voltage_kv,contract_capacity_kva,tariff,district,connected_on\n"
    "C1,一厂,10,5000,large_industrial,东区,2001-02-03\n"
    "C2,二厂,0.4,200,general_commercial,西区,2002-03-04\n"
)
WITHOUT_CONNECTED_ON = (
    "customer_id,name,voltage_kv,contract_capacity_kva,tariff,district\n"
    "C1,一厂新名,10,5000,large_industrial,东区\n"
    "C2,二厂,0.4,200,general_commercial,西区\n"
    "C3,三厂,10,800,large_industrial,北区\n"
)


def _store(store, column: str) -> dict[str, object]:
    path = dataset_path(store, "customers")
    return dict(duckdb.sql(f"select customer_id, {column} from read_parquet('{path}') order by 1").fetchall())


def test_a_customers_file_without_connected_on_keeps_it_in_the_store_and_the_crm(store, tmp_path):
    import_file(kind="customers", path=write(tmp_path / "full.csv", FULL))
    report = import_file(kind="customers", path=write(tmp_path / "partial.csv", WITHOUT_CONNECTED_ON))

    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 1)  # C3 new, C1 renamed, C2 as it was
    assert _store(store, "connected_on") == {"C1": dt.date(2001, 2, 3), "C2": dt.date(2002, 3, 4), "C3": None}
    assert _store(store, "name")["C1"] == "一厂新名"  # present columns still update
    c1 = Account.objects.get(customer_id="C1")
    assert (c1.name, c1.connected_on) == ("一厂新名", dt.date(2001, 2, 3))
    assert Account.objects.get(customer_id="C3").connected_on is None
    assert c1.history.first().history_change_reason == "import"  # the CRM change keeps its history


def test_an_empty_column_or_replace_missing_clears_the_field(store, tmp_path):
    import_file(kind="customers", path=write(tmp_path / "full.csv", FULL))
    emptied = FULL.replace("2001-02-03", "")
    import_file(kind="customers", path=write(tmp_path / "emptied.csv", emptied))
    assert _store(store, "connected_on")["C1"] is None
    assert Account.objects.get(customer_id="C1").connected_on is None

    import_file(kind="customers", path=write(tmp_path / "full2.csv", FULL))
    import_file(kind="customers", path=write(tmp_path / "partial.csv", WITHOUT_CONNECTED_ON), replace_missing=True)
    assert set(_store(store, "connected_on").values()) == {None}
    assert Account.objects.get(customer_id="C1").connected_on is None


def test_billing_without_the_optional_kvarh_column_keeps_it(store, tmp_path):
    import_file(kind="customers", path=write(tmp_path / "c.csv", FULL))
    import_file(
        kind="billing",
        path=write(
            tmp_path / "b1.csv",
            "customer_id,period,kwh,kvarh,amount_yuan,due_date\nC1,2026-09,100,40,80.00,2026-10-20\n",
        ),
    )
    report = import_file(
        kind="billing",
        path=write(
            tmp_path / "b2.csv", "customer_id,period,kwh,amount_yuan,due_date\nC1,2026-09,100,80.00,2026-10-20\n"
        ),
    )
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 1)
    path = dataset_source(store, "billing")
    assert duckdb.sql(f"select kvarh from read_parquet('{path}')").fetchall() == [(40.0,)]


def test_crm_kinds_keep_fields_of_absent_columns(store, tmp_path):
    import_file(
        kind="feeders",
        path=write(
            tmp_path / "f1.csv",
            "feeder_id,name,substation_id,substation_name,voltage_kv,rated_capacity_kva,peak_load_kw\n"
            "F1,一线,S1,一站,10,8000,5000\n",
        ),
    )
    import_file(
        kind="feeders",
        path=write(
            tmp_path / "f2.csv", "feeder_id,name,substation_id,substation_name,voltage_kv\nF1,一线改,S1,一站,10\n"
        ),
    )
    feeder = Feeder.objects.get(feeder_id="F1")
    assert (feeder.name, feeder.rated_capacity_kva, feeder.peak_load_kw) == ("一线改", 8000, 5000)

    import_file(
        kind="staff",
        path=write(
            tmp_path / "s1.csv",
            "username,name,role,phone,daily_visit_capacity,supervisor\nboss,老板,supervisor,,,\n"
            "wang,王,manager,139,5,boss\n",
        ),
    )
    import_file(kind="staff", path=write(tmp_path / "s2.csv", "username,name,role\nwang,王二,manager\n"))
    wang = StaffProfile.objects.get(user__username="wang")
    assert (wang.name, wang.phone, wang.daily_visit_capacity, wang.supervisor.user.username) == (
        "王二",
        "139",
        5,
        "boss",
    )

    import_file(
        kind="projects",
        path=write(tmp_path / "p1.csv", "project_id,name,stage,district\nP1,新厂,planned,东区\n"),
    )
    import_file(kind="projects", path=write(tmp_path / "p2.csv", "project_id,name,stage\nP1,新厂二期,planned\n"))
    project = Project.objects.get(project_id="P1")
    assert (project.name, project.district) == ("新厂二期", "东区")


def test_a_customer_new_to_the_crm_gets_the_stored_values_of_absent_columns(store, tmp_path):
    import_file(kind="customers", path=write(tmp_path / "full.csv", FULL))
    assert not Account.objects.filter(customer_id="C2").exists()  # 0.4 kV: store only
    # C2 is now connected at 10 kV: it becomes a CRM account, with the connection date the store holds.
    upgraded = WITHOUT_CONNECTED_ON.replace("C2,二厂,0.4,200", "C2,二厂,10,200")
    import_file(kind="customers", path=write(tmp_path / "upgraded.csv", upgraded))
    assert Account.objects.get(customer_id="C2").connected_on == dt.date(2002, 3, 4)
    assert Account.objects.get(customer_id="C3").connected_on is None
