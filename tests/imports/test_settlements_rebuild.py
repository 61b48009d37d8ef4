"""The importer settles every bill again after a billing or payments import (and `powerkam data rebuild`)."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from django.core.management import call_command

from powerkam.analytics import settlement
from powerkam.analytics.store import dataset_rows, dataset_source, has_dataset, pointer_path, read_dataset
from powerkam.imports.services import import_file
from tests.imports.conftest import write

pytestmark = pytest.mark.django_db


def _settlements(store):
    return read_dataset(store, "settlements")


def test_billing_then_payments_imports_rebuild_the_settlements(store, samples, tmp_path):
    import_file(kind="customers", path=samples / "customers.csv")
    assert not has_dataset(store, "settlements")

    import_file(kind="billing", path=samples / "billing.csv")
    bills = dataset_rows(store, "billing")
    after_billing = _settlements(store)
    assert after_billing.num_rows == bills
    assert settlement.current_tolerance(store) == Decimal("0.01")
    assert set(after_billing.column("last_paid_on").to_pylist()) == {None}  # no payments yet

    import_file(kind="payments", path=samples / "payments.csv")
    assert settlement.current_tolerance(store) == Decimal("0.01")
    settled = _settlements(store)
    assert settled.num_rows == bills
    paid_to_bills = duckdb.sql(
        f"SELECT sum(p.amount_yuan) FROM read_parquet('{dataset_source(store, 'payments')}') p "
        f"SEMI JOIN read_parquet('{dataset_source(store, 'billing')}') b USING (customer_id, period)"
    ).fetchall()[0][0]
    assert sum(settled.column("paid_yuan").to_pylist()) == paid_to_bills > 0

    # One more payment for E001's 2025-06 bill: the next payments import settles it again.
    before = {(r["customer_id"], r["period"]): r for r in settled.to_pylist()}[("E001", "2025-06")]
    extra = write(tmp_path / "extra.csv", "customer_id,period,paid_on,amount_yuan\nE001,2025-06,2026-01-05,10.00\n")
    import_file(kind="payments", path=extra)
    after = {(r["customer_id"], r["period"]): r for r in _settlements(store).to_pylist()}[("E001", "2025-06")]
    assert after["paid_yuan"] == before["paid_yuan"] + Decimal("10.00")
    assert str(after["last_paid_on"]) == "2026-01-05"
    assert settlement.current_tolerance(store) == Decimal("0.01")


def test_data_rebuild_writes_the_settlements(store, samples, capsys):
    with pytest.raises(SystemExit):
        call_command("data", "rebuild")
    assert "import a billing file first" in capsys.readouterr().err

    import_file(kind="customers", path=samples / "customers.csv")
    import_file(kind="billing", path=samples / "billing.csv")
    pointer_path(store, "settlements").unlink()
    call_command("data", "rebuild", "--format", "json")
    bills = dataset_rows(store, "billing")
    assert f'"settlements": {bills}' in capsys.readouterr().out
    assert settlement.current_tolerance(store) == Decimal("0.01")
