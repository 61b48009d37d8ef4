"""Reading and validating the extracts of the data contract (docs/data-formats.md).

``read_raw`` turns a CSV/XLSX/Parquet file into a DuckDB table of text columns with the row
number as the user sees it; ``validate`` checks every row against the contract in bulk SQL and
produces a typed table or the full list of bad rows; ``upsert_dataset`` merges a typed table into
the Parquet analytics store atomically. No Django here.
"""

from powerkam.analytics.io.contract import CONTRACT, Column, KindSpec
from powerkam.analytics.io.errors import FileRefused, RowError
from powerkam.analytics.io.readers import read_raw
from powerkam.analytics.io.validate import Validated, validate
from powerkam.analytics.io.writer import UpsertCounts, upsert_dataset

__all__ = [
    "CONTRACT",
    "Column",
    "FileRefused",
    "KindSpec",
    "RowError",
    "UpsertCounts",
    "Validated",
    "read_raw",
    "upsert_dataset",
    "validate",
]
