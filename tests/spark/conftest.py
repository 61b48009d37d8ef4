"""The Spark standalone cluster of the slow Spark tests (tests/spark/cluster.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.spark.cluster import SparkCluster, start


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkCluster]:
    """A master and two workers on 127.0.0.1, up for the whole test session (skipped without Java)."""
    yield from start(tmp_path_factory.mktemp("spark-cluster"))
