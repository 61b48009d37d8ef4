"""The analytics store: one Parquet file per kind of whole-customer-base data.

Layout under ``$POWERKAM_DATA_DIR/store``::

    customers.parquet  billing.parquet  payments.parquet  loads.parquet  outages.parquet

Each file is replaced atomically (written beside, then renamed), so readers always see a
complete dataset. Column types are fixed by :data:`SCHEMAS` (the contract of
``docs/data-formats.md`` after validation and normalisation):

- money is ``decimal(18,2)`` (exact to the fen); energy/power/capacity ``double``;
- enum values are stored in their English form (``large_industrial``, ``first`` …);
- ``period`` is the text ``YYYY-MM``; dates are ``date``; timestamps are naive local time
  (Asia/Shanghai), as the metering system writes them.

This module never imports Django; callers pass the store directory.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

MONEY = pa.decimal128(18, 2)

SCHEMAS: dict[str, pa.Schema] = {
    "customers": pa.schema(
        [
            ("customer_id", pa.string()),
            ("name", pa.string()),
            ("parent_id", pa.string()),
            ("industry", pa.string()),
            ("voltage_kv", pa.float64()),
            ("contract_capacity_kva", pa.float64()),
            ("tariff", pa.string()),
            ("basic_charge_mode", pa.string()),
            ("feeders", pa.string()),
            ("important_grade", pa.string()),
            ("district", pa.string()),
            ("address", pa.string()),
            ("latitude", pa.float64()),
            ("longitude", pa.float64()),
            ("connected_on", pa.date32()),
        ]
    ),
    "billing": pa.schema(
        [
            ("customer_id", pa.string()),
            ("period", pa.string()),
            ("kwh", pa.float64()),
            ("kwh_peak", pa.float64()),
            ("kwh_flat", pa.float64()),
            ("kwh_valley", pa.float64()),
            ("kwh_critical", pa.float64()),
            ("kvarh", pa.float64()),
            ("max_demand_kw", pa.float64()),
            ("amount_yuan", MONEY),
            ("due_date", pa.date32()),
        ]
    ),
    "payments": pa.schema(
        [
            ("customer_id", pa.string()),
            ("period", pa.string()),
            ("paid_on", pa.date32()),
            ("amount_yuan", MONEY),
            # Payments have no natural key: identical payments of one bill on one day are
            # told apart by their occurrence number, so re-importing a file changes nothing.
            ("seq", pa.int32()),
        ]
    ),
    "loads": pa.schema(
        [
            ("customer_id", pa.string()),
            ("ts", pa.timestamp("us")),
            ("kw", pa.float64()),
        ]
    ),
    "outages": pa.schema(
        [
            ("outage_id", pa.string()),
            ("feeder_id", pa.string()),
            ("start", pa.timestamp("us")),
            ("end", pa.timestamp("us")),
            ("planned", pa.bool_()),
            ("cause", pa.string()),
        ]
    ),
}

# Renewable-energy key accounts (docs/renewables.md): generation per customer, month and technology;
# green power bought and green certificates held.
SCHEMAS.update(
    {
        "generation": pa.schema(
            [
                ("customer_id", pa.string()),
                ("period", pa.string()),
                ("technology", pa.string()),
                ("installed_kw", pa.float64()),
                ("mode", pa.string()),
                ("generated_kwh", pa.float64()),
                ("self_consumed_kwh", pa.float64()),
                ("exported_kwh", pa.float64()),
            ]
        ),
        "green": pa.schema(
            [
                ("record_id", pa.string()),
                ("customer_id", pa.string()),
                ("type", pa.string()),
                ("traded_on", pa.date32()),
                ("kwh", pa.float64()),
                ("energy_price_yuan_per_kwh", pa.float64()),
                ("premium_yuan_per_kwh", pa.float64()),
                ("certificates", pa.int64()),
                ("certificate_price_yuan", pa.float64()),
            ]
        ),
    }
)

# Churn signals (docs/health.md): business applications, supply contracts, market status.
SCHEMAS.update(
    {
        "applications": pa.schema(
            [
                ("application_id", pa.string()),
                ("customer_id", pa.string()),
                ("type", pa.string()),
                ("applied_on", pa.date32()),
                ("effective_on", pa.date32()),
                ("capacity_kva", pa.float64()),
                ("status", pa.string()),
            ]
        ),
        "contracts": pa.schema(
            [
                ("contract_no", pa.string()),
                ("customer_id", pa.string()),
                ("start_on", pa.date32()),
                ("end_on", pa.date32()),
                ("capacity_kva", pa.float64()),
                ("renewal_status", pa.string()),
            ]
        ),
        "market": pa.schema(
            [
                ("customer_id", pa.string()),
                ("effective_on", pa.date32()),
                ("status", pa.string()),
                ("retailer", pa.string()),
            ]
        ),
    }
)

#: The key each kind is upserted by.
KEYS: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id",),
    "billing": ("customer_id", "period"),
    "payments": ("customer_id", "period", "paid_on", "amount_yuan", "seq"),
    "loads": ("customer_id", "ts"),
    "outages": ("outage_id",),
    "generation": ("customer_id", "period", "technology"),
    "green": ("record_id",),
    # churn signals
    "applications": ("application_id",),
    "contracts": ("contract_no",),
    "market": ("customer_id", "effective_on"),
}

STORE_KINDS = tuple(SCHEMAS)

#: Datasets derived from the imported ones (never imported themselves): ``settlements`` is one
#: row per bill with its payments settled over *all* payments (built by
#: :mod:`powerkam.analytics.settlement` from ``billing`` and ``payments``); ``typical_loads`` is
#: each customer's typical load profile (built by :mod:`powerkam.analytics.typical` from ``loads``).
DERIVED_SCHEMAS: dict[str, pa.Schema] = {
    "settlements": pa.schema(
        [
            ("customer_id", pa.string()),
            ("period", pa.string()),
            ("kwh", pa.float64()),
            ("amount_yuan", MONEY),
            ("due_date", pa.date32()),
            # Sum of all the bill's payments; 0.00 when none.
            ("paid_yuan", MONEY),
            # First day the running total of all payments reaches the amount (within the
            # tolerance); the due date for a zero bill; null while not reached.
            ("settled_on", pa.date32()),
            # Latest payment day; null when the bill has no payment.
            ("last_paid_on", pa.date32()),
            # max(0, amount - paid_yuan): what is still owed once every payment is counted.
            ("unpaid_yuan", MONEY),
            # Paid on more than one day: one entry per day, that day's payments and the running
            # total of all its payments up to that day (in no particular order); else null.
            (
                "payment_days",
                pa.list_(pa.struct([("paid_on", pa.date32()), ("day_yuan", MONEY), ("paid_to_date", MONEY)])),
            ),
        ]
    ),
    # One row per customer with interval data, sorted by customer_id: its typical kW per 15-minute
    # slot of a working and of a non-working day (docs/rules.md §4; null: no reading in that slot),
    # over the days first_day … last_day (built by :mod:`powerkam.analytics.typical` from ``loads``).
    "typical_loads": pa.schema(
        [
            ("customer_id", pa.string()),
            ("first_day", pa.date32()),
            ("last_day", pa.date32()),
            ("working", pa.list_(pa.float64(), 96)),
            ("non_working", pa.list_(pa.float64(), 96)),
        ]
    ),
}


def dataset_path(store_dir: Path, kind: str) -> Path:
    if kind not in SCHEMAS and kind not in DERIVED_SCHEMAS:
        raise KeyError(kind)
    return Path(store_dir) / f"{kind}.parquet"


def has_dataset(store_dir: Path, kind: str) -> bool:
    return dataset_path(store_dir, kind).exists()


def empty_table(kind: str) -> pa.Table:
    return SCHEMAS[kind].empty_table()


# --- versions -------------------------------------------------------------------------------
#
# Every landing of a store kind keeps the dataset it produced as ``versions/<kind>/<run id>.parquet``:
# a hard link to the very file the landing renamed into place, so keeping a version costs no copy
# and no space until a later landing replaces the dataset (the old file then lives on under its
# version's name). Rolling back links a version into place again; retention removes the oldest.

VERSIONS = "versions"


def versions_dir(store_dir: Path, kind: str) -> Path:
    if kind not in SCHEMAS:
        raise KeyError(kind)
    return Path(store_dir) / VERSIONS / kind


def version_path(store_dir: Path, kind: str, run_id: int) -> Path:
    return versions_dir(store_dir, kind) / f"{int(run_id)}.parquet"


def version_ids(store_dir: Path, kind: str) -> list[int]:
    """The run ids whose version of ``kind`` is kept, oldest first."""
    folder = versions_dir(store_dir, kind)
    if not folder.is_dir():
        return []
    return sorted(int(p.stem) for p in folder.glob("*.parquet") if p.stem.isdigit())


def is_current(store_dir: Path, kind: str, run_id: int) -> bool:
    """Whether the dataset in place is (the same file as) the version of ``run_id``."""
    dataset, version = dataset_path(store_dir, kind), version_path(store_dir, kind, run_id)
    return dataset.exists() and version.exists() and dataset.samefile(version)


def prune_versions(store_dir: Path, kind: str, keep: int) -> list[int]:
    """Remove all but the ``keep`` newest versions of ``kind`` (never the one in place); the run ids removed."""
    ids = version_ids(store_dir, kind)
    removed = []
    for run_id in ids[: max(0, len(ids) - max(keep, 1))]:
        if is_current(store_dir, kind, run_id):
            continue
        version_path(store_dir, kind, run_id).unlink(missing_ok=True)
        removed.append(run_id)
    return removed
