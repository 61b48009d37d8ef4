"""The area class (城区 / 农村 / 特殊边远) as an optional column of the customers import (issue 18): it
lands on the CRM account, an absent column keeps it, and the fault-repair limits follow it
(docs/data-formats.md, docs/service.md)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import duckdb
import pytest

from factories import StaffFactory
from powerkam.accounts.models import Account
from powerkam.analytics.store import dataset_path
from powerkam.imports.services import ImportRefused, import_file
from powerkam.service import services
from powerkam.service.models import TicketKind
from powerkam.staff.models import Role
from tests.imports.conftest import write

pytestmark = pytest.mark.django_db

WITH_AREA = (
    "户号,户名,电压等级,合同容量,电价类别,区县,地区类别,立户日期\n"
    "C1,城区一厂,10,5000,大工业,东区,城区,2001-02-03\n"
    "C2,农村二厂,10,800,大工业,北乡,农村,2002-03-04\n"
    "C3,山区三厂,35,6300,大工业,西山,特殊边远,2003-04-05\n"
    "C4,四厂,10,630,一般工商业,东区,,2004-05-06\n"
    "C5,低压五店,0.4,100,一般工商业,东区,农村,2005-06-07\n"
)
WITHOUT_AREA = (
    "customer_id,name,voltage_kv,contract_capacity_kva,tariff,district,connected_on\n"
    "C1,城区一厂,10,5000,large_industrial,东区,2001-02-03\n"
    "C2,农村二厂（新名）,10,800,large_industrial,北乡,2002-03-04\n"
    "C3,山区三厂,35,6300,large_industrial,西山,2003-04-05\n"
    "C6,六厂,10,1000,large_industrial,北乡,2006-07-08\n"
)


def _areas() -> dict[str, str]:
    return dict(Account.objects.order_by("customer_id").values_list("customer_id", "area_class"))


def test_the_column_sets_the_area_class_of_each_account(store, tmp_path):
    import_file(kind="customers", path=write(tmp_path / "c.csv", WITH_AREA))
    # an empty cell is the default, urban; C5 (0.4 kV) stays in the store only
    assert _areas() == {"C1": "urban", "C2": "rural", "C3": "remote", "C4": "urban"}
    columns = [
        r[0]
        for r in duckdb.sql(f"describe select * from read_parquet('{dataset_path(store, 'customers')}')").fetchall()
    ]
    assert "area_class" not in columns  # an attribute of the CRM account, not of the store
    assert "name" in columns


def test_a_file_without_the_column_keeps_the_area_class(store, tmp_path):
    import_file(kind="customers", path=write(tmp_path / "c.csv", WITH_AREA))
    report = import_file(kind="customers", path=write(tmp_path / "c2.csv", WITHOUT_AREA))
    assert "area_class" in report.absent_columns
    assert _areas() == {"C1": "urban", "C2": "rural", "C3": "remote", "C4": "urban", "C6": "urban"}
    assert Account.objects.get(customer_id="C2").name == "农村二厂（新名）"  # the present columns still update


def test_the_column_lands_also_when_other_columns_are_absent(store, tmp_path):
    """A file without connected_on takes it from the store; the area class still comes from the file."""
    import_file(kind="customers", path=write(tmp_path / "c.csv", WITH_AREA))
    partial = "customer_id,name,voltage_kv,contract_capacity_kva,tariff,area_class\nC1,城区一厂,10,5000,大工业,rural\n"
    import_file(kind="customers", path=write(tmp_path / "p.csv", partial))
    c1 = Account.objects.get(customer_id="C1")
    assert (c1.area_class, c1.connected_on, c1.district) == ("rural", dt.date(2001, 2, 3), "东区")
    assert c1.history.first().history_change_reason == "import"


def test_replace_missing_puts_the_default_back(store, tmp_path):
    import_file(kind="customers", path=write(tmp_path / "c.csv", WITH_AREA))
    import_file(kind="customers", path=write(tmp_path / "c2.csv", WITHOUT_AREA), replace_missing=True)
    assert set(_areas().values()) == {"urban"}


def test_an_unknown_area_class_is_refused_and_nothing_changes(store, tmp_path):
    import_file(kind="customers", path=write(tmp_path / "c.csv", WITH_AREA))
    bad = WITH_AREA.replace("C2,农村二厂,10,800,大工业,北乡,农村", "C2,农村二厂,10,800,大工业,北乡,郊区")
    with pytest.raises(ImportRefused) as caught:
        import_file(kind="customers", path=write(tmp_path / "bad.csv", bad.replace("城区一厂", "改名一厂")))
    assert [(e.row, e.column, e.value) for e in caught.value.errors] == [(3, "area_class", "郊区")]
    assert caught.value.errors[0].header == "地区类别"
    assert Account.objects.get(customer_id="C1").name == "城区一厂"  # nothing half-written
    assert _areas()["C2"] == "rural"


def test_an_imported_rural_account_gets_the_rural_fault_repair_limits(store, tmp_path):
    """docs/rules.md §3: arrival urban 45 min, rural 90 min; restoration urban 3 h, rural 4 h."""
    import_file(kind="customers", path=write(tmp_path / "c.csv", WITH_AREA))
    desk = StaffFactory(role=Role.MANAGER, user__username="desk").user
    reported = dt.datetime(2026, 10, 1, 22, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    tickets = {
        cid: services.ticket_create(
            kind=TicketKind.FAULT_REPAIR,
            title="线路故障",
            by=desk,
            account=Account.objects.get(customer_id=cid),
            accepted_at=reported,
        )
        for cid in ("C1", "C2", "C3")
    }
    limits = {cid: (t.area_class, t.arrival_minutes, t.restoration_minutes) for cid, t in tickets.items()}
    assert limits == {"C1": ("urban", 45, 180), "C2": ("rural", 90, 240), "C3": ("remote", 120, 240)}
    assert tickets["C2"].arrival_due_at == dt.datetime(2026, 10, 1, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
