"""Fixtures for the demo province: generated files (once per session) and readers that take
them back exactly as the data contract describes them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from powerkam.demo.generator import CUSTOMER_HEADERS_ZH, DemoFiles, DemoSpec, generate

TODAY = dt.date(2026, 11, 27)
_ZH_TO_EN = {zh: en for en, zh in CUSTOMER_HEADERS_ZH.items()}
TARIFF_ZH = {
    "大工业": "large_industrial",
    "一般工商业": "general_commercial",
    "居民": "residential",
    "农业": "agricultural",
}
MODE_ZH = {"按容量": "capacity", "按需量": "demand"}
IMPORTANT_ZH = {"特级": "special", "一级": "first", "二级": "second", "临时性": "temporary"}


def read_csv(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with io.StringIO(path.read_bytes().decode(encoding)) as fh:
        return list(csv.DictReader(fh))


def read_customers(path: Path) -> list[dict[str, str]]:
    """The GB18030 customer file with its Chinese headers and values, in English terms."""
    rows = []
    for raw in read_csv(path, "gb18030"):
        row = {_ZH_TO_EN.get(k, k): v for k, v in raw.items()}
        row["tariff"] = TARIFF_ZH[row["tariff"]]
        row["basic_charge_mode"] = MODE_ZH.get(row["basic_charge_mode"], "")
        row["important_grade"] = IMPORTANT_ZH.get(row["important_grade"], "")
        row["contract_capacity_kva"] = row["contract_capacity_kva"].replace(",", "")
        rows.append(row)
    return rows


def read_xlsx(path: Path) -> tuple[list[str], list[tuple[object, ...]]]:
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [str(h) for h in rows[0]], rows[1:]


@dataclass
class Demo:
    files: DemoFiles
    customers: list[dict[str, str]]
    billing: pa.Table
    payments: pa.Table
    loads: pa.Table

    @property
    def hv(self) -> list[dict[str, str]]:
        return [c for c in self.customers if float(c["voltage_kv"]) >= 10]

    def path(self, kind: str) -> Path:
        return self.files.paths[kind]


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """A 2,000-customer demo province (about 150 customers at 10 kV and above)."""
    files = generate(DemoSpec(today=TODAY, customers=2000, seed=7), tmp_path_factory.mktemp("demo-small"))
    return Demo(
        files=files,
        customers=read_customers(files.paths["customers"]),
        billing=pq.read_table(files.paths["billing"]),
        payments=pq.read_table(files.paths["payments"]),
        loads=pq.read_table(files.paths["loads"]),
    )


@pytest.fixture
def data_dir(settings, tmp_path: Path) -> Path:
    """A fresh data directory (analytics store and demo marker) for one test."""
    settings.DATA_DIR = tmp_path
    settings.ANALYTICS_DIR = tmp_path / "store"
    return tmp_path
