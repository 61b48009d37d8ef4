"""Churn model benchmark (issue 16): training and scoring at 100,000 key accounts × 36 months.

A generated base with known losses (:func:`powerkam.demo.generator.churn.synthetic_base`) is
written to a store; measured: reading the history, the backtest (features of every account-month,
training on the windows before the last 6 complete ones, the rule baseline on the test windows,
scoring them) and the monthly retraining plus today's scores with reasons. The rule baseline runs
in the same run (it is part of the backtest) and its figures are reported beside the model's.

``python -m benchmarks churn [--accounts N] [--dry-run]``
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from benchmarks.report import machine, peak_mib, today, write_section
from powerkam.analytics import churn, store
from powerkam.demo.generator.churn import synthetic_base


def main(argv: list[str]) -> None:
    accounts = 100_000
    for arg in argv:
        if arg.startswith("--accounts="):
            accounts = int(arg.split("=", 1)[1])
    timings: dict[str, float] = {}
    started = time.perf_counter()
    base = synthetic_base(accounts=accounts, months=36, seed=2026)
    timings["generate"] = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for kind, table in base.tables.items():
            pq.write_table(table, store.dataset_path(directory, kind))
        ids = base.tables["customers"].column("customer_id").to_pylist()
        step = time.perf_counter()
        history = churn.load_history(directory, ids)
        timings["read history"] = time.perf_counter() - step
    step = time.perf_counter()
    result = churn.backtest(history, settings=churn.ModelSettings(k=500))
    timings["backtest"] = time.perf_counter() - step
    step = time.perf_counter()
    model, _panel = churn.fit_current(history)
    timings["retrain (features + fit)"] = time.perf_counter() - step
    step = time.perf_counter()
    scores = churn.score_latest(model, history) if model else []
    timings["score today with reasons"] = time.perf_counter() - step
    rows = [
        f"| {name} | {r.auc} | {r.pr_auc} | {r.precision_at_k} | {r.recall_at_k} | {r.lead_months} |"
        for name, r in (("model", result.model), ("rule baseline", result.baseline))
        if r is not None
    ]
    body = "\n".join(
        [
            f"{today()} · {machine()} · peak RSS {peak_mib():,.0f} MiB",
            "",
            f"{accounts:,} key accounts × 36 months generated with known losses "
            f"({int((base.lost_at >= 0).sum()):,} lost); backtest windows {result.test_periods[0]} … "
            f"{result.test_periods[1]}, {result.rows:,} account-months, {result.losses:,} losses, k = {result.k}.",
            "",
            "| | auc | pr_auc | precision@k | recall@k | lead months |",
            "|---|---:|---:|---:|---:|---:|",
            *rows,
            "",
            "| step | seconds |",
            "|---|---:|",
            *[f"| {name} | {seconds:,.1f} |" for name, seconds in timings.items()],
            *[f"| backtest: {name} | {seconds:,.1f} |" for name, seconds in result.seconds.items()],
            "",
            f"Scored today: {len(scores):,} accounts. One thread for LightGBM (the machine is shared).",
        ]
    )
    print(body)
    if "--dry-run" not in argv:
        write_section("Churn model", body)


if __name__ == "__main__":
    main(sys.argv[1:])
