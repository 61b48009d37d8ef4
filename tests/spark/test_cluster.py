"""The analytics on a real Spark standalone cluster (a master and two workers, tests/spark/conftest.py).

One child process runs every job against the cluster (a JVM start is the slow part): the grading of
the sample area and of a random store, each from the raw payments and from the importer's
settlements, and the build of the typical loads. Each answer must equal DuckDB's on the same store:
the grading exactly (grades, scores, ranks, sums to the fen, reasons), the typical loads as
tests/analytics/test_typical_engines.py compares them. And the work must really have run on the
cluster: the master lists the finished application, both workers ran an executor of it. Then
the nightly order on a partitioned store: settle on the cluster, then grade from those settlements;
the other whole-base steps (portfolio figures, health and churn features, tariff bills), each equal
to DuckDB's answer row by row; and last ``POWERKAM_ANALYTICS_BACKEND=pyspark powerkam nightly`` run
as an installation runs it, against the cluster.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from grading.grading_store import partition_store, write_random_grading_store, write_sample_store
from powerkam.analytics import churn, store
from powerkam.analytics.grading import evaluate, load_tables
from powerkam.analytics.grading_backends import connect
from powerkam.analytics.settlement import build_settlements
from powerkam.analytics.workcal import WorkCalendar
from tests.analytics.engines_store import write_random_store
from tests.analytics.test_settlement_engines import assert_same_settlements
from tests.analytics.test_store_engines import assert_same_history, rows
from tests.analytics.test_typical_engines import assert_same_files
from tests.analytics.typical_store import write_random_loads
from tests.conftest import SAMPLES
from tests.spark.cluster import SparkCluster, run_job

pytestmark = [pytest.mark.spark, pytest.mark.slow]

PERIOD = "2026-10"
APP_NAME = "powerkam-analytics"


@pytest.fixture(scope="module")
def on_cluster(spark_cluster: SparkCluster, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("on-cluster")
    stores = {
        "sample": write_sample_store(root / "sample"),
        "random": write_random_grading_store(root / "random"),
    }
    tasks: list[dict[str, Any]] = []
    for name, store_dir in stores.items():
        build_settlements(store_dir)
        for settlements in (False, True):
            out = root / f"{name}-{'settlements' if settlements else 'reference'}.parquet"
            tasks.append(
                {
                    "kind": "grading",
                    "store": str(store_dir),
                    "period": PERIOD,
                    "settlements": settlements,
                    "out": str(out),
                }
            )
    loads_ids = write_random_loads(root / "loads-duckdb")
    (root / "loads-spark").mkdir()
    (root / "loads-spark" / "loads.parquet").hardlink_to(store.dataset_path(root / "loads-duckdb", "loads"))
    tasks.append({"kind": "typical", "store": str(root / "loads-spark")})
    # The nightly order on a partitioned store: settle on the cluster, then grade from those settlements.
    partition_store(write_random_grading_store(root / "pipeline-duckdb"))
    shutil.copytree(root / "pipeline-duckdb", root / "pipeline-spark")
    tasks.append({"kind": "settle", "store": str(root / "pipeline-spark")})
    tasks.append(
        {
            "kind": "grading",
            "store": str(root / "pipeline-spark"),
            "period": PERIOD,
            "settlements": True,
            "out": str(root / "pipeline-spark.parquet"),
        }
    )
    # The other whole-base steps, each a call on the cluster of the function DuckDB answers too.
    engines_ids = write_random_store(root / "engines")
    partition_store(root / "engines")
    for n, (target, args, kwargs) in enumerate(whole_base_calls(root / "engines", engines_ids)):
        call, out = root / f"call-{n}.pickle", root / f"answer-{n}.pickle"
        call.write_bytes(pickle.dumps((target, args, kwargs)))
        tasks.append({"kind": "call", "call": str(call), "out": str(out)})
    spec = root / "spec.json"
    spec.write_text(json.dumps({"tasks": tasks}), encoding="utf-8")
    report = run_job(spark_cluster, str(spec))
    return {"root": root, "stores": stores, "tasks": tasks, "report": report, "loads_ids": loads_ids}


def whole_base_calls(store_dir: Path, ids: list[str]) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    """The whole-base steps besides grading, settling and typical loads: (function, args, kwargs)."""
    mine = ids[::2]
    as_of = dt.date(2026, 11, 20)
    return [
        ("powerkam.analytics.portfolio:portfolio_share", (store_dir, mine), {"months": 36}),
        ("powerkam.analytics.portfolio:overdue_bills", (store_dir, mine), {"as_of": as_of}),
        ("powerkam.analytics.portfolio:customer_totals", (store_dir, mine), {"months": 12}),
        ("powerkam.analytics.churn:load_history", (store_dir, ids), {}),
        ("powerkam.analytics.churn_signals:arrears", (store_dir, ids), {"as_of": as_of}),
        ("powerkam.analytics.churn_signals:applications", (store_dir, ids), {"as_of": as_of}),
        ("powerkam.analytics.churn_signals:contracts", (store_dir, ids), {"as_of": as_of}),
        ("powerkam.analytics.churn_signals:market", (store_dir, ids), {"as_of": as_of}),
        ("powerkam.analytics.churn_signals:self_generation", (store_dir, ids), {"period": "2026-10"}),
        ("powerkam.analytics.health:consumption_comparison", (store_dir, ids), {"period": "2026-10"}),
        ("powerkam.analytics.tariff:read_bills", (store_dir, ids), {"period": "2026-10"}),
    ]


def _answers(on_cluster: dict[str, Any]) -> dict[str, Any]:
    """The cluster's answer to the (one) settle and typical task."""
    return {t["kind"]: a for t, a in zip(on_cluster["tasks"], on_cluster["report"]["answers"], strict=True)}


