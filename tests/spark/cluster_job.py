"""One analytics job on the Spark cluster the environment points at (``POWERKAM_SPARK_MASTER``).

Run by tests/spark/conftest.py:run_job in a child process (its own JVM and SparkContext), as a
deployment runs PowerKAM against a cluster: the same environment variables, the same code paths.

    python tests/spark/cluster_job.py SPEC.json

SPEC: ``{"tasks": [...]}``, each task one of

- ``{"kind": "grading", "store": DIR, "period": "YYYY-MM", "settlements": bool, "out": FILE}``:
  the grading of the store (:func:`powerkam.analytics.grading.evaluate`), written as Parquet;
- ``{"kind": "settle", "store": DIR}``: ``build_settlements`` of the store on PySpark;
- ``{"kind": "typical", "store": DIR}``: ``build_typical_loads`` of the store on PySpark;
- ``{"kind": "call", "call": FILE, "out": FILE}``: a whole-base function of the analytics run with
  ``backend="pyspark"``: FILE holds ``("module:function", args, kwargs)`` pickled, its answer is
  pickled to ``out`` (the portfolio figures, the health and churn features, the tariff check …).

Prints one JSON line: where it ran (master URL, application id and name, executors registered)
and each task's answer.
"""

from __future__ import annotations

import importlib
import json
import pickle
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from powerkam.analytics import settlement, typical
from powerkam.analytics.grading import evaluate, load_tables
from powerkam.analytics.grading_backends import connect, spark_session
from powerkam.analytics.workcal import WorkCalendar


def run(task: dict[str, Any], con: Any) -> Any:
    store_dir = Path(task.get("store", "."))
    if task["kind"] == "grading":
        result = evaluate(load_tables(con, store_dir, use_settlements=task["settlements"]), task["period"])
        pq.write_table(result, task["out"])
        return result.num_rows
    if task["kind"] == "settle":
        return settlement.build_settlements(store_dir, backend="pyspark")
    if task["kind"] == "typical":
        return typical.build_typical_loads(store_dir, WorkCalendar(), backend="pyspark")
    if task["kind"] == "call":
        target, args, kwargs = pickle.loads(Path(task["call"]).read_bytes())
        module, name = target.split(":")
        answer = getattr(importlib.import_module(module), name)(*args, backend="pyspark", **kwargs)
        Path(task["out"]).write_bytes(pickle.dumps(answer))
        return target
    raise ValueError(f"unknown task {task['kind']!r}")


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    con = connect("pyspark")
    answers = [run(task, con) for task in spec["tasks"]]
    context = spark_session().sparkContext
    # The driver is listed too: executors = entries − 1.
    executors = context._jsc.sc().getExecutorMemoryStatus().size() - 1
    report = {
        "master": context.master,
        "app_id": context.applicationId,
        "app_name": context.appName,
        "executors": executors,
        "answers": answers,
    }
    spark_session().stop()
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
