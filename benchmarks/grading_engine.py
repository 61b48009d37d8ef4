"""The grading engine alone, as a process: the baseline of the whole ``powerkam grade`` command (issue 21).

``python benchmarks/grading_engine.py STORE_DIR PERIOD``: start the interpreter, import the engine
(:mod:`powerkam.analytics.grading`: Ibis, DuckDB, PyArrow), connect DuckDB as the command does
(bounded from the same environment), read the store's tables and evaluate the period with the
standard rules into an Arrow table of every customer — and exit. No Django, no CRM, no recording.
:mod:`benchmarks.grading_command` times this whole process (``benchmarks.measure``: wall time from
start to exit, peak RSS), the same way as it times ``powerkam grade``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from powerkam.analytics.grading import evaluate, load_tables
from powerkam.analytics.grading_backends import connect


def main(argv: list[str]) -> None:
    store, period = Path(argv[0]), argv[1]
    result = evaluate(load_tables(connect("duckdb"), store), period)
    print(result.num_rows)


if __name__ == "__main__":
    main(sys.argv[1:])
