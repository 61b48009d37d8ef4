"""Reading the churn model's history from the store in sets (docs/health.md, "Reading the history"):
a bill is settled the day its payments reach it, events land in the right month and feature."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np

from factories import monthly_bills, write_dataset
from powerkam.analytics import churn

D = dt.date


def test_bills_settle_the_day_their_payments_reach_them_and_events_find_their_months(tmp_path: Path) -> None:
    bills = monthly_bills("A", last_period="2026-06", months=12) + monthly_bills("B", last_period="2026-06", months=6)
    write_dataset(tmp_path, "billing", bills)
    first = next(b for b in bills if b["customer_id"] == "A" and b["period"] == "2025-07")
    half = (first["amount_yuan"] / 2).quantize(Decimal("0.01"))
    write_dataset(
        tmp_path,
        "payments",
        [
            # A's first bill in two halves: settled on the second; the rest of A paid on time; B never
            {"customer_id": "A", "period": "2025-07", "paid_on": D(2025, 8, 10), "amount_yuan": half},
            {"customer_id": "A", "period": "2025-07", "paid_on": D(2025, 9, 3), "amount_yuan": first["amount_yuan"] - half},
            *[
                {"customer_id": "A", "period": b["period"], "paid_on": b["due_date"], "amount_yuan": b["amount_yuan"]}
                for b in bills
                if b["customer_id"] == "A" and b["period"] > "2025-07"
            ],
        ],
    )  # fmt: skip
    write_dataset(
        tmp_path,
        "applications",
        [
            {"application_id": "1", "customer_id": "A", "type": "capacity_reduction", "applied_on": D(2026, 3, 5), "capacity_kva": 500.0},
            {"application_id": "2", "customer_id": "A", "type": "relocation", "applied_on": D(2026, 4, 1)},
            {"application_id": "3", "customer_id": "B", "type": "closure", "applied_on": D(2026, 5, 20)},
            {"application_id": "4", "customer_id": "B", "type": "closure", "applied_on": D(2026, 6, 2)},
            {"application_id": "5", "customer_id": "A", "type": "closure", "applied_on": D(2026, 9, 1)},  # after the history
        ],
    )  # fmt: skip
    write_dataset(
        tmp_path,
        "market",
        [{"customer_id": "B", "effective_on": D(2024, 1, 1), "status": "direct"}],  # before the history: month 0
    )
    write_dataset(
        tmp_path,
        "contracts",
        [
            {"contract_no": "C1", "customer_id": "A", "start_on": D(2023, 1, 1), "end_on": D(2026, 12, 31)},
            {"contract_no": "C2", "customer_id": "A", "start_on": D(2027, 1, 1), "end_on": D(2029, 12, 31)},  # not yet
        ],
    )
    history = churn.load_history(tmp_path, ["B", "A", "nobody"])
    assert history.customer_ids == ["A", "B", "nobody"]
    assert history.periods[0] == "2025-07"
    assert history.periods[-1] == "2026-06"
    a, b, nobody = 0, 1, 2
    assert history.settled[a, 0] == D(2025, 9, 3).toordinal()  # the day the second half reached the bill
    assert history.settled[a, 1] == bills[1]["due_date"].toordinal()
    assert np.isinf(history.settled[b, 6])  # never paid
    assert np.isnan(history.kwh[b, 0])  # B's bills start in 2026-01
    assert np.isnan(history.kwh[nobody]).all()
    assert list(history.closure_month) == [-1, 10, -1]  # B's first closure, 2026-05; A's is after the history
    assert list(history.direct_from) == [-1, 0, -1]
    t = len(history.periods) - 1  # 2026-06
    features = churn.features_at(history, t)
    names = {name: i for i, name in enumerate(churn.FEATURES)}
    assert history.capacity[a] == 0  # no customers file: any reduction counts as the whole capacity
    assert features[a, names["reduced_share"]] == 1.0
    assert features[a, names["relocation"]] == 1.0
    assert features[b, names["relocation"]] == 0.0
    assert features[a, names["contract_days"]] == D(2026, 12, 31).toordinal() - D(2026, 6, 30).toordinal()
    assert np.isnan(features[b, names["contract_days"]])
    assert features[b, names["arrears_days"]] == D(2026, 6, 30).toordinal() - bills[12]["due_date"].toordinal()


def test_no_payments_imported_leaves_every_bill_open(tmp_path: Path) -> None:
    write_dataset(tmp_path, "billing", monthly_bills("A", last_period="2026-06", months=3))
    history = churn.load_history(tmp_path, ["A"])
    assert np.isinf(history.settled).all()
    assert history.reduced_account.size == 0
    assert history.contract_account.size == 0
