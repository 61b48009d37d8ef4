"""Files that pass land whole, in every format, and a second import changes nothing."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pyarrow.parquet as pq
import pytest
from django.contrib.auth.models import User
from openpyxl import Workbook

from powerkam.accounts.models import Account, Assignment
from powerkam.analytics.store import SCHEMAS, dataset_files, dataset_path, dataset_source, pointer_path
from powerkam.grid.models import Feeder, Substation
from powerkam.imports.selectors import data_summary
from powerkam.imports.services import import_file
from powerkam.prospects.models import Project
from powerkam.staff.models import StaffProfile
from powerkam.visits.models import Visit
from tests.imports.conftest import write

pytestmark = pytest.mark.django_db


def test_gb18030_with_chinese_headers_and_thousands_separators_equals_the_utf8_file(store, samples):
    report = import_file(kind="customers", path=samples / "customers-gb18030.csv")
    assert report.encoding == "gb18030"
    assert report.inserted == 416
    from_gb = pq.read_table(dataset_path(store, "customers"))

    again = import_file(kind="customers", path=samples / "customers.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 416)
    assert pq.read_table(dataset_path(store, "customers")).equals(from_gb)
    row = duckdb.sql(
        f"select contract_capacity_kva from read_parquet('{dataset_path(store, 'customers')}') where customer_id='E001'"
    ).fetchall()
    assert row == [(5000.0,)]


def test_store_datasets_have_the_contract_schema(store, samples):
    import_file(kind="customers", path=samples / "customers.csv")
    import_file(kind="billing", path=samples / "billing.csv")
    import_file(kind="payments", path=samples / "payments.csv")
    import_file(kind="loads", path=samples / "loads-2026-10.parquet")
    import_file(kind="feeders", path=samples / "feeders.csv")
    import_file(kind="outages", path=samples / "outages.csv")
    for kind in ("customers", "billing", "payments", "loads", "outages"):
        written = pq.read_schema(dataset_files(store, kind)[0])
        assert [(f.name, f.type) for f in written] == [(f.name, f.type) for f in SCHEMAS[kind]], kind
    counts = data_summary()
    assert counts["billing"] == 6718
    assert counts["payments"] == 6636
    assert counts["loads"] == 59520
    assert counts["outages"] == 60
    assert counts["feeders"] == 40


def test_reimport_changes_nothing_and_does_not_rewrite_the_file(store, samples):
    import_file(kind="customers", path=samples / "customers.csv")
    first = import_file(kind="billing", path=samples / "billing.csv")
    pointer = pointer_path(store, "billing")
    stat = pointer.stat()
    files = {p: p.stat().st_ino for p in dataset_files(store, "billing")}
    second = import_file(kind="billing", path=samples / "billing.csv")
    assert (first.inserted, second.inserted, second.updated, second.unchanged) == (6718, 0, 0, 6718)
    assert pointer.stat().st_mtime_ns == stat.st_mtime_ns
    assert {p: p.stat().st_ino for p in dataset_files(store, "billing")} == files


def test_upsert_replaces_rows_by_key_and_keeps_the_others(store, tmp_path, samples):
    import_file(kind="customers", path=samples / "customers.csv")
    import_file(kind="billing", path=samples / "billing.csv")
    path = write(
        tmp_path / "fix.csv",
        "customer_id,period,kwh,amount_yuan,due_date\nE001,2025-06,1,2.5,2025-07-15\nE001,2030-01,3,4,2030-02-15\n",
    )
    report = import_file(kind="billing", path=path)
    assert (report.inserted, report.updated) == (1, 1)
    rows = duckdb.sql(
        f"select period, kwh, amount_yuan from read_parquet('{dataset_source(store, 'billing')}') "
        "where customer_id='E001' and period in ('2025-06','2025-07','2030-01') order by period"
    ).fetchall()
    assert rows == [
        ("2025-06", 1.0, Decimal("2.50")),
        ("2025-07", 500000.0, Decimal("350000.00")),
        ("2030-01", 3.0, Decimal("4.00")),
    ]


def test_identical_partial_payments_are_both_kept(store, tmp_path, samples):
    import_file(kind="customers", path=samples / "customers.csv")
    path = write(
        tmp_path / "p.csv",
        'customer_id,period,paid_on,amount_yuan\nE001,2026-10,2026-11-03,"1,000.00"\nE001,2026-10,2026-11-03,1000\n',
    )
    assert import_file(kind="payments", path=path).inserted == 2
    assert import_file(kind="payments", path=path).inserted == 0
    total = duckdb.sql(f"select sum(amount_yuan) from read_parquet('{dataset_source(store, 'payments')}')").fetchall()
    assert total == [(Decimal("2000.00"),)]


def test_customers_at_10kv_and_above_and_their_groups_become_crm_accounts(store, samples):
    import_file(kind="feeders", path=samples / "feeders.csv")
    import_file(kind="customers", path=samples / "customers.csv")
    assert not Account.objects.filter(customer_id="E001").exists()  # 0.4 kV stays in the store only
    e006 = Account.objects.get(customer_id="E006")
    assert e006.important_grade == "first"
    assert e006.feeder_list == ["F033", "F038"]
    assert e006.multiple_supply
    e015 = Account.objects.get(customer_id="E015")
    assert e015.parent is not None
    assert e015.parent.customer_id == "E016"
    assert e015.voltage_kv == Decimal("10.00")
    assert Account.objects.filter(voltage_kv__lt=10).count() == 0 or all(
        a.sites.exists() for a in Account.objects.filter(voltage_kv__lt=10)
    )


def test_staff_assignments_and_visits_land_in_the_crm(store, samples):
    import_file(kind="staff", path=samples / "staff.csv")
    import_file(kind="customers", path=samples / "customers.csv")
    import_file(kind="assignments", path=samples / "assignments.csv")
    import_file(kind="visits", path=samples / "visits.csv")
    m01 = StaffProfile.objects.get(user__username="m01")
    assert m01.name == "李娜"
    assert m01.supervisor is not None
    assert m01.supervisor.user.username == "zhangwei"
    assert m01.user.groups.filter(name="manager").exists()
    assert not m01.user.has_usable_password()
    assert (
        Assignment.objects.filter(account__customer_id="E002", role="primary", active=True).get().staff.username
        == "m01"
    )
    assert Visit.objects.filter(account__customer_id="E002", visited_on="2026-06-10").exists()


def test_reassigning_a_primary_manager_ends_the_old_assignment_and_keeps_history(store, tmp_path, samples):
    import_file(kind="staff", path=samples / "staff.csv")
    import_file(kind="customers", path=samples / "customers.csv")
    import_file(kind="assignments", path=samples / "assignments.csv")
    path = write(tmp_path / "a.csv", "customer_id,username,role\nE002,m02,primary\n")
    report = import_file(kind="assignments", path=path)
    assert report.updated == 1
    history = Assignment.objects.filter(account__customer_id="E002", role="primary").order_by("pk")
    assert [(a.staff.username, a.active) for a in history] == [("m01", False), ("m02", True)]
    assert Assignment.history.filter(account__customer_id="E002").count() >= 3


def test_projects_from_excel_with_chinese_stage_values(store, samples):
    report = import_file(kind="projects", path=samples / "projects.xlsx")
    assert report.file_format == "xlsx"
    p1 = Project.objects.get(project_id="P2026-001")
    assert p1.stage == "approved"
    assert p1.expected_capacity_kva == Decimal("20000.00")
    assert str(p1.expected_energize_on) == "2027-06-30"
    assert Project.objects.get(project_id="P2026-003").stage == "planned"


def test_xlsx_rows_are_numbered_as_in_the_sheet(store, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["项目编号", "项目名称", "阶段"])
    ws.append(["P1", "项目一", "已立项"])
    ws.append([None, None, None])  # a blank line in the sheet
    ws.append(["P2", "项目二", "开工了"])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    from powerkam.imports.services import ImportRefused

    with pytest.raises(ImportRefused) as caught:
        import_file(kind="projects", path=path)
    assert [(e.row, e.column, e.value) for e in caught.value.errors] == [(4, "stage", "开工了")]


def test_feeders_create_substations(store, samples):
    import_file(kind="feeders", path=samples / "feeders.csv")
    assert Substation.objects.count() == 10
    f001 = Feeder.objects.get(feeder_id="F001")
    assert f001.substation.substation_id == "S01"
    assert f001.rated_capacity_kva == Decimal("12000.00")


def test_unknown_columns_are_ignored_and_listed(store, tmp_path):
    path = write(
        tmp_path / "c.csv",
        ' Customer_ID ,NAME,voltage_kv,contract_capacity_kva,tariff,备注\nX1,甲,10,"1,250",大工业,随便\n',
    )
    report = import_file(kind="customers", path=path)
    assert report.ignored_columns == ["备注"]
    account = Account.objects.get(customer_id="X1")
    assert account.contract_capacity_kva == Decimal("1250.00")
    assert account.tariff == "large_industrial"


def test_staff_admins_get_django_admin_and_no_one_else(store, tmp_path):
    path = write(
        tmp_path / "s.csv",
        "username,name,role,email\nroot1,管理员,admin,a@example.com\nmgr,经理,manager,m@example.com\n",
    )
    import_file(kind="staff", path=path)
    assert User.objects.get(username="root1").is_staff
    assert not User.objects.get(username="mgr").is_staff


def test_lenient_spellings_that_excel_produces_are_accepted(store, tmp_path, samples):
    import_file(kind="customers", path=samples / "customers.csv")
    path = write(
        tmp_path / "b.csv",
        "户号,电费年月,有功电量,应收电费,缴费截止日\n"
        'E001,2026-10,"1,234.5","12,345.678",2026/11/5\n'
        "E001,2026-09,10,1,2026-10-15 00:00:00\n",
    )
    assert import_file(kind="billing", path=path).inserted == 2
    rows = duckdb.sql(
        f"select period, kwh, amount_yuan, due_date from read_parquet('{dataset_source(store, 'billing')}') order by period"
    ).fetchall()
    assert [(p, k, a, str(d)) for p, k, a, d in rows] == [
        ("2026-09", 10.0, Decimal("1.00"), "2026-10-15"),
        ("2026-10", 1234.5, Decimal("12345.68"), "2026-11-05"),
    ]


def test_timestamps_with_an_offset_are_converted_to_shanghai_time(store, tmp_path, samples):
    import_file(kind="customers", path=samples / "customers.csv")
    path = write(tmp_path / "l.csv", "customer_id,ts,kw\nE001,2026-10-01T00:00:00Z,5\nE001,2026-10-01T08:15,6\n")
    import_file(kind="loads", path=path)
    rows = duckdb.sql(
        f"select strftime(ts, '%Y-%m-%d %H:%M'), kw from read_parquet('{dataset_path(store, 'loads')}') order by ts"
    ).fetchall()
    assert rows == [("2026-10-01 08:00", 5.0), ("2026-10-01 08:15", 6.0)]


def test_imported_projects_have_their_stage_logged_at_once(store, samples):
    from powerkam.prospects.models import StageChange

    import_file(kind="projects", path=samples / "projects.xlsx")
    logged = StageChange.objects.filter(project__project_id="P2026-001")
    assert [c.to_stage for c in logged] == ["approved"]
    import_file(kind="projects", path=samples / "projects.xlsx")
    assert StageChange.objects.filter(project__project_id="P2026-001").count() == 1
