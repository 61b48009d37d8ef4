"""One measured step of the import benchmark, run in its own process (see import_bench.py).

Prints one JSON line: rows, the step's own time (excluding interpreter start) and peak RSS.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

from benchmarks.report import peak_mib


def powerkam_validate(path: Path, customers: Path) -> int:
    from powerkam.analytics.io import CONTRACT, read_raw, validate
    from powerkam.analytics.io.validate import Reference

    con = duckdb.connect()
    spec = CONTRACT["billing"]
    raw = read_raw(con, path, spec)
    literal = str(customers).replace("'", "''")
    checked = validate(
        con, raw, spec, {"customer_id": Reference("customer", sql=f"SELECT customer_id FROM read_parquet('{literal}')")}
    )
    assert checked.ok, checked.errors[:5]
    return raw.rows


def pandas_validate(path: Path, customers: Path) -> int:
    """What a careful hand-written pandas importer does: read as text, then the same checks."""
    import pandas as pd

    if path.suffix == ".parquet":
        df = pd.read_parquet(path).astype("string")
    else:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    errors = []
    for col in ("customer_id", "period", "kwh", "amount_yuan", "due_date"):
        errors.append(df[col].str.strip().eq("") | df[col].isna())
    period_ok = df["period"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    errors.append(~period_ok.fillna(False).astype(bool))
    # The same plausible ranges, finite numbers and date window as the data contract.
    import datetime as dt

    import numpy as np

    from powerkam.analytics.io.contract import CONTRACT, DATE_MAX_YEARS_AHEAD, DATE_MIN

    spec = CONTRACT["billing"]
    for col in ("kwh", "amount_yuan"):
        number = pd.to_numeric(df[col].str.replace(",", "", regex=False), errors="coerce")
        low, high = spec.column(col).range or (0, np.inf)
        errors.append(number.isna() | ~np.isfinite(number) | (number < max(low, 0)) | (number > high))
    due = pd.to_datetime(df["due_date"], format="%Y-%m-%d", errors="coerce")
    today = dt.date.today()
    latest = pd.Timestamp(today.replace(year=today.year + DATE_MAX_YEARS_AHEAD))
    errors.append(due.isna() | (due < pd.Timestamp(DATE_MIN)) | (due > latest))
    errors.append(df.duplicated(["customer_id", "period"], keep="first"))
    known = pd.read_parquet(customers, columns=["customer_id"])["customer_id"]
    errors.append(~df["customer_id"].isin(known))
    bad = errors[0]
    for e in errors[1:]:
        bad = bad | e
    assert not bad.any()
    return len(df)


def main(argv: list[str]) -> None:
    step, path, customers = argv[0], Path(argv[1]), Path(argv[2])
    start = time.perf_counter()
    rows = {"powerkam": powerkam_validate, "pandas": pandas_validate}[step](path, customers)
    seconds = time.perf_counter() - start
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mib": peak_mib()}))


if __name__ == "__main__":
    main(sys.argv[1:])
