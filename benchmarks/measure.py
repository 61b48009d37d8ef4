"""``python -m benchmarks.measure CMD ARGS…``: run a command as a user runs it; print its wall time and peak RSS.

The peak is the command's own (``ru_maxrss`` of that child from ``wait4``). On Linux a child's
``ru_maxrss`` starts from its parent's at ``fork``, so the command is started from this small
process, never from a benchmark that has just generated gigabytes of data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main(argv: list[str]) -> None:
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mib": usage.ru_maxrss / 1024,
                "returncode": proc.returncode,
                "stderr": stderr.decode(errors="replace")[-2000:],
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
