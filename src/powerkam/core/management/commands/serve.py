"""``powerkam serve``: the web server on 127.0.0.1:8000, with a background worker beside it.

The worker runs queued tasks (grading runs started from the UI, escalations, digests). In
production run the web server and ``powerkam worker`` as separate services and pass ``--no-worker``.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve PowerKAM on http://127.0.0.1:8000 (or ADDRPORT), with a background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="do not start a background worker")

    def handle(self, *args: Any, **options: Any) -> None:
        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "powerkam.cli", "worker"])
            self.stdout.write(f"Background worker started (pid {worker.pid}).")
        try:
            call_command("runserver", options["addrport"], use_reloader=False, use_threading=True)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
