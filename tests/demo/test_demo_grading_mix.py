"""The default demo province grades into a plausible A/B/C mix (docs/rules.md §1, computed here
independently of PowerKAM's grading engine, straight from the generated files)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from powerkam.demo.generator import DemoSpec, generate
from tests.demo.conftest import TODAY, read_customers

GRADES_SQL = """
WITH w AS (
    SELECT * FROM billing WHERE period BETWEEN '2025-11' AND '2026-10'
), totals AS (
    SELECT customer_id, sum(kwh) AS kwh, round(sum(amount_yuan), 2) AS revenue,
           count(*) FILTER (WHERE kwh > 0) AS active_months
    FROM w GROUP BY customer_id
), known AS (
    SELECT customer_id, period, paid_on, sum(amount_yuan) AS paid
    FROM payments WHERE paid_on <= DATE '2026-10-31' GROUP BY ALL
), running AS (
    SELECT *, sum(paid) OVER (PARTITION BY customer_id, period ORDER BY paid_on) AS cumulative FROM known
), bills AS (
    SELECT b.customer_id, b.period, b.amount_yuan, b.due_date,
           CASE WHEN b.amount_yuan = 0 THEN b.due_date
                ELSE (SELECT min(r.paid_on) FROM running r
                      WHERE r.customer_id = b.customer_id AND r.period = b.period
                        AND r.cumulative >= b.amount_yuan - 0.01) END AS settled_on,
           coalesce((SELECT max(r.cumulative) FROM running r
                     WHERE r.customer_id = b.customer_id AND r.period = b.period), 0) AS paid
    FROM billing b WHERE b.due_date <= DATE '2026-10-31'
), lateness AS (
    SELECT customer_id,
           count(*) FILTER (WHERE period >= '2025-11' AND (settled_on IS NULL OR settled_on > due_date)) AS late,
           max(CASE WHEN period >= '2025-11' AND (settled_on IS NULL OR settled_on > due_date)
                    THEN date_diff('day', due_date, coalesce(settled_on, DATE '2026-10-31')) ELSE 0 END) AS max_late,
           sum(CASE WHEN due_date < DATE '2026-10-31' THEN greatest(0, amount_yuan - paid) ELSE 0 END) AS overdue
    FROM bills GROUP BY customer_id
), keys AS (
    SELECT c.customer_id, t.revenue,
           greatest(0, least(100, 100 - 10 * coalesce(l.late, 0) - 20 * (coalesce(l.overdue, 0) > 0)::INT
                                   - 20 * (coalesce(l.max_late, 0) > 30)::INT)) AS credit
    FROM customers c JOIN totals t USING (customer_id) LEFT JOIN lateness l USING (customer_id)
    WHERE c.voltage_kv >= 10 AND t.active_months >= 6
      AND (t.kwh >= 1000000 OR c.contract_capacity_kva >= 2000 OR c.important_grade <> '')
), ranked AS (
    SELECT *, percent_rank() OVER (ORDER BY revenue) AS value_rank FROM keys
)
SELECT CASE WHEN credit < 60 THEN 'C' WHEN value_rank >= 0.8 AND credit >= 90 THEN 'A' ELSE 'B' END AS grade,
       count(*) AS n
FROM ranked GROUP BY grade
"""


@pytest.mark.slow
def test_the_default_province_grades_into_a_plausible_mix(tmp_path: Path) -> None:
    files = generate(DemoSpec(today=TODAY, load_months=0), tmp_path)
    customers = [
        {
            "customer_id": c["customer_id"],
            "voltage_kv": float(c["voltage_kv"]),
            "contract_capacity_kva": float(c["contract_capacity_kva"]),
            "important_grade": c["important_grade"],
        }
        for c in read_customers(files.paths["customers"])
    ]
    con = duckdb.connect()
    con.register("customers", pa.Table.from_pylist(customers))
    con.execute(f"CREATE VIEW billing AS SELECT * FROM read_parquet('{files.paths['billing']}')")
    con.execute(f"CREATE VIEW payments AS SELECT * FROM read_parquet('{files.paths['payments']}')")

    grades = dict(con.execute(GRADES_SQL).fetchall())

    key_accounts = sum(grades.values())
    high_voltage = sum(1 for c in customers if c["voltage_kv"] >= 10)
    assert 0.5 * high_voltage < key_accounts < 0.9 * high_voltage
    assert 0.15 <= grades["A"] / key_accounts <= 0.25
    assert grades["B"] / key_accounts > 0.5
    assert 0.03 <= grades["C"] / key_accounts <= 0.15
