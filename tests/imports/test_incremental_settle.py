"""A monthly import lands only the periods it touches and settles only the bills it changed (and the
bills its payments pay): the settlements, and the grading from them, are those of a full rebuild.

Generated data: customers with bills every month, paid on time, late, in two parts, or never; the
store is filled month by month through the importer itself, as an installation receives it.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from powerkam.analytics import settlement
from powerkam.analytics import store as kam
from powerkam.analytics.grading import evaluate, load_tables
from powerkam.analytics.io import writer
from powerkam.imports.models import ImportRun, ImportStatus
from powerkam.imports.services import import_file
from tests.imports.fuzz_support import store_hashes

# About 20 s each on a quiet machine: a few dozen imports through the whole importer.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CUSTOMERS = 40
FIRST = dt.date(2024, 1, 1)
MONTHS = 8  # the store holds 8 months, then month 9 comes in


def _period(m: int) -> str:
    year, month = divmod(FIRST.month - 1 + m, 12)
    return f"{FIRST.year + year:04d}-{month + 1:02d}"


def _day(m: int, day: int) -> dt.date:
    return dt.date.fromisoformat(f"{_period(m)}-01") + dt.timedelta(days=day - 1)


def _ids() -> list[str]:
    return [f"G{i:04d}" for i in range(CUSTOMERS)]


def _customers(path: Path) -> Path:
    lines = [
        "customer_id,name,parent_id,industry,voltage_kv,contract_capacity_kva,tariff,important_grade,feeders,district"
    ]
    for i, cid in enumerate(_ids()):
        voltage = 10 if i % 3 else 0.4  # two in three are key-account candidates
        lines.append(f"{cid},客户{cid},,C,{voltage},{500 + 97 * i},large_industrial,,,示范区")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _bill(cid: str, m: int, rng: random.Random) -> tuple[str, str, float, str, str]:
    kwh = 0.0 if rng.random() < 0.05 else float(rng.randint(1_000, 900_000))
    return (cid, _period(m), kwh, f"{kwh * 0.7:.2f}", _day(m + 1, 15).isoformat())


def _billing(path: Path, months: range, *, seed: int = 1, only: list[str] | None = None) -> Path:
    lines = ["customer_id,period,kwh,amount_yuan,due_date"]
    for m in months:
        rng = random.Random(f"{seed}-{m}")
        for cid in _ids():
            bill = _bill(cid, m, rng)
            if only is None or cid in only:
                lines.append(",".join(str(v) for v in bill))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _payments_of(months: range, seed: int = 1) -> list[tuple[str, str, dt.date, str]]:
    """Every payment of the bills of *months*: on time, late, in two parts, short, or none."""
    out = []
    for m in months:
        rng = random.Random(f"{seed}-{m}")
        pay = random.Random(f"pay-{m}")
        for cid in _ids():
            _, period, kwh, amount, due = _bill(cid, m, rng)
            due_on = dt.date.fromisoformat(due)
            roll = pay.random()
            if kwh == 0 or roll < 0.04:
                continue  # nothing to pay, or never paid
            total = float(amount)
            if roll < 0.70:
                out.append((cid, period, due_on - dt.timedelta(days=pay.randint(1, 12)), f"{total:.2f}"))
            elif roll < 0.82:
                out.append((cid, period, due_on + dt.timedelta(days=pay.randint(1, 50)), f"{total:.2f}"))
            elif roll < 0.94:
                half = round(total / 2, 2)
                out.append((cid, period, due_on - dt.timedelta(days=2), f"{half:.2f}"))
                out.append((cid, period, due_on + dt.timedelta(days=pay.randint(3, 40)), f"{total - half:.2f}"))
            else:
                out.append((cid, period, due_on + dt.timedelta(days=pay.randint(0, 9)), f"{total * 0.6:.2f}"))
    return out


def _payments(path: Path, rows: list[tuple[str, str, dt.date, str]]) -> Path:
    lines = ["customer_id,period,paid_on,amount_yuan"] + [f"{c},{p},{d.isoformat()},{a}" for c, p, d, a in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _paid_in(rows: list, start: dt.date, end: dt.date) -> list:
    """The payments made in [start, end): what one month's payments extract holds."""
    return [r for r in rows if start <= r[2] < end]


def _settlements(store_dir: Path) -> list[dict]:
    rows = kam.read_dataset(store_dir, "settlements").to_pylist()
    for row in rows:  # the days of a bill paid on several days come in no particular order
        row["payment_days"] = sorted(row["payment_days"], key=lambda d: d["paid_on"]) if row["payment_days"] else None
    return sorted(rows, key=lambda r: (r["customer_id"], r["period"]))


