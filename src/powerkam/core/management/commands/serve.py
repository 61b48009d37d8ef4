"""``powerkam serve [ADDR:PORT]``: the production web server (gunicorn) on 127.0.0.1:8000, with a
background worker beside it.

It collects the static files first when they changed (whitenoise serves them compressed from the
data dir), then runs
gunicorn in this process: ``min(2 × cores + 1, 8)`` worker processes of 4 threads each unless
``--workers``/``--threads`` or ``POWERKAM_WEB_WORKERS``/``POWERKAM_WEB_THREADS`` say otherwise (see
:mod:`powerkam.core.webserver`). The access log goes to ``$POWERKAM_DATA_DIR/logs/access.log``
(``--access-log -`` for stdout), gunicorn's own messages to stderr.

The worker runs queued tasks (grading runs started from the UI, escalations, digests). In
production run the web server and ``powerkam worker`` as separate services and pass ``--no-worker``
(deploy/ has the systemd units). SIGTERM or Ctrl-C stops gunicorn gracefully and then the worker.
``--dev`` runs Django's development server instead (reloads on code changes; not for production).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from powerkam.core.webserver import (
    PowerKamServer,
    SizingError,
    collect_static_if_changed,
    cpu_count,
    default_access_log,
    sizing,
)


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


class Command(BaseCommand):
    help = "Serve PowerKAM on http://127.0.0.1:8000 (or ADDRPORT) with gunicorn, and a background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000", help="address:port to listen on")
        parser.add_argument("--no-worker", action="store_true", help="do not start a background worker")
        parser.add_argument("--workers", type=int, help="web worker processes (default: 2 × cores + 1, at most 8)")
        parser.add_argument("--threads", type=int, help="threads per worker process (default: 4)")
        parser.add_argument("--timeout", type=int, help="seconds before a silent worker is restarted (default: 120)")
        parser.add_argument(
            "--access-log",
            help="access log file, '-' for stdout (default: logs/access.log in the data dir)",
        )
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="do not collect the static files before starting"
        )
        parser.add_argument(
            "--dev", action="store_true", help="Django's development server (reloads on changes; not for production)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        addrport: str = options["addrport"]
        if ":" not in addrport:
            addrport = f"127.0.0.1:{addrport}" if addrport.isdigit() else f"{addrport}:8000"
        try:
            size = sizing(
                cpu_count=cpu_count(),
                env=dict(os.environ),
                workers=options["workers"],
                threads=options["threads"],
                timeout_s=options["timeout"],
            )
        except SizingError as exc:
            raise CommandError(str(exc)) from None
        if not options["dev"] and not options["no_collectstatic"] and collect_static_if_changed():
            self.stdout.write(f"Static files collected into {settings.STATIC_ROOT}.")
        connections.close_all()  # nothing opened here may be shared with the forked web workers

        owner = os.getpid()
        worker = None
        # Under --dev Django's reloader runs this command again in a child (RUN_MAIN): one worker is enough.
        if not options["no_worker"] and os.environ.get("RUN_MAIN") != "true":
            # Its own session: Ctrl-C in the terminal reaches gunicorn only, and the worker gets one SIGTERM
            # from _stop (a second signal would make it abandon the task in hand).
            worker = subprocess.Popen([sys.executable, "-m", "powerkam.cli", "worker"], start_new_session=True)
            self.stdout.write(f"Background worker started (pid {worker.pid}).")
        try:
            if options["dev"]:
                call_command("runserver", addrport, use_threading=True)
            else:
                access_log = options["access_log"] or default_access_log(Path(settings.DATA_DIR))
                self.stdout.write(
                    f"PowerKAM on http://{addrport}/ — {size.workers} processes × {size.threads} threads; "
                    f"access log: {'stdout' if access_log == '-' else access_log}"
                )
                self.stdout.flush()
                PowerKamServer(addrport, size, access_log).run()
        finally:
            # gunicorn's forked web workers leave through here too (SystemExit): only the process that
            # started the background worker stops it.
            if worker is not None and os.getpid() == owner:
                _stop(worker)
