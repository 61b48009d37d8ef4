"""The settle and nightly benchmarks' site, generated one period at a time, is the site the whole-store
generator made (issue 21 part 4: at 10,000,000 customers the whole-store way spilled 21 GB and took
hours). The reference below is that earlier way: the grading benchmark's store generated whole, then
split into period files by the importer's own writer."""

from __future__ import annotations

from pathlib import Path

import duckdb

from benchmarks import settle_bench
from benchmarks.grading_bench import make_store
from powerkam.analytics import store
from powerkam.analytics.io import writer


def _the_whole_store_way(data_dir: Path, customers: int, high_voltage_pct: int) -> None:
    raw, target, files = data_dir / "raw", data_dir / "store", data_dir / "files"
    make_store(raw, customers, high_voltage_pct)
    target.mkdir(parents=True)
    files.mkdir()
    (raw / "customers.parquet").rename(target / "customers.parquet")
    con = duckdb.connect()
    billing, payments = f"read_parquet('{raw / 'billing.parquet'}')", f"read_parquet('{raw / 'payments.parquet'}')"
    wheres = {
        "billing": f"period < '{settle_bench.NEW_PERIOD}'",
        "payments": f"paid_on < DATE '{settle_bench.PAID_FROM}'",
    }
    for kind, source in (("billing", billing), ("payments", payments)):
        folder = store.new_parts_dir(target, kind)
        writer._split_into_periods(con, f"SELECT * FROM {source} WHERE {wheres[kind]}", kind, folder)
        store.write_pointer(target, kind, folder)
    con.execute(
        f"COPY (SELECT customer_id, period, kwh, amount_yuan, strftime(due_date, '%Y-%m-%d') AS due_date "
        f"FROM {billing} WHERE period = '{settle_bench.NEW_PERIOD}') TO '{files / 'billing.csv'}' (HEADER, DELIMITER ',')"
    )
    con.execute(
        f"COPY (SELECT customer_id, period, strftime(paid_on, '%Y-%m-%d') AS paid_on, amount_yuan FROM {payments} "
        f"WHERE paid_on >= DATE '{settle_bench.PAID_FROM}' AND paid_on < DATE '{settle_bench.PAID_TO}' "
        f"ORDER BY customer_id, period, paid_on) TO '{files / 'payments.csv'}' (HEADER, DELIMITER ',')"
    )


def _period_files(store_dir: Path, kind: str) -> dict[str, list[tuple]]:
    con = duckdb.connect()
    return {
        period: con.execute(f"SELECT * FROM read_parquet('{path}')").fetchall()  # in the file's order
        for period, path in store.partition_files(store_dir, kind).items()
    }


def test_the_site_generated_period_by_period_is_the_site_generated_whole(tmp_path: Path) -> None:
    by_period, whole = tmp_path / "by-period", tmp_path / "whole"
    counts = settle_bench.generate(by_period, 400, 45)
    _the_whole_store_way(whole, 400, 45)

    for kind in ("billing", "payments"):
        got, want = _period_files(by_period / "store", kind), _period_files(whole / "store", kind)
        assert list(got) == list(want)
        assert len(got) == {"billing": 35, "payments": 34}[kind]  # 2026-09's bills are paid in the new month
        for period in want:
            assert got[period] == want[period], (kind, period)
    for name in ("billing.csv", "payments.csv"):
        assert (by_period / "files" / name).read_bytes() == (whole / "files" / name).read_bytes(), name
    assert (by_period / "store" / "customers.parquet").exists()
    assert counts["new_bills"] == 400
    assert counts["store_bills"] == 400 * 35
    assert counts["periods_paid"] >= 2  # the new month's payments include older bills paid late