def _grades(store_dir: Path, periods: list[str]) -> dict[str, pa.Table]:
    tables = load_tables(ibis.duckdb.connect(), store_dir)
    assert tables.settlements is not None  # graded from the settlements, not the fallback
    return {p: evaluate(tables, p) for p in periods}


def _settled_files(store_dir: Path) -> dict[str, int]:
    return {p: f.stat().st_ino for p, f in kam.partition_files(store_dir, "settlements").items()}


def _assert_as_a_full_rebuild(store_dir: Path, periods: list[str]) -> None:
    """The settlements in place and the grading from them equal those after `powerkam data rebuild`, row by row."""
    assert settlement.current_tolerance(store_dir) is not None
    incremental, graded = _settlements(store_dir), _grades(store_dir, periods)
    assert settlement.build_settlements(store_dir) == len(incremental)
    rebuilt = _settlements(store_dir)
    assert len(incremental) == len(rebuilt) > 0
    for got, want in zip(incremental, rebuilt, strict=True):
        assert got == want
    for period, table in _grades(store_dir, periods).items():
        assert graded[period].equals(table), period
        # … and as the engine's reference path, which settles every bill from the payments itself.
        reference = evaluate(load_tables(ibis.duckdb.connect(), store_dir, use_settlements=False), period)
        assert table.equals(reference), period


def _tree(store_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(store_dir)) for p in store_dir.rglob("*") if ".spill" not in p.parts)


def _month_in(tmp_path: Path, store_dir: Path, all_payments: list) -> None:
    """The store as a running installation has it: customers, then month after month of billing and the
    payments made in that month (each import settling what it changed)."""
    import_file(kind="customers", path=_customers(tmp_path / "customers.csv"))
    for m in range(MONTHS):
        import_file(kind="billing", path=_billing(tmp_path / f"billing-{m}.csv", range(m, m + 1)))
        paid = _paid_in(all_payments, _day(m + 1, 1), _day(m + 2, 1))
        if paid:
            import_file(kind="payments", path=_payments(tmp_path / f"payments-{m}.csv", paid))


def _month_resent(tmp_path: Path, m: int, changed: list[str]) -> Path:
    """Month ``m``'s billing file again, with 1,234 kWh and 863.80 yuan for the ``changed`` customers."""
    resent = _billing(tmp_path / "billing-resent.csv", range(m, m + 1))
    lines = resent.read_text(encoding="utf-8").splitlines()
    fixed = [lines[0]] + [
        (",".join([*f[:2], "1234.0", "863.80", *f[4:]]) if f[0] in changed else line)
        for line in lines[1:]
        for f in [line.split(",")]
    ]
    resent.write_text("\n".join(fixed) + "\n", encoding="utf-8")
    return resent


def test_a_new_month_lands_and_settles_incrementally_as_a_full_rebuild(store, tmp_path):
    all_payments = _payments_of(range(MONTHS + 1))
    _month_in(tmp_path, store, all_payments)
    assert kam.read_pointer(store, "settlements")["settled"] == "incremental"
    before = _settled_files(store)
    billing_before = {p: f.stat().st_ino for p, f in kam.partition_files(store, "billing").items()}

    # Month 9's billing: one new file; every other period's billing and settlements untouched.
    report = import_file(kind="billing", path=_billing(tmp_path / "billing-new.csv", range(MONTHS, MONTHS + 1)))
    assert (report.inserted, report.updated) == (CUSTOMERS, 0)
    billing_after = {p: f.stat().st_ino for p, f in kam.partition_files(store, "billing").items()}
    assert billing_after == billing_before | {_period(MONTHS): billing_after[_period(MONTHS)]}
    assert kam.read_pointer(store, "settlements")["settled"] == "incremental"
    assert _settled_files(store) == before | {_period(MONTHS): _settled_files(store)[_period(MONTHS)]}

    # The payments made in month 10: month 9's bills and late ones of month 8.
    paid = _paid_in(all_payments, _day(MONTHS + 1, 1), _day(MONTHS + 2, 1))
    touched = {p for _, p, _, _ in paid}
    assert {_period(MONTHS), _period(MONTHS - 1)} <= touched
    import_file(kind="payments", path=_payments(tmp_path / "payments-new.csv", paid))
    after = _settled_files(store)
    assert {p for p in after if after[p] != before.get(p)} == touched | {_period(MONTHS)}
    _assert_as_a_full_rebuild(store, [_period(MONTHS), _period(MONTHS - 1), _period(MONTHS - 5)])


