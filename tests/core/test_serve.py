"""``powerkam serve`` is gunicorn sized from the machine, and deploy/'s systemd units work as written.

The unit tests start each unit's ExecStart= command line exactly as the unit file has it, with only the
install paths and the port replaced (a temp data dir, a free port), as real processes, not via systemd.
"""

from __future__ import annotations

import configparser
import http.client
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from powerkam.core.webserver import Sizing, SizingError, sizing

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
INSTALL_APP = "/srv/powerkam/app"
INSTALL_BIN = f"{INSTALL_APP}/.venv/bin/powerkam"
VENV_BIN = Path(sys.executable).parent / "powerkam"


# --- sizing ---------------------------------------------------------------------------------------


def test_sizing_formula_from_the_cores() -> None:
    assert sizing(cpu_count=1, env={}) == Sizing(workers=3, threads=4, timeout_s=120)
    assert sizing(cpu_count=2, env={}) == Sizing(workers=5, threads=4, timeout_s=120)
    assert sizing(cpu_count=3, env={}).workers == 7
    assert sizing(cpu_count=64, env={}).workers == 8  # capped: database connections
    assert sizing(cpu_count=None, env={}).workers == 3


def test_sizing_environment_then_option_win() -> None:
    env = {"POWERKAM_WEB_WORKERS": "2", "POWERKAM_WEB_THREADS": "8", "POWERKAM_WEB_TIMEOUT": "300"}
    assert sizing(cpu_count=16, env=env) == Sizing(workers=2, threads=8, timeout_s=300)
    assert sizing(cpu_count=16, env=env, workers=12, threads=1, timeout_s=30) == Sizing(12, 1, 30)
    assert sizing(cpu_count=2, env={"POWERKAM_WEB_WORKERS": " "}).workers == 5  # empty: the formula


@pytest.mark.parametrize(
    ("env", "options", "named"),
    [
        ({"POWERKAM_WEB_WORKERS": "four"}, {}, "POWERKAM_WEB_WORKERS"),
        ({"POWERKAM_WEB_THREADS": "0"}, {}, "POWERKAM_WEB_THREADS"),
        ({}, {"workers": 0}, "--workers"),
        ({}, {"timeout_s": -5}, "--timeout"),
    ],
)
def test_sizing_refuses_what_is_not_a_positive_number(env: dict[str, str], options: dict[str, int], named: str) -> None:
    with pytest.raises(SizingError, match=re.escape(named)):
        sizing(cpu_count=2, env=env, **options)  # type: ignore[arg-type]


def test_serve_reports_a_bad_size_as_a_command_error() -> None:
    with pytest.raises(CommandError, match="--threads must be a whole number from 1 up"):
        call_command("serve", "--threads", "0", "--no-worker", "--no-collectstatic")


# --- the deploy files -------------------------------------------------------------------------------


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DEPLOY / "systemd" / name, encoding="utf-8")
    return parser


def exec_start(name: str, port: int | None = None) -> list[str]:
    """The unit's command line as written, with the install paths (and the port) replaced."""
    line = unit(name)["Service"]["ExecStart"]
    if port is not None:
        assert "127.0.0.1:8000" in line
        line = line.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    argv = shlex.split(line)
    assert argv[0] == INSTALL_BIN
    return [str(VENV_BIN), *argv[1:]]


def test_units_share_one_install_and_environment() -> None:
    for name in ("powerkam-web.service", "powerkam-worker.service", "powerkam-backup.service"):
        service = unit(name)["Service"]
        assert service["User"] == "powerkam"
        assert service["WorkingDirectory"] == INSTALL_APP
        assert service["EnvironmentFile"] == "/etc/powerkam/powerkam.env"
        assert "/srv/powerkam/data" in service["ReadWritePaths"].split()
    assert exec_start("powerkam-web.service")[1:] == ["serve", "127.0.0.1:8000", "--no-worker"]
    assert exec_start("powerkam-worker.service")[1:] == ["worker"]
    assert exec_start("powerkam-backup.service")[1:] == ["backup", "--nightly", "/srv/powerkam/backups"]
    timer = unit("powerkam-backup.timer")["Timer"]
    assert timer["Unit"] == "powerkam-backup.service"
    assert timer["OnCalendar"] == "*-*-* 02:30:00"
    assert timer["Persistent"] == "true"


def test_environment_template_names_every_setting_the_units_need() -> None:
    lines = (DEPLOY / "powerkam.env.example").read_text(encoding="utf-8").splitlines()
    keys = {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}
    assert {
        "POWERKAM_SECRET_KEY",
        "DATABASE_URL",
        "POWERKAM_DATA_DIR",
        "POWERKAM_ALLOWED_HOSTS",
        "POWERKAM_HTTPS",
        "POWERKAM_SMTP_HOST",
    } <= keys
    data_dir = next(line.split("=", 1)[1] for line in lines if line.startswith("POWERKAM_DATA_DIR="))
    assert data_dir == "/srv/powerkam/data"


