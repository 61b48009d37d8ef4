"""A real Spark standalone cluster for the slow tests: one master and two workers on 127.0.0.1.

(The ``spark_cluster`` fixture in tests/spark/conftest.py starts it with :func:`start`.)

Started from the pyspark distribution's own launcher (``bin/spark-class``, what
``sbin/start-master.sh`` and ``start-worker.sh`` run), each in its own process group, with logs and
work directories under a temporary directory; stopped (the process groups killed) at the end of
the test session. :func:`start` waits until the master's JSON status lists both workers ALIVE.

Small on purpose (a shared 2-core box): 1 core and 1 GB per worker, 256 MB heaps for the daemons;
jobs get 512 MB executors, a 512 MB driver and 2 shuffle partitions through the
``spark-defaults.conf`` in :attr:`SparkCluster.conf_dir` — the way a deployment configures Spark
(``SPARK_CONF_DIR``, docs/deployment.md).

Jobs run in a child process (:func:`run_job`): a JVM hosts one SparkContext, and the test process
may already hold a local one (``spark_con`` in tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

#: The child process that runs one analytics job against the cluster (see cluster_job.py).
JOB = Path(__file__).with_name("cluster_job.py")
REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120


@dataclass(frozen=True)
class SparkCluster:
    url: str  # spark://127.0.0.1:PORT
    web_url: str  # http://127.0.0.1:PORT
    conf_dir: Path
    root: Path

    def status(self) -> dict[str, Any]:
        """The master's JSON status (workers, active and completed applications)."""
        with urllib.request.urlopen(f"{self.web_url}/json/", timeout=10) as response:
            return dict(json.load(response))

    def logs(self) -> str:
        """The tail of every daemon's log, for a failure message."""
        return "\n".join(
            f"== {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(self.root.glob("*.log"))
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spark_home() -> Path:
    pyspark = pytest.importorskip("pyspark")
    return Path(pyspark.__file__).resolve().parent


def _alive_workers(cluster: SparkCluster) -> int:
    try:
        workers = cluster.status().get("workers", [])
    except OSError:
        return 0
    return sum(1 for w in workers if w.get("state") == "ALIVE")


def _status_answers(cluster: SparkCluster) -> bool:
    try:
        cluster.status()
    except OSError:
        return False
    return True


def _wait(cluster: SparkCluster, ready: Any, processes: list[subprocess.Popen[bytes]], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready():
        dead = [p.args for p in processes if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            pytest.fail(f"the Spark cluster did not come up ({what}; exited: {dead})\n{cluster.logs()}")
        time.sleep(0.5)


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def run_job(cluster: SparkCluster, *args: str, timeout: int = 600) -> dict[str, Any]:
    """Run ``cluster_job.py ARGS`` against *cluster* in a child process; what it reports (JSON)."""
    env = {
        **os.environ,
        "POWERKAM_SPARK_MASTER": cluster.url,
        "SPARK_CONF_DIR": str(cluster.conf_dir),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_HOME": str(_spark_home()),
    }
    done = subprocess.run(
        [sys.executable, str(JOB), *args], env=env, cwd=REPO, capture_output=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        pytest.fail(
            f"the cluster job failed ({done.returncode})\n{done.stderr.decode(errors='replace')[-6000:]}\n{cluster.logs()}"
        )
    return dict(json.loads(done.stdout.decode().strip().splitlines()[-1]))


def start(root: Path) -> Iterator[SparkCluster]:
    """Start the cluster under *root*, yield it once both workers are ALIVE, stop it afterwards."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime (java not on PATH, JAVA_HOME unset): Spark cannot start")
    spark_home = _spark_home()
    conf_dir = root / "conf"
    conf_dir.mkdir()
    (conf_dir / "spark-defaults.conf").write_text(
        "\n".join(
            (
                "spark.driver.memory 512m",
                "spark.driver.host 127.0.0.1",
                "spark.driver.bindAddress 127.0.0.1",
                "spark.executor.memory 512m",
                "spark.executor.cores 1",
                "spark.cores.max 2",
                "spark.sql.shuffle.partitions 2",
                "spark.ui.enabled false",
                "spark.ui.showConsoleProgress false",
            )
        )
        + "\n"
    )
    master_port, master_web = _free_port(), _free_port()
    env = {
        **os.environ,
        "SPARK_HOME": str(spark_home),
        "SPARK_CONF_DIR": str(conf_dir),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(root),
        "SPARK_DAEMON_MEMORY": "256m",
        "SPARK_WORKER_DIR": str(root / "work"),
    }
    spark_class = str(spark_home / "bin" / "spark-class")
    commands = {
        "master": [
            spark_class,
            "org.apache.spark.deploy.master.Master",
            *("--host", "127.0.0.1", "--port", str(master_port), "--webui-port", str(master_web)),
        ],
    }
    url = f"spark://127.0.0.1:{master_port}"
    for n in (1, 2):
        commands[f"worker{n}"] = [
            spark_class,
            "org.apache.spark.deploy.worker.Worker",
            url,
            *("--host", "127.0.0.1", "--cores", "1", "--memory", "1g"),
            *("--webui-port", str(_free_port()), "--work-dir", str(root / f"work{n}")),
        ]
    cluster = SparkCluster(url, f"http://127.0.0.1:{master_web}", conf_dir, root)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, command in commands.items():
            log = (root / f"{name}.log").open("wb")
            # A process group of its own: spark-class execs java, which we kill with its group.
            processes.append(
                subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            )
            log.close()
            if name == "master":
                _wait(cluster, lambda: _status_answers(cluster), processes, "the master's status page")
        _wait(cluster, lambda: _alive_workers(cluster) == 2, processes, "two ALIVE workers")
        yield cluster
    finally:
        for process in processes:
            _stop(process)