def test_a_corrected_old_month_and_payments_of_old_bills_resettle_those_bills(store, tmp_path):
    all_payments = _payments_of(range(MONTHS + 1))
    _month_in(tmp_path, store, all_payments)
    before = _settled_files(store)
    old = _period(3)

    # Month 4 sent again with other amounts for three customers (and the same rows for the others).
    changed = _ids()[:3]
    resent = _month_resent(tmp_path, 3, changed)
    report = import_file(kind="billing", path=resent)
    assert (report.inserted, report.updated, report.unchanged) == (0, 3, CUSTOMERS - 3)
    bills = {(r["customer_id"], r["period"]): r for r in kam.read_dataset(store, "billing").to_pylist()}
    assert all(str(bills[(c, old)]["amount_yuan"]) == "863.80" for c in changed)
    assert sum(1 for (_, p) in bills if p == old) == CUSTOMERS  # replaced in place, not added
    after = _settled_files(store)
    assert {p for p in after if after[p] != before.get(p)} == {old}
    settled = {(r["customer_id"], r["period"]): r for r in _settlements(store)}
    assert all(str(settled[(c, old)]["amount_yuan"]) == "863.80" for c in changed)

    # Payments of old bills (months 2 and 4), made long after: only those periods are settled again.
    late = [(c, _period(1), _day(MONTHS, 3), "10.00") for c in _ids()[5:9]]
    late += [(changed[0], old, _day(MONTHS, 4), "863.80")]
    import_file(kind="payments", path=_payments(tmp_path / "payments-late.csv", late))
    again = _settled_files(store)
    assert {p for p in again if again[p] != after.get(p)} == {_period(1), old}
    settled = {(r["customer_id"], r["period"]): r for r in _settlements(store)}
    assert settled[(changed[0], old)]["last_paid_on"] == _day(MONTHS, 4)
    _assert_as_a_full_rebuild(store, [_period(4), _period(MONTHS - 1)])


def test_a_rollback_of_billing_settles_the_periods_back(store, tmp_path):
    all_payments = _payments_of(range(MONTHS))
    _month_in(tmp_path, store, all_payments)
    from powerkam.imports import runs

    kept = ImportRun.objects.filter(kind="billing").order_by("-pk").first()
    import_file(kind="billing", path=_billing(tmp_path / "billing-new.csv", range(MONTHS, MONTHS + 2)))
    assert _period(MONTHS + 1) in kam.partition_files(store, "settlements")
    runs.rollback(kind="billing", to=kept.pk)
    assert _period(MONTHS) not in kam.partition_files(store, "billing")
    assert _period(MONTHS) not in kam.partition_files(store, "settlements")
    assert kam.read_pointer(store, "settlements")["settled"] == "incremental"
    _assert_as_a_full_rebuild(store, [_period(MONTHS - 1)])


def test_an_import_failing_half_way_leaves_the_store_as_it_was(store, tmp_path, monkeypatch):
    all_payments = _payments_of(range(MONTHS))
    _month_in(tmp_path, store, all_payments)
    hashes, tree = store_hashes(store), _tree(store)
    copies = []
    real_copy = writer._copy_period

    def disk_full_on_the_second_period(con, select_sql, path):
        copies.append(path)
        if len(copies) == 2:
            raise OSError(28, "No space left on device")
        real_copy(con, select_sql, path)

    monkeypatch.setattr(writer, "_copy_period", disk_full_on_the_second_period)
    # A file with a new month and a correction of an old one: the first period is written, the second fails.
    both = _billing(tmp_path / "both.csv", range(2, 3), seed=7)
    extra = _billing(tmp_path / "new.csv", range(MONTHS, MONTHS + 1)).read_text(encoding="utf-8").splitlines()[1:]
    both.write_text(both.read_text(encoding="utf-8") + "\n".join(extra) + "\n", encoding="utf-8")
    with pytest.raises(OSError, match="No space left"):
        import_file(kind="billing", path=both)
    assert len(copies) == 2
    assert store_hashes(store) == hashes  # not a byte changed …
    assert _tree(store) == tree  # … and no directory left behind
    assert ImportRun.objects.order_by("-pk").first().status == ImportStatus.INTERRUPTED
    assert settlement.current_tolerance(store) is not None


def _note(store_dir: Path, kind: str) -> dict:
    """What the landing in place noted it changed (``changes.json`` of the pointer's directory)."""
    note = kam.read_changes(kam.parts_dir(store_dir, kind))
    assert note is not None
    return note


def _noted_bills(store_dir: Path, kind: str, period: str) -> set[str]:
    path = kam.changes_dir(kam.parts_dir(store_dir, kind)) / kam.partition_name(period)
    return {r["customer_id"] for r in pq.read_table(path).to_pylist()}


