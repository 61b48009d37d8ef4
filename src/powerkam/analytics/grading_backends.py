"""Where the analytics expressions run: an Ibis connection to DuckDB (default) or PySpark.

Every whole-base step (grading, settling, the typical loads, the portfolio figures, the health and
churn features, the tariff bills) runs on the engine ``POWERKAM_ANALYTICS_BACKEND`` names
(:func:`default_backend`, DuckDB when unset) unless its caller chooses one (``powerkam grade
--backend``, the grading form, ``backend=``); :func:`store_connection` gives a step its connection.

DuckDB is embedded and needs nothing; on a shared server its memory and threads can be bounded
(it then spills to disk):

- ``POWERKAM_DUCKDB_MEMORY_LIMIT``: e.g. ``4GB`` (default: DuckDB's own, 80 % of RAM);
- ``POWERKAM_DUCKDB_THREADS``: worker threads (default: one per core);
- ``POWERKAM_DUCKDB_TEMP_DIR``: where it spills (default: DuckDB's own, ``.tmp`` beside the database).

PySpark is the optional ``spark`` extra
(``uv sync --extra spark``); the session is configured from the environment so that the same
command runs in local mode on one machine or against a cluster:

- ``POWERKAM_SPARK_MASTER``: the Spark master URL (default ``local[2]``); e.g. ``spark://host:7077``,
  ``yarn`` or ``k8s://https://…``. In local mode the driver binds to 127.0.0.1 so no network
  interface is needed.
- ``POWERKAM_SPARK_APP_NAME``: the application's name (default ``powerkam-analytics``).
- Everything else (executor memory, cores, shuffle partitions …) comes from Spark's own
  configuration: ``$SPARK_CONF_DIR/spark-defaults.conf`` or ``spark-submit --conf``; an existing
  session (e.g. inside ``spark-submit`` or a notebook) is reused as is.

See ``docs/deployment.md`` ("analytics on Spark") for a cluster set-up.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import ibis
import pyarrow as pa

BACKENDS = ("duckdb", "pyspark")


class BackendError(RuntimeError):
    """The requested analytics backend cannot be used here."""


def spark_session() -> Any:
    """The process's Spark session: the one already running, or a new one configured from the environment."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise BackendError(
            "the pyspark backend needs the optional 'spark' extra (uv sync --extra spark) and Java"
        ) from exc

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    master = os.environ.get("POWERKAM_SPARK_MASTER", "local[2]")
    name = os.environ.get("POWERKAM_SPARK_APP_NAME", "powerkam-analytics")
    builder = SparkSession.builder.appName(name).master(master)
    if master.startswith("local"):
        # Loopback only: a laptop or a CI box may have no routable interface (docs/stack-notes.md).
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = (
            builder.config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", os.environ.get("POWERKAM_SPARK_SHUFFLE_PARTITIONS", "8"))
        )
    builder = builder.config("spark.ui.showConsoleProgress", "false").config("spark.sql.session.timeZone", "UTC")
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel(os.environ.get("POWERKAM_SPARK_LOG_LEVEL", "ERROR"))
    return session


def configured_backend() -> str:
    """``POWERKAM_ANALYTICS_BACKEND`` as set (``duckdb`` when unset), not checked: for a caller
    that refuses an unknown engine in its own words."""
    return os.environ.get("POWERKAM_ANALYTICS_BACKEND", "").strip().lower() or "duckdb"


def default_backend() -> str:
    """The engine of the whole-base steps: ``POWERKAM_ANALYTICS_BACKEND`` (``duckdb`` when unset)."""
    backend = configured_backend()
    if backend not in BACKENDS:
        raise BackendError(
            f"POWERKAM_ANALYTICS_BACKEND={backend!r} is not an analytics backend (choose one of: {', '.join(BACKENDS)})"
        )
    return backend


def connect(backend: str = "duckdb", **duckdb_config: Any) -> Any:
    """An Ibis connection to *backend* (``duckdb`` or ``pyspark``).

    DuckDB: a fresh in-memory database, bounded from the environment (module docstring);
    *duckdb_config* adds or overrides DuckDB settings (e.g. ``temp_directory``). The PySpark
    connection wraps the process's one session (:func:`spark_session`): do not disconnect it.
    """
    if backend == "duckdb":
        config = {
            key: os.environ[variable]
            for key, variable in (
                ("memory_limit", "POWERKAM_DUCKDB_MEMORY_LIMIT"),
                ("threads", "POWERKAM_DUCKDB_THREADS"),
                ("temp_directory", "POWERKAM_DUCKDB_TEMP_DIR"),
            )
            if os.environ.get(variable)
        }
        return ibis.duckdb.connect(**{**config, **duckdb_config})
    if backend == "pyspark":
        return ibis.pyspark.connect(spark_session())
    raise BackendError(f"unknown analytics backend '{backend}' (choose one of: {', '.join(BACKENDS)})")


def temp_table(con: Any, name: str, data: pa.Table) -> Any:
    """*data* as a temporary table *name* of *con* (replacing one of that name), as an Ibis table.

    For small tables an expression joins to (a list of ids, a calendar). Unlike ``ibis.memtable``
    it is also visible to ``Table.cache()``, which on PySpark does not register memtables; drop it
    with :func:`drop_temp_table`.
    """
    if con.name == "pyspark":
        con._session.createDataFrame(data).createOrReplaceTempView(name)
        return con.table(name)
    return con.create_table(name, data, temp=True, overwrite=True)


def drop_temp_table(con: Any, name: str) -> None:
    """Drop a table made by :func:`temp_table` (nothing when there is none)."""
    if con.name == "pyspark":
        con._session.catalog.dropTempView(name)
    else:
        con.drop_table(name, force=True)


@contextmanager
def store_connection(con: Any | None = None, backend: str | None = None) -> Iterator[Any]:
    """An Ibis connection for one query of the store on *backend* (default: :func:`default_backend`).

    DuckDB: *con*, the caller's DuckDB connection (a web process shares one: opening a database
    costs more than its queries), through a cursor of its own (Ibis sets its session options on
    it, not on the caller's); else a fresh in-memory database, closed afterwards. PySpark: the
    process's session (*con* is not used).
    """
    backend = backend or default_backend()
    if backend != "duckdb":
        yield connect(backend)
        return
    if con is not None:
        cursor = con.cursor()
        cursor.execute("SET enable_progress_bar = false")
        try:
            yield ibis.duckdb.from_connection(cursor)
        finally:
            cursor.close()
        return
    own = connect("duckdb")
    own.raw_sql("SET enable_progress_bar = false")
    try:
        yield own
    finally:
        own.disconnect()


def ids_table(con: Any, name: str, customer_ids: Iterable[str]) -> Any:
    """The distinct *customer_ids* as a temporary table *name* (one ``customer_id`` column) of the Ibis
    connection *con* (:func:`temp_table`: drop it with :func:`drop_temp_table`). A table, not a view
    of the Arrow data: DuckDB then knows its size when it plans the joins (with a registered Arrow
    table it built the hash table on the bills' side, 2× slower)."""
    ids = sorted(set(customer_ids))
    return temp_table(con, name, pa.table({"customer_id": pa.array(ids, pa.string())}))
