"""The ``powerkam`` console script: Django's management commands with PowerKAM's settings.

``powerkam serve`` runs the web server on 127.0.0.1:8000 by default. An unexpected error
never shows a traceback to the user: the message is printed and the traceback goes to
``$POWERKAM_DATA_DIR/logs/cli.log`` (set ``POWERKAM_TRACEBACK=1`` to see it on the terminal).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import traceback
from pathlib import Path


def _log_traceback() -> Path | None:
    try:
        log_dir = Path(os.environ.get("POWERKAM_DATA_DIR", "var")) / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log = log_dir / "cli.log"
        with log.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {dt.datetime.now().astimezone().isoformat()} powerkam {' '.join(sys.argv[1:])}\n")
            fh.write(traceback.format_exc())
        return log
    except OSError:
        return None


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "powerkam.settings")
    args = list(sys.argv if argv is None else argv)
    args[0] = "powerkam"
    try:
        from django.core.exceptions import ImproperlyConfigured
        from django.core.management import execute_from_command_line

        try:
            execute_from_command_line(args)
        except ImproperlyConfigured as exc:
            sys.stderr.write(f"powerkam: configuration error: {exc}\n")
            sys.exit(2)
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:
        if os.environ.get("POWERKAM_TRACEBACK"):
            raise
        log = _log_traceback()
        where = f" Details were written to {log}." if log else ""
        sys.stderr.write(f"powerkam: unexpected error: {type(exc).__name__}: {exc}.{where}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