def test_the_landing_notes_what_it_changed_and_the_settling_reads_that_not_the_files(store, tmp_path, monkeypatch):
    all_payments = _payments_of(range(MONTHS + 1))
    _month_in(tmp_path, store, all_payments)

    def no_comparison(*args, **kwargs):
        raise AssertionError("the settling compared files although the landings noted their changes")

    monkeypatch.setattr(settlement, "_changed", no_comparison)
    previous = kam.read_pointer(store, "billing")["dir"]
    import_file(kind="billing", path=_billing(tmp_path / "billing-new.csv", range(MONTHS, MONTHS + 1)))
    assert _note(store, "billing") == {"from": previous, "periods": {_period(MONTHS): kam.CHANGED_ALL}}

    # A month sent again with three bills changed: exactly those three are noted.
    changed = _ids()[:3]
    resent = _billing(tmp_path / "billing-resent.csv", range(3, 4))
    lines = resent.read_text(encoding="utf-8").splitlines()
    fixed = [lines[0]] + [
        (",".join([*f[:2], "4321.0", "3024.70", *f[4:]]) if f[0] in changed else line)
        for line in lines[1:]
        for f in [line.split(",")]
    ]
    resent.write_text("\n".join(fixed) + "\n", encoding="utf-8")
    previous = kam.read_pointer(store, "billing")["dir"]
    import_file(kind="billing", path=resent)
    assert _note(store, "billing") == {"from": previous, "periods": {_period(3): kam.CHANGED_KEYS}}
    assert _noted_bills(store, "billing", _period(3)) == set(changed)

    # The month's payments: the late ones of an old month are noted by bill.
    paid = _paid_in(all_payments, _day(MONTHS + 1, 1), _day(MONTHS + 2, 1))
    late = [(c, _period(1), _day(MONTHS + 1, 3), "10.00") for c in _ids()[5:9]]
    import_file(kind="payments", path=_payments(tmp_path / "payments-new.csv", paid + late))
    note = _note(store, "payments")
    assert note["periods"][_period(1)] == kam.CHANGED_KEYS
    assert _noted_bills(store, "payments", _period(1)) == set(_ids()[5:9])
    assert kam.read_pointer(store, "settlements")["settled"] == "incremental"
    monkeypatch.undo()
    _assert_as_a_full_rebuild(store, [_period(MONTHS), _period(3), _period(1)])


def test_landings_not_settled_in_between_and_a_missing_note_settle_as_a_full_rebuild(store, tmp_path, monkeypatch):
    all_payments = _payments_of(range(MONTHS + 2))
    _month_in(tmp_path, store, all_payments)
    from powerkam.imports import runs

    # Two landings whose settling fails (a full disk, say): the next one settles all three, by their notes.
    def disk_full(store_dir):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runs, "ensure_settlements", disk_full)
    import_file(kind="billing", path=_billing(tmp_path / "b-9.csv", range(MONTHS, MONTHS + 1)))
    paid = _paid_in(all_payments, _day(MONTHS + 1, 1), _day(MONTHS + 2, 1))
    import_file(kind="payments", path=_payments(tmp_path / "p-9.csv", paid))
    assert settlement.current_tolerance(store) is None  # stale: grading settles the bills itself meanwhile
    monkeypatch.undo()
    import_file(kind="billing", path=_billing(tmp_path / "b-10.csv", range(MONTHS + 1, MONTHS + 2)))
    assert kam.read_pointer(store, "settlements")["settled"] == "incremental"
    _assert_as_a_full_rebuild(store, [_period(MONTHS), _period(MONTHS + 1)])

    # A landing whose note is lost (or a directory put there by hand): the files are compared instead.
    paid = _paid_in(all_payments, _day(MONTHS + 2, 1), _day(MONTHS + 3, 1))
    import_file(kind="payments", path=_payments(tmp_path / "p-10.csv", paid))
    compared = []
    real = settlement._changed
    monkeypatch.setattr(settlement, "_changed", lambda con, kind, *a: compared.append(kind) or real(con, kind, *a))
    late = [(c, _period(2), _day(MONTHS + 3, 3), "7.00") for c in _ids()[:4]]
    ensure = runs.ensure_settlements
    monkeypatch.setattr(runs, "ensure_settlements", lambda store_dir: None)
    import_file(kind="payments", path=_payments(tmp_path / "p-late.csv", late))
    (kam.parts_dir(store, "payments") / "changes.json").unlink()
    monkeypatch.setattr(runs, "ensure_settlements", ensure)
    assert settlement.update_settlements(store) == "incremental"
    assert compared == ["payments"]
    _assert_as_a_full_rebuild(store, [_period(MONTHS + 1), _period(2)])