def test_the_jobs_ran_on_the_cluster(spark_cluster: SparkCluster, on_cluster: dict[str, Any]) -> None:
    report = on_cluster["report"]
    assert report["master"] == spark_cluster.url
    assert report["app_name"] == APP_NAME
    assert report["executors"] == 2  # one per worker
    status = spark_cluster.status()
    assert [w["state"] for w in status["workers"]] == ["ALIVE", "ALIVE"]
    finished = {app["id"]: app for app in status["completedapps"]}
    assert report["app_id"] in finished, status
    assert finished[report["app_id"]]["name"] == APP_NAME
    # Each worker launched an executor of the application (its work directory holds its logs).
    for n in (1, 2):
        assert (spark_cluster.root / f"work{n}" / report["app_id"]).is_dir(), n


def test_grading_on_the_cluster_equals_duckdb(on_cluster: dict[str, Any]) -> None:
    graded = [t for t in on_cluster["tasks"] if t["kind"] == "grading"][:4]
    for task in graded:
        tables = load_tables(connect("duckdb"), Path(task["store"]), use_settlements=task["settlements"])
        assert (tables.settlements is not None) == task["settlements"]
        on_duckdb = evaluate(tables, PERIOD)
        on_spark = pq.read_table(task["out"])
        assert on_spark.num_rows == on_duckdb.num_rows > 0
        # Exactly: decimals, counts, ranks, reasons (as tests/grading/test_engine_property.py).
        assert on_spark.to_pylist() == on_duckdb.to_pylist(), task
    sample = pq.read_table(graded[0]["out"]).to_pylist()
    assert {row["grade"] for row in sample if row["key_account"]} >= {"A", "B", "C"}
    random_store = pq.read_table(graded[2]["out"]).to_pylist()
    assert sum(row["key_account"] for row in random_store) >= 5
    assert any("credit_overdue" in row["reason_codes"] for row in random_store)


def test_typical_loads_built_on_the_cluster_equal_duckdb(on_cluster: dict[str, Any]) -> None:
    from powerkam.analytics import typical

    root = on_cluster["root"]
    assert _answers(on_cluster)["typical"] == len(on_cluster["loads_ids"]) - 1
    assert (
        typical.build_typical_loads(root / "loads-duckdb", WorkCalendar(), backend="duckdb")
        == len(on_cluster["loads_ids"]) - 1
    )
    assert_same_files(root / "loads-duckdb", root / "loads-spark")
    assert typical.is_current(root / "loads-spark", WorkCalendar())


