"""The production web server behind ``powerkam serve``: gunicorn, run in-process, sized from the machine.

Sizing (docs/deployment.md): ``workers = min(2 × CPU cores + 1, 8)`` processes with ``threads = 4``
threads each (gunicorn's ``gthread`` worker), so a 2-core machine answers 5 × 4 = 20 requests at once.
Processes give the CPU-bound work (templates, the analytics store) every core; threads cover the time a
request waits for the database. The cap of 8 processes keeps the database connections (one per thread,
kept ``POWERKAM_DB_CONN_MAX_AGE`` seconds) well under PostgreSQL's default of 100. Override with
``--workers``/``--threads`` or ``POWERKAM_WEB_WORKERS``/``POWERKAM_WEB_THREADS`` (the option wins).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

MAX_WORKERS = 8
DEFAULT_THREADS = 4
DEFAULT_TIMEOUT_S = 120
ACCESS_LOG_FORMAT = '%(h)s %({x-forwarded-for}i)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


class SizingError(ValueError):
    """A worker or thread count that is not a whole number from 1 up."""


def _positive(name: str, raw: str | int | None) -> int | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        raise SizingError(f"{name} must be a whole number from 1 up, not {raw!r}") from None
    if value < 1:
        raise SizingError(f"{name} must be a whole number from 1 up, not {raw!r}")
    return value


@dataclass(frozen=True)
class Sizing:
    workers: int
    threads: int
    timeout_s: int


def sizing(
    *,
    cpu_count: int | None,
    env: dict[str, str],
    workers: int | None = None,
    threads: int | None = None,
    timeout_s: int | None = None,
) -> Sizing:
    """Workers, threads and timeout: the option if given, else the environment, else the formula."""
    cores = cpu_count or 1
    return Sizing(
        workers=_positive("--workers", workers)
        or _positive("POWERKAM_WEB_WORKERS", env.get("POWERKAM_WEB_WORKERS"))
        or min(2 * cores + 1, MAX_WORKERS),
        threads=_positive("--threads", threads)
        or _positive("POWERKAM_WEB_THREADS", env.get("POWERKAM_WEB_THREADS"))
        or DEFAULT_THREADS,
        timeout_s=_positive("--timeout", timeout_s)
        or _positive("POWERKAM_WEB_TIMEOUT", env.get("POWERKAM_WEB_TIMEOUT"))
        or DEFAULT_TIMEOUT_S,
    )


def _leave_now(_server: Any, _worker: Any) -> None:
    """A web worker that has finished serving closes its database connections and exits at once:
    unwinding the interpreter (the analytics libraries' modules and their atexit hooks) takes several
    seconds under load, and gunicorn's master waits for it before it stops or replaces the worker.
    The exit status is the one the worker was leaving with (gunicorn reads it: 3 means it could not boot)."""
    import logging
    import sys

    from django.db import connections

    code = 0
    leaving = sys.exc_info()[1]
    if isinstance(leaving, SystemExit):
        code = leaving.code if isinstance(leaving.code, int) else (0 if leaving.code is None else 1)
    elif leaving is not None:
        code = 1
    try:
        connections.close_all()
    finally:
        logging.shutdown()
        os._exit(code)


def _ready(worker: Any) -> None:
    """Say in the log when a worker has loaded PowerKAM and warmed up (powerkam.wsgi) and takes requests:
    a worker is listed as "Booting" seconds before that."""
    worker.log.info("Worker ready (pid: %s)", worker.pid)


class PowerKamServer(BaseApplication):
    """gunicorn with PowerKAM's WSGI application and the options below (no config file, no argv)."""

    def __init__(self, bind: str, size: Sizing, access_log: str | None) -> None:
        self.options: dict[str, Any] = {
            "bind": bind,
            "workers": size.workers,
            "threads": size.threads,
            "worker_class": "gthread",
            # gthread workers report alive from their main loop, so a long request (an import of a
            # big extract) does not get its worker killed; the timeout catches a worker that hangs.
            "timeout": size.timeout_s,
            "graceful_timeout": 30,
            "keepalive": 5,
            # Recycle a worker now and then (staggered) so no slow leak can grow without bound.
            "max_requests": 2000,
            "max_requests_jitter": 200,
            "accesslog": access_log,
            "access_log_format": ACCESS_LOG_FORMAT,
            "errorlog": "-",
            "loglevel": "info",
            "proc_name": "powerkam-web",
            "control_socket_disable": True,  # gunicorn 25+'s control socket: one path per user, not needed
            # nginx on the same machine sets X-Forwarded-Proto; gunicorn trusts it from there only.
            "forwarded_allow_ips": "127.0.0.1,::1",
            "worker_exit": _leave_now,
            "post_worker_init": _ready,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        # The project's application by the name Django's settings give it (powerkam.wsgi, above core).
        from django.conf import settings
        from django.utils.module_loading import import_string

        return import_string(settings.WSGI_APPLICATION)


def static_fingerprint() -> str:
    """A digest of every static source file (path, size, modification time) and of the storage that
    collects them: when it matches the one stored at the last ``collectstatic``, there is nothing new
    to collect (compressing them all again takes half a minute)."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256(str(settings.STORAGES["staticfiles"]["BACKEND"]).encode())
    entries = []
    for finder in get_finders():
        for path, storage in finder.list([]):
            stat = os.stat(storage.path(path))
            entries.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    for entry in sorted(entries):
        digest.update(entry.encode())
    return digest.hexdigest()


def collect_static_if_changed() -> bool:
    """Run ``collectstatic`` unless the static files are the ones collected last time; True if it ran."""
    from django.conf import settings
    from django.core.management import call_command

    stamp = Path(settings.STATIC_ROOT) / ".powerkam-collected"
    fingerprint = static_fingerprint()
    if stamp.exists() and stamp.read_text(encoding="utf-8").strip() == fingerprint:
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(fingerprint + "\n", encoding="utf-8")
    return True


def default_access_log(data_dir: Path) -> str:
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return str(logs / "access.log")


def cpu_count() -> int | None:
    """The cores this process may run on (a container's or systemd's CPU affinity), not the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count()