def test_nginx_proxies_to_the_web_unit_over_https() -> None:
    site = (DEPLOY / "nginx" / "powerkam.conf").read_text(encoding="utf-8")
    assert "server 127.0.0.1:8000;" in site
    assert re.search(r"listen 443 ssl", site)
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    # visit attachments go up to 20 MiB each (several per record): nginx must not refuse them first
    limit = re.search(r"client_max_body_size (\d+)m;", site)
    assert limit is not None
    assert int(limit.group(1)) >= 20


# --- the commands as the units run them ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str) -> tuple[int, bytes]:
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        con.request("GET", path, headers={"Host": "127.0.0.1"})
        response = con.getresponse()
        return response.status, response.read()
    finally:
        con.close()


def wait_for(port: int, process: subprocess.Popen[bytes], seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server stopped with status {process.returncode}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"nothing listened on port {port} within {seconds} s")


def stop(process: subprocess.Popen[bytes], seconds: float = 90) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=seconds)


@pytest.fixture(scope="module")
def production_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What /etc/powerkam/powerkam.env gives the units: production mode (DEBUG off) on a migrated
    SQLite database in a data dir of its own."""
    data_dir = tmp_path_factory.mktemp("powerkam-units")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_", "POWERKAM_"))}
    env |= {
        "POWERKAM_DATA_DIR": str(data_dir),
        "POWERKAM_SECRET_KEY": "units-test-secret-key-" + "x" * 40,
        "POWERKAM_DEBUG": "0",
        "POWERKAM_ALLOWED_HOSTS": "127.0.0.1",
        "POWERKAM_WEB_WORKERS": "2",
        "POWERKAM_WEB_THREADS": "2",
    }
    subprocess.run([str(VENV_BIN), "migrate", "--verbosity", "0"], env=env, check=True, cwd=REPO, timeout=300)
    return env


@pytest.mark.slow
def test_web_and_worker_units_run_as_written(production_env: dict[str, str]) -> None:
    port = free_port()
    data_dir = Path(production_env["POWERKAM_DATA_DIR"])
    web = subprocess.Popen(exec_start("powerkam-web.service", port), env=production_env, cwd=REPO)
    worker = subprocess.Popen(exec_start("powerkam-worker.service"), env=production_env, cwd=REPO)
    try:
        wait_for(port, web)
        status, body = get(port, "/login/")
        assert status == 200
        assert b'name="password"' in body
        # static files from the data dir, collected and compressed at start (DEBUG off: no finders' autorefresh)
        status, css = get(port, "/static/web/powerkam.css")
        assert status == 200
        assert len(css) > 100
        assert (data_dir / "static" / "web" / "powerkam.css.gz").exists()
        # gunicorn writes the access line after it has sent the response: give it a moment on a busy machine
        access_log = data_dir / "logs" / "access.log"
        deadline = time.monotonic() + 15
        while "GET /login/ HTTP/1.1" not in access_log.read_text(encoding="utf-8") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "GET /login/ HTTP/1.1" in access_log.read_text(encoding="utf-8")
        # --no-worker: the web unit started no worker of its own
        children = Path(f"/proc/{web.pid}/task/{web.pid}/children").read_text().split()
        assert children, "gunicorn started no web workers"
        assert not any(b"worker" in Path(f"/proc/{c}/cmdline").read_bytes().split(b"\0")[2:] for c in children)
        time.sleep(3)
        assert worker.poll() is None, "the worker unit's command stopped"
    finally:
        web_status = stop(web)
        worker_status = stop(worker)
    assert web_status == 0
    assert worker_status == 0


@pytest.mark.slow
def test_serve_stops_its_own_worker_on_sigterm(production_env: dict[str, str]) -> None:
    port = free_port()
    serve = subprocess.Popen(
        [str(VENV_BIN), "serve", f"127.0.0.1:{port}", "--access-log", "-"],
        env=production_env,
        cwd=REPO,
        stdout=subprocess.PIPE,
    )
    assert serve.stdout is not None
    try:
        started = serve.stdout.readline().decode()
        match = re.search(r"Background worker started \(pid (\d+)\)", started)
        assert match, started
        worker_pid = int(match.group(1))
        wait_for(port, serve)
        assert get(port, "/login/")[0] == 200
        assert Path(f"/proc/{worker_pid}").exists()
    finally:
        status = stop(serve)
    assert status == 0
    # the worker was reaped by serve (a zombie or a live process would still have its /proc entry)
    assert not Path(f"/proc/{worker_pid}").exists()


@pytest.mark.slow
def test_the_backup_unit_runs_as_written_night_after_night(production_env: dict[str, str], tmp_path: Path) -> None:
    """The timer starts the same command every night into the same folder: each run adds a backup named
    by its time and keeps only the newest POWERKAM_BACKUP_KEEP."""
    backups = tmp_path / "backups"
    argv = [a.replace("/srv/powerkam/backups", str(backups)) for a in exec_start("powerkam-backup.service")]
    env = {**production_env, "POWERKAM_BACKUP_KEEP": "2"}
    for _night in range(3):
        subprocess.run(argv, env=env, cwd=REPO, check=True, timeout=300, capture_output=True)
        time.sleep(1.1)  # the names carry the time to the second
    kept = sorted(p.name for p in backups.iterdir())
    assert len(kept) == 2
    assert all((backups / name / "manifest.json").is_file() for name in kept)
