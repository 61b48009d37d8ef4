"""``python -m benchmarks [NAME ...]`` (``make bench``): run the benchmarks and record their results.

Every module ``benchmarks/<name>_bench.py`` has ``main(argv) -> None``; each one runs its
baseline in the same run, prints its figures and rewrites its own section of docs/benchmarks.md.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    here = Path(__file__).parent
    names = sorted(m.name[: -len("_bench")] for m in pkgutil.iter_modules([str(here)]) if m.name.endswith("_bench"))
    wanted = [a for a in argv if not a.startswith("-")] or names
    unknown = set(wanted) - set(names)
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; available: {', '.join(names)}")
    for name in wanted:
        print(f"== benchmark: {name}", flush=True)
        importlib.import_module(f"benchmarks.{name}_bench").main([a for a in argv if a.startswith("-")])


if __name__ == "__main__":
    main(sys.argv[1:])