def test_settled_on_the_cluster_then_graded_as_on_duckdb(on_cluster: dict[str, Any]) -> None:
    root = on_cluster["root"]
    assert build_settlements(root / "pipeline-duckdb", backend="duckdb") == _answers(on_cluster)["settle"]
    # Same settlements file by file, and the grading from them the same (on DuckDB) …
    assert_same_settlements(root / "pipeline-duckdb", root / "pipeline-spark")
    # … as the grading the cluster did from its own settlements.
    on_duckdb = evaluate(load_tables(connect("duckdb"), root / "pipeline-duckdb"), PERIOD)
    assert pq.read_table(root / "pipeline-spark.parquet").to_pylist() == on_duckdb.to_pylist()


def test_the_other_whole_base_steps_on_the_cluster_equal_duckdb(on_cluster: dict[str, Any]) -> None:
    calls = [t for t in on_cluster["tasks"] if t["kind"] == "call"]
    assert len(calls) == len(whole_base_calls(on_cluster["root"] / "engines", []))
    for task in calls:
        target, args, kwargs = pickle.loads(Path(task["call"]).read_bytes())
        module, name = target.split(":")
        on_duckdb = getattr(importlib.import_module(module), name)(*args, backend="duckdb", **kwargs)
        on_spark = pickle.loads(Path(task["out"]).read_bytes())
        if isinstance(on_duckdb, churn.History):
            assert_same_history(on_spark, on_duckdb)
            continue
        assert on_duckdb, target  # something to compare
        assert rows(on_spark) == rows(on_duckdb), target


def test_powerkam_nightly_runs_its_whole_base_steps_on_the_cluster(spark_cluster: SparkCluster, tmp_path: Path) -> None:
    """``POWERKAM_ANALYTICS_BACKEND=pyspark powerkam nightly`` as an installation runs it (its own process,
    a fresh data directory, the sample area's extracts in the incoming folder), against the cluster."""
    data = tmp_path / "data"
    (data / "incoming").mkdir(parents=True)
    for kind in ("customers", "billing", "payments"):
        shutil.copyfile(SAMPLES / f"{kind}.csv", data / "incoming" / f"{kind}-2026-11.csv")
    env = {
        **os.environ,
        "POWERKAM_DEBUG": "1",
        "POWERKAM_DATA_DIR": str(data),
        "POWERKAM_INCOMING_QUIET_SECONDS": "0",
        "POWERKAM_ANALYTICS_BACKEND": "pyspark",
        "POWERKAM_SPARK_MASTER": spark_cluster.url,
        "POWERKAM_SPARK_APP_NAME": "powerkam-nightly",
        "SPARK_CONF_DIR": str(spark_cluster.conf_dir),
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    powerkam = str(Path(sys.executable).with_name("powerkam"))
    before = {app["id"] for app in spark_cluster.status()["completedapps"]}
    subprocess.run([powerkam, "migrate", "--noinput", "-v", "0"], env=env, check=True, timeout=600)
    done = subprocess.run(
        [powerkam, "nightly", "--today", "2026-11-15", "--quiet", "--format", "json"],
        env=env,
        capture_output=True,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-6000:] + done.stdout.decode()[-3000:]
    report = json.loads(done.stdout)
    steps = {s["step"]: s for s in report["steps"]}
    assert {name: s["status"] for name, s in steps.items()} == {
        "pickup": "ok",
        "settle": "ok",
        "grade": "ok",
        "health": "ok",
        "overview": "ok",
        "backup": "skipped",
    }
    assert steps["grade"]["counts"]["period"] == "2026-10"
    # The grading equals DuckDB's on the same store (the sample area's expected key accounts).
    store_dir = data / "store"
    on_duckdb = evaluate(load_tables(connect("duckdb"), store_dir), PERIOD)
    assert steps["grade"]["counts"]["key_accounts"] == sum(on_duckdb.column("key_account").to_pylist()) > 0
    assert steps["health"]["counts"]["accounts"] > 0
    # The steps ran on the cluster: one more finished application, with an executor on each worker.
    deadline = time.monotonic() + 60
    while not (new := [a for a in spark_cluster.status()["completedapps"] if a["id"] not in before]):
        assert time.monotonic() < deadline, "the nightly run's Spark application never finished on the cluster"
        time.sleep(1)
    assert [a["name"] for a in new] == ["powerkam-nightly"]
    for n in (1, 2):
        assert (spark_cluster.root / f"work{n}" / new[0]["id"]).is_dir(), n
