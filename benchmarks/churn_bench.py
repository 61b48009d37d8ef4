"""Churn model benchmark (issue 16): training and scoring at 100,000 key accounts × 36 months.

A generated base with known losses (:func:`powerkam.demo.generator.churn.synthetic_base`) is
written to a store; measured: reading the history, the backtest (features of every account-month,
training on the windows before the last 6 complete ones, the rule baseline on the test windows,
scoring them) and the monthly retraining plus today's scores with reasons. The rule baseline runs
in the same run (it is part of the backtest) and its figures are reported beside the model's; it is
also timed on its own, the per-account reference (the code before) against the NumPy version.

``python -m benchmarks churn [--accounts N] [--dry-run]``
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from benchmarks.report import machine, peak_mib, today, write_section
from powerkam.analytics import churn, health, store
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
    baseline = _baseline_before_after(history, result.test_periods)
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
            "The rule baseline of the backtest's test windows, the same account-months scored both ways "
            f"({baseline['rows']:,}; the same risk level for every one: {baseline['agree']}):",
            "",
            "| rule baseline | seconds |",
            "|---|---:|",
            f"| before: `assess()` account by account (`baseline_risk_each`) | {baseline['before']:,.1f} |",
            f"| after: NumPy over every account at once (`baseline_risk`) | {baseline['after']:,.2f} |",
            f"| ratio | {baseline['before'] / max(baseline['after'], 1e-9):,.0f}× |",
            "",
            f"Scored today: {len(scores):,} accounts. One thread for LightGBM (the machine is shared).",
        ]
    )
    print(body)
    if "--dry-run" not in argv:
        write_section("Churn model", body)


def _baseline_before_after(history: churn.History, test_periods: tuple[str, str]) -> dict[str, float]:
    """The rule baseline of the test windows timed both ways on the same accounts: the per-account
    reference (the code before) and the vectorised one, and whether they agree."""
    lost = churn.loss_months(history)
    first, last = history.periods.index(test_periods[0]), history.periods.index(test_periods[1])
    before = after = 0.0
    rows, agree = 0, True
    for t in range(first, last + 1):
        accounts = np.flatnonzero(((lost < 0) | (lost > t)) & ~np.isnan(history.kwh[:, t]))
        feats = churn.features_at(history, t)[accounts]
        step = time.perf_counter()
        fast = churn.baseline_risk(history, t, feats, health.DEFAULT_RULES, accounts)
        after += time.perf_counter() - step
        step = time.perf_counter()
        sub = dataclasses.replace(  # what the reference reads, of these accounts only (as the code before)
            history,
            customer_ids=[history.customer_ids[i] for i in accounts],
            kwh=history.kwh[accounts],
            amount=history.amount[accounts],
            capacity=history.capacity[accounts],
        )
        slow = churn.baseline_risk_each(sub, t, feats, health.DEFAULT_RULES)
        before += time.perf_counter() - step
        agree &= bool(np.array_equal(fast // 100, slow // 100))
        rows += len(accounts)
    return {"before": before, "after": after, "rows": rows, "agree": agree}


if __name__ == "__main__":
    main(sys.argv[1:])
