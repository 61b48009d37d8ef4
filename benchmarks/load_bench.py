"""Load: 50 concurrent users for 90 s against ``powerkam serve`` (gunicorn) as a user runs it, on
PostgreSQL, with the bare view under the same load in the same run as the baseline.

Set-up: the web benchmark's data (``benchmarks.web_bench``: accounts, 100 managers in "1+1", 36 months
of billing and payments in the store, 28 days of loads) in a database of its own
(``powerkam_bench_load`` on 127.0.0.1:5432, or SQLite in the data dir with ``--load-db=sqlite``).
The server is ``powerkam serve 127.0.0.1:PORT`` with the benchmark's settings (the bare view's URL),
DEBUG off, its default size for the machine. Every virtual user is a manager (one in ten the
supervisor); all log in at the same moment through the login form (the password hash is checked each
time, as in service; measured on its own), then, once all are in, each starts after one think time
and loops until the time is up with a think time between requests: My work and the six fragments it
loads (one after another), the account list, a filtered list, a 360 page of one of their accounts and
four of its fragments, the overview (the supervisor also its arrears tile), the bare view (also first in
each round, so the baseline meets the same moments as the pages); each full
page also loads the top bar's unread count, as in a browser. Every fifth round a write (a contact
saved on the 360 page, or a visit recorded through the visit form), every tenth round logging out and
in again (a session written).

Options: ``--load-users=N`` (50), ``--load-duration=S`` (90), ``--load-think=S`` (mean think time, 2.0),
``--load-accounts=N`` (20,000), ``--load-db=postgres|sqlite``, ``--load-unprepared`` (no morning
preparation of "My work" in the set-up: every user's first visit computes it), ``--load-runserver`` (the same run against
Django's development server too, for comparison), ``--load-no-report`` (print only, docs untouched).
The PostgreSQL run writes the section "Load" of docs/benchmarks.md, the SQLite run "Load, SQLite".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.report import machine, today, write_section

DB_NAME = "powerkam_bench_load"
PG = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "load-bench-pass-2026"
TARGET_RATIO = 4.0
BARE = "bare view"
SUPERVISOR = "boss"
LOGIN = "login (form post, password check)"
REPO = Path(__file__).resolve().parents[1]
#: What a browser loads after "My work" (HTMX, after the page): the tasks, each app's panel, and inside
#: the accounts-at-risk panel the list itself. One after another here, as over one connection.
MY_WORK_FRAGMENTS = (
    ("My work: tasks", "/work/summary/"),
    ("My work: visits panel", "/work/panels/visits/"),
    ("My work: tickets panel", "/work/panels/tickets/"),
    ("My work: projects panel", "/work/panels/prospects/"),
    ("My work: at-risk panel", "/work/panels/at-risk/"),
    ("My work: accounts at risk", "/insights/health/mine/"),
)
#: The page and all its fragments one after another: what the user waits for (not a request: no target).
MY_WORK_WHOLE = "My work with its fragments (sum, not a request)"


@dataclass
class Options:
    users: int = 50
    duration_s: float = 90.0
    think_s: float = 2.0
    accounts: int = 20_000
    db: str = "postgres"
    runserver: bool = False
    report: bool = True
    #: run the morning's preparation of "My work" in the set-up (``--load-unprepared``: the users' first
    #: visits compute it, as on a server without a worker)
    prepare: bool = True


def parse(argv: list[str]) -> Options:
    """``--load-NAME=VALUE`` options (``python -m benchmarks`` passes on every ``-`` argument)."""
    opts = Options()
    for arg in argv:
        name, _, value = arg.partition("=")
        if name == "--load-runserver":
            opts.runserver = True
        elif name == "--load-no-report":
            opts.report = False
        elif name == "--load-unprepared":
            opts.prepare = False
        elif name == "--load-users":
            opts.users = int(value)
        elif name == "--load-duration":
            opts.duration_s = float(value)
        elif name == "--load-think":
            opts.think_s = float(value)
        elif name == "--load-accounts":
            opts.accounts = int(value)
        elif name == "--load-db":
            if value not in {"postgres", "sqlite"}:
                sys.exit("--load-db= must be postgres or sqlite")
            opts.db = value
        elif name.startswith("--load-"):
            sys.exit(f"unknown option {name}")
    return opts


# --- data --------------------------------------------------------------------------------------------


def _recreate_database() -> None:
    from benchmarks import web_bench

    web_bench._recreate_database(DB_NAME)  # set up as docs/deployment.md sets up a site's


def _build(opts: Options, tmp: Path) -> tuple[list[str], str]:
    """The web benchmark's data; returns the managers' user names and the supervisor's."""
    from benchmarks import web_bench

    if opts.db == "postgres":
        _recreate_database()
    web_bench._make_store(tmp / "store", opts.accounts)
    import django

    django.setup()
    web_bench._make_crm(opts.accounts)
    from powerkam.accounts.services import account_bills_refresh

    account_bills_refresh()  # the 360 page's copy of the accounts' bills, as the worker builds it after an import
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.db import connections

    User.objects.update(password=make_password(PASSWORD))  # one hash for all: logins check it as usual
    # The morning's health check, as the worker takes it every day at 06:15 ("My work" and the health
    # list read it; an account's own health panel stays live).
    from powerkam.insights.health import health_snapshot_take

    health_snapshot_take()
    if opts.db == "postgres":
        # Planner statistics for the rows just loaded, as autovacuum gathers them soon after any bulk load
        # on a running server (without them PostgreSQL plans for the empty tables it analysed last).
        with connections["default"].cursor() as cursor:
            cursor.execute("ANALYZE")
    managers = list(
        User.objects.filter(username__startswith="m").order_by("username").values_list("username", flat=True)
    )
    connections.close_all()
    return managers, SUPERVISOR


# --- the virtual users -------------------------------------------------------------------------------


class Failure(Exception):
    pass


@dataclass
class Results:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float) -> None:
        with self.lock:
            self.timings[kind].append(ms)

    def fail(self, kind: str, what: str) -> None:
        with self.lock:
            self.errors[kind].append(what)


class Browser:
    """One user's cookies over fresh connections (a connection per request, as the web benchmark)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {"django_language": "zh-hans"}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, htmx: bool = False
    ) -> tuple[int, str, str]:
        headers = {
            "Host": "127.0.0.1",
            "Connection": "close",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if htmx:
            headers["HX-Request"] = "true"
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        con = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            con.request(method, path, body=body, headers=headers)
            response = con.getresponse()
            text = response.read().decode("utf-8", "replace")
            for cookie in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = cookie.partition("=")
                value = rest.split(";", 1)[0]
                if value and "expires=Thu, 01 Jan 1970" not in cookie:
                    self.cookies[name.strip()] = value
                else:
                    self.cookies.pop(name.strip(), None)
            return response.status, response.headers.get("Location", ""), text
        finally:
            con.close()


def _timed(
    results: Results,
    kind: str,
    browser: Browser,
    method: str,
    path: str,
    form: dict[str, str] | None = None,
    *,
    htmx: bool = False,
    expect: tuple[int, ...] = (200,),
) -> str:
    start = time.perf_counter()
    try:
        status, location, text = browser.request(method, path, form, htmx=htmx)
    except OSError as exc:
        results.fail(kind, f"{type(exc).__name__}: {exc}")
        raise Failure(kind) from exc
    elapsed = (time.perf_counter() - start) * 1000
    if status not in expect:
        results.fail(kind, f"HTTP {status} {path} -> {location} {text[:300]!r}")
        raise Failure(kind)
    results.add(kind, elapsed)
    return text


def _login(browser: Browser, results: Results, username: str, storm: str = "") -> None:
    suffix = f", {storm}" if storm else ""
    text = _timed(results, f"login page{suffix}", browser, "GET", "/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
    if not token:
        results.fail(LOGIN, "no CSRF token on the login page")
        raise Failure(LOGIN)
    form = {"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD}
    _timed(results, f"{LOGIN}{suffix}", browser, "POST", "/login/", form, expect=(302,))


def _user(
    n: int,
    username: str,
    accounts: list[str],
    port: int,
    opts: Options,
    results: Results,
    barriers: tuple[threading.Barrier, threading.Barrier],
) -> None:
    rng = random.Random(n)
    browser = Browser(port)
    today_iso = dt.date.today().isoformat()
    # Everyone logs in at the same moment (the morning rush); the browsing is measured once all are in.
    barriers[0].wait()
    try:
        _login(browser, results, username, storm=f"{opts.users} at once")
    except Failure:
        return
    finally:
        barriers[1].wait()
    # Once all are in, each starts after a think time like any other (spread over one to three seconds),
    # not all 50 on the same instant: the simultaneous arrival is the login rows' measure, and 50
    # identical requests at one instant would measure that storm again under the "My work" row.
    time.sleep(rng.uniform(0.5, 1.5) * opts.think_s)
    deadline = time.monotonic() + opts.duration_s
    round_no = 0
    while time.monotonic() < deadline:
        round_no += 1
        one = rng.choice(accounts)
        steps: list[tuple[str, str, bool]] = [
            # The baseline at both ends of the round, so it meets the same moments as the pages: the rush
            # of everyone's first round (cold caches) as well as the calm of the rounds after it.
            (BARE, "/bench/bare/", False),
            ("My work", "/", False),
            ("account list", "/accounts/", False),
            ("account list, filtered", f"/accounts/?grade={rng.choice('ABC')}&voltage=10", True),
            ("360 page", f"/accounts/{one}/", False),
            ("360 consumption (store)", f"/accounts/{one}/consumption/", True),
            ("360 payments (store)", f"/accounts/{one}/payments/", True),
            ("360 panel: follow-ups", f"/accounts/{one}/panels/followups/", True),
            ("360 history of changes", f"/accounts/{one}/history/", True),
            ("overview", "/insights/", False),
            (BARE, "/bench/bare/", False),
        ]
        if username == SUPERVISOR:  # the marketing head's tile over all key accounts' bills (cached per day)
            steps.insert(-1, ("overview tile: arrears (supervisor)", "/insights/overview/arrears/", True))
        for kind, path, htmx in steps:
            if time.monotonic() >= deadline:
                return
            with contextlib.suppress(Failure):
                started = time.perf_counter()
                _timed(results, kind, browser, "GET", path, htmx=htmx)
                if not htmx and path != "/bench/bare/":  # every page's top bar loads the unread count
                    _timed(results, "inbox count (every page's top bar)", browser, "GET", "/inbox/count/", htmx=True)
                if path == "/":  # the browser then loads the page's fragments
                    for fragment_kind, fragment in MY_WORK_FRAGMENTS:
                        _timed(results, fragment_kind, browser, "GET", fragment, htmx=True)
                    results.add(MY_WORK_WHOLE, (time.perf_counter() - started) * 1000)
            time.sleep(rng.uniform(0.5, 1.5) * opts.think_s)
        try:
            if round_no % 5 == 0:
                if rng.random() < 0.5:
                    form = {
                        "name": f"联系人{n}-{round_no}",
                        "title": "电气主管",
                        "role": "electrician",
                        "influence": "medium",
                        "phone": f"138{n:04d}{round_no:04d}",
                        "email": "",
                        "notes": "load benchmark",
                    }
                    _timed(
                        results,
                        "write: save a contact",
                        browser,
                        "POST",
                        f"/accounts/{one}/contacts/",
                        form,
                        htmx=True,
                    )
                else:
                    form = {
                        "customer_id": one,
                        "visited_on": today_iso,
                        "topics": "负荷与电费",
                        "satisfaction": "4",
                        "summary": "load benchmark",
                        "needs-TOTAL_FORMS": "0",
                        "needs-INITIAL_FORMS": "0",
                        "needs-MIN_NUM_FORMS": "0",
                        "needs-MAX_NUM_FORMS": "20",
                    }
                    _timed(
                        results,
                        "write: record a visit",
                        browser,
                        "POST",
                        "/visits/new/",
                        form,
                        expect=(302,),
                    )
                time.sleep(rng.uniform(0.5, 1.5) * opts.think_s)
            if round_no % 10 == 0:
                token = browser.cookies.get("csrftoken", "")
                _timed(
                    results,
                    "logout",
                    browser,
                    "POST",
                    "/logout/",
                    {"csrfmiddlewaretoken": token},
                    expect=(302,),
                )
                _login(browser, results, username)
        except Failure:
            if "sessionid" not in browser.cookies:
                return


# --- the run -------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(command: list[str], env: dict[str, str], log: Path, port: int, workers: int = 0) -> subprocess.Popen[bytes]:
    """Start the server and wait until it listens and, with ``workers``, until that many gunicorn
    workers say they are ready (warmed up: powerkam.wsgi), as on a server started before the day."""
    server = subprocess.Popen(command, env=env, cwd=REPO, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            if log.read_text(errors="replace").count("Worker ready") >= workers:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    server.kill()
    raise RuntimeError(f"the server did not listen within 300 s:\n{log.read_text()[-3000:]}")


def _run(
    label: str,
    command: list[str],
    env: dict[str, str],
    port: int,
    tmp: Path,
    users: list[str],
    accounts_of: dict[str, list[str]],
    opts: Options,
) -> Results:
    log = tmp / f"{label}.log"
    shutil.rmtree(tmp / "cache", ignore_errors=True)  # each server starts from an empty cache …
    if opts.prepare:  # … but for the morning's preparation of "My work" (the worker's 06:45 job)
        from django.utils import timezone

        from powerkam.web.prepare import prepare_everyone

        print(f"My work prepared: {prepare_everyone(timezone.localdate())}", flush=True)
        from django.db import connections

        connections.close_all()
    from powerkam.core.webserver import cpu_count, sizing

    workers = sizing(cpu_count=cpu_count(), env=env).workers if label == "serve" else 0
    server = _start(command, env, log, port, workers)
    results = Results()
    try:
        # one request each to warm the worker processes' imports before the users arrive
        # Before the users arrive: each web process imports its modules, and the overview's store tiles
        # compute the day's figures once (they are cached per day; that first computing is in the web
        # benchmark's "first request" column).
        warm = Browser(port)
        for _ in range(10):
            warm.request("GET", "/login/")
        for who in (SUPERVISOR, users[0]):
            browser, scratch = Browser(port), Results()
            try:
                _login(browser, scratch, who)
                _timed(scratch, "warm-up", browser, "GET", "/")
                if who == SUPERVISOR:
                    _timed(scratch, "warm-up", browser, "GET", "/insights/overview/arrears/", htmx=True)
            except Failure:
                raise RuntimeError(f"warm-up failed: {dict(scratch.errors)}") from None
        # The client measures the server, not its own collector: everything the set-up left in this
        # process (Django, the generated data) is frozen out of the garbage collector's reach, so a full
        # collection while 50 threads wait on their responses walks only what the run allocates.
        gc.collect()
        gc.freeze()
        barriers = (threading.Barrier(len(users)), threading.Barrier(len(users)))
        threads = [
            threading.Thread(target=_user, args=(i, u, accounts_of[u], port, opts, results, barriers), daemon=True)
            for i, u in enumerate(users)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=opts.duration_s + 300)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=90)
        except subprocess.TimeoutExpired:
            server.kill()
    text = log.read_text(errors="replace")
    locked = text.count("database is locked")
    if locked:
        results.fail("server log", f"{locked} 'database is locked' in the server's log")
    tracebacks = text.count("Traceback (most recent call last)")
    if tracebacks:
        first = text[text.index("Traceback (most recent call last)") :][:4000]
        lines = first.splitlines()
        error = next((line for line in lines[1:] if line and not line.startswith(" ")), lines[0])
        results.fail("server log", f"{tracebacks} tracebacks in the server's log, e.g. {error}")
        print(first, file=sys.stderr)
    return results


def _pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _table(results: Results, duration_s: float) -> tuple[list[str], float, int, int]:
    bare95 = _pct(results.timings[BARE], 95)
    rows = [
        "| request | n | p50 ms | p95 ms | p99 ms | p95 ÷ bare | ≤ 4× | errors |",
        "|---|---:|---:|---:|---:|---:|:---:|---:|",
    ]
    total = errors = 0
    kinds = sorted(set(results.timings) | set(results.errors), key=lambda k: (k != BARE, k))
    for kind in kinds:
        values = results.timings.get(kind, [])
        failed = len(results.errors.get(kind, []))
        total += len(values)
        errors += failed
        if not values:
            rows.append(f"| {kind} | 0 | | | | | | {failed} |")
            continue
        p95 = _pct(values, 95)
        ratio = p95 / bare95
        met = "—" if kind in (BARE, MY_WORK_WHOLE) else ("yes" if ratio <= TARGET_RATIO else "no")
        rows.append(
            f"| {kind} | {len(values):,} | {statistics.median(values):.0f} | {p95:.0f} | {_pct(values, 99):.0f} "
            f"| {ratio:.1f}× | {met} | {failed} |"
        )
    rows.append(f"| **all** | {total:,} ({total / duration_s:.1f}/s) | | | | | | {errors} |")
    return rows, bare95, total, errors


def main(argv: list[str]) -> None:
    opts = parse(argv)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="powerkam-loadbench-") as tmp_name:
        tmp = Path(tmp_name)
        env = {
            "POWERKAM_DATA_DIR": tmp_name,
            "POWERKAM_SECRET_KEY": "benchmark-only-secret-key-" + "x" * 30,
            "POWERKAM_DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "benchmarks.web_settings",
            "PYTHONPATH": str(REPO),
        }
        if opts.db == "postgres":
            env["DATABASE_URL"] = f"{PG}/{DB_NAME}"
        else:
            os.environ.pop("DATABASE_URL", None)
        os.environ.update(env)
        t0 = time.perf_counter()
        managers, supervisor = _build(opts, tmp)
        setup_s = time.perf_counter() - t0
        print(f"data ready in {setup_s:.0f} s", flush=True)
        users = [supervisor if i % 10 == 9 else managers[i % len(managers)] for i in range(opts.users)]
        # each manager's own accounts (primary: every 100th from their number), the supervisor's: any
        accounts_of: dict[str, list[str]] = {
            m: [f"B{c:07d}" for c in range(i, opts.accounts, len(managers))][:50] for i, m in enumerate(managers)
        }
        accounts_of[supervisor] = [f"B{c:07d}" for c in range(0, opts.accounts, max(1, opts.accounts // 50))]
        powerkam = str(Path(sys.executable).parent / "powerkam")
        runs: list[tuple[str, Results]] = []
        port = _free_port()
        command = [powerkam, "serve", f"127.0.0.1:{port}", "--no-worker", "--access-log", str(tmp / "access.log")]
        print(f"powerkam serve: {opts.users} users for {opts.duration_s:.0f} s", flush=True)
        runs.append(("powerkam serve (gunicorn)", _run("serve", command, env, port, tmp, users, accounts_of, opts)))
        if opts.runserver:
            port = _free_port()
            command = [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"]
            print(f"runserver: {opts.users} users for {opts.duration_s:.0f} s", flush=True)
            # A thread per request: a kept connection is never reused, only left open (PostgreSQL runs out
            # of connections: HTTP 500); the web benchmark runs it the same way.
            rs_env = {**env, "POWERKAM_DB_CONN_MAX_AGE": "0"}
            runs.append(
                ("Django's runserver (before)", _run("runserver", command, rs_env, port, tmp, users, accounts_of, opts))
            )
        from powerkam.core.webserver import cpu_count, sizing

        size = sizing(cpu_count=cpu_count(), env=dict(os.environ))
        sections = []
        for label, results in runs:
            rows, _bare95, total, errors = _table(results, opts.duration_s)
            sections += [f"**{label}** — {total:,} requests, {errors} errors:", "", *rows, ""]
            for kind, what in results.errors.items():
                sections.append(f"- errors in {kind}: {len(what)}, e.g. {what[0][:200]}")
            if results.errors:
                sections.append("")
            print("\n".join(rows), flush=True)
    base = (
        "PostgreSQL (its database set up as docs/deployment.md says: `random_page_cost = 1.1`)"
        if opts.db == "postgres"
        else "SQLite (WAL, IMMEDIATE transactions, 20 s busy timeout)"
    )
    body = "\n".join(
        [
            f"Machine: {machine()}. Date: {today()}.",
            "",
            f"{opts.users} concurrent users for {opts.duration_s:.0f} s against `powerkam serve` as a user runs it "
            f"(gunicorn, {size.workers} processes × {size.threads} threads on this machine, DEBUG off, whitenoise), "
            f"on {base}, with the web benchmark's data at {opts.accounts:,} accounts (100 managers, 36 months of "
            "billing and payments in the store). Each user is a manager (one in ten the supervisor); all log in at "
            'the same moment through the login form (the rows "…, N at once"), then, once all are in, each starts '
            "after one think time (not all on one instant: that storm is the login rows' measure) and loops for "
            "the duration with a think time of "
            f"{0.5 * opts.think_s:.1f}–{1.5 * opts.think_s:.1f} s between requests (far busier than a person). "
            + (
                "The set-up also runs the morning's preparation of My work (the worker's 06:45 job: each user's "
                "figures, overdue visits and first account page, computed before the day's first visit). "
                if opts.prepare
                else "No morning preparation of My work (`--load-unprepared`): each user's first visit computes it. "
            )
            + "Each round: My work and the six fragments a browser loads after it "
            "(its tasks, the visits, tickets, projects and at-risk panels and the accounts at risk from the morning's "
            "health check, taken in the set-up as the worker does each morning; one after another, no think time), the "
            "account list, a filtered list, a 360 page of one of their accounts and four of its HTMX fragments (each full "
            "page also the top bar's unread count) "
            "(two from the store), the overview (the supervisor also its arrears tile over every key account's bills, "
            "computed once before the run: it is cached per day), the bare view (a login-required Django view "
            'returning "ok": the baseline under the same load, at the start and at the end of each round, so it '
            "meets the rush of everyone's first round as the pages do); every fifth round a write (a contact saved or a "
            "visit recorded through the forms), every tenth a logout and login (the password checked, a session "
            "written). A fresh connection per request. Errors are any status other than the expected one, a "
            'connection error, a traceback or "database is locked" in the server\'s log. Target: 0 errors and '
            f"p95 ≤ {TARGET_RATIO:.0f}× the bare view's p95. The login is the password hash (PBKDF2, "
            "deliberately slow, ~0.3–1 s of CPU each): its ratio is not a target. Run: "
            "`uv run --frozen python -m benchmarks load` (`--load-users=`, `--load-duration=`, `--load-accounts=`, "
            "`--load-db=sqlite`, `--load-unprepared`, `--load-runserver`).",
            "",
            *sections,
            f"Data set-up took {setup_s:.0f} s. Load average (1 min) when the run started {load_before:.2f}, at its "
            f"end {os.getloadavg()[0]:.2f}: the machine was shared with other work, so the figures are noisy; the "
            "ratio to the bare view, measured under the same load at the same time, is the figure to compare.",
        ]
    )
    print(body)
    if opts.report:
        write_section("Load" if opts.db == "postgres" else "Load, SQLite", body)
