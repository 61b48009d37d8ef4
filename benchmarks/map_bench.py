"""The map of key accounts (/accounts/map/) at scale, against the account list's first page in the same
run: the whole request through Django's test client (middleware, selectors, template), in process.

Set-up: a fresh PostgreSQL database (``powerkam_bench_map`` on 127.0.0.1:5432) with 75,000 CRM accounts
(the 10 kV-and-above share of a million customers) spread over 9 districts with coordinates, two in
three of them key accounts; a supervisor (the whole base) and a manager with 750 accounts. Each page is
requested 3 times to warm up, then ``--map-requests`` times (default 20); the first request of the map
also draws the district outlines (then cached per version of the accounts). Reports p50/p95 and the
page's size (the map's option is inside it). Options: ``--map-accounts N``, ``--map-requests N``.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from decimal import Decimal
from urllib.parse import urlencode

from benchmarks.report import machine, today, write_section

DB_NAME = "powerkam_bench_map"
PG = "postgres://postgres@127.0.0.1:5432"
DISTRICTS = [(f"区县{i}", 32.0 + 0.12 * (i % 3), 118.6 + 0.15 * (i // 3)) for i in range(9)]


def _recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        con.execute(f"CREATE DATABASE {DB_NAME}")


def _make_crm(accounts: int) -> tuple[object, object]:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection

    from powerkam.accounts.models import Account, Assignment
    from powerkam.staff.models import Role, StaffProfile

    call_command("migrate", verbosity=0)
    rng = random.Random(19)
    boss, manager = User.objects.bulk_create([User(username="boss", password="!"), User(username="m1", password="!")])
    StaffProfile.objects.bulk_create(
        [
            StaffProfile(user=boss, name="主管", role=Role.SUPERVISOR),
            StaffProfile(user=manager, name="经理", role=Role.MANAGER),
        ]
    )

    def account(c: int) -> Account:
        district, lat, lon = DISTRICTS[c % len(DISTRICTS)]
        return Account(
            customer_id=f"38{c:08d}",
            name=f"示范客户{c:07d}有限公司",
            voltage_kv=Decimal("10"),
            contract_capacity_kva=Decimal(rng.randrange(315, 60000)),
            tariff="large_industrial",
            district=district,
            latitude=Decimal(f"{lat + rng.uniform(-0.05, 0.05):.6f}"),
            longitude=Decimal(f"{lon + rng.uniform(-0.06, 0.06):.6f}"),
            key_status="key" if c % 3 else "candidate",
            grade=rng.choice(["A", "B", "B", "C", ""]),
        )

    Account.objects.bulk_create((account(c) for c in range(accounts)), batch_size=5000)
    mine = Account.objects.order_by("customer_id").values_list("pk", flat=True)[: accounts // 100]
    Assignment.objects.bulk_create(Assignment(account_id=pk, staff=manager, role="primary") for pk in mine)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return boss, manager


def _measure(client: object, path: str, requests: int) -> dict[str, float]:
    timings, first, size = [], 0.0, 0
    for i in range(requests + 3):
        start = time.perf_counter()
        response = client.get(path)  # type: ignore[attr-defined]
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
        size = len(response.content)
        if i == 0:
            first = elapsed
        if i >= 3:
            timings.append(elapsed)
    q = statistics.quantiles(timings, n=100, method="inclusive")
    return {"p50": statistics.median(timings), "p95": q[94], "first": first, "kib": size / 1024}


def main(argv: list[str]) -> None:
    load_before = os.getloadavg()[0]
    accounts, requests = 75_000, 20
    for arg in argv:
        if arg.startswith("--map-accounts="):
            accounts = int(arg.split("=", 1)[1])
        elif arg.startswith("--map-requests="):
            requests = int(arg.split("=", 1)[1])
    with tempfile.TemporaryDirectory(prefix="powerkam-mapbench-") as tmp:
        os.environ.update(
            {
                "DATABASE_URL": f"{PG}/{DB_NAME}",
                "POWERKAM_DATA_DIR": tmp,
                "POWERKAM_SECRET_KEY": "benchmark-only-secret-key-" + "x" * 30,
                "POWERKAM_DEBUG": "0",
                "DJANGO_SETTINGS_MODULE": "powerkam.settings",
            }
        )
        _recreate_database()
        import django

        django.setup()
        from django.test import Client

        boss, manager = _make_crm(accounts)
        rows = []
        for who, user in (("supervisor (whole base)", boss), ("manager (750 accounts)", manager)):
            client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
            client.force_login(user)  # type: ignore[arg-type]
            for label, path in (
                ("account list, page 1 (baseline)", "/accounts/"),
                ("map, key accounts", "/accounts/map/"),
                ("map, one district", f"/accounts/map/?{urlencode({'district': DISTRICTS[1][0]})}"),
            ):
                figures = _measure(client, path, requests)
                rows.append((who, label, figures))
                print(who, label, {k: round(v, 1) for k, v in figures.items()}, flush=True)
    load_after = os.getloadavg()[0]
    table = "\n".join(
        f"| {who} | {label} | {f['p50']:.0f} | {f['p95']:.0f} | {f['first']:.0f} | {f['kib']:.0f} |"
        for who, label, f in rows
    )
    ratios = []
    for who in dict.fromkeys(r[0] for r in rows):
        base = next(f for w, label, f in rows if w == who and label.startswith("account list"))
        for w, label, f in rows:
            if w == who and label.startswith("map"):
                ratios.append(f"{who}, {label}: {f['p50'] / base['p50']:.1f}× the list's p50")
    body = f"""Run {today()} on {machine()}; load average {load_before:.1f} before, {load_after:.1f} after
(the machine is shared: the ratios within the run are the figure). `python -m benchmarks map`:
{accounts:,} CRM accounts with coordinates in 9 districts on PostgreSQL, two in three key accounts;
Django's test client in process, {requests} requests after 3 warm-ups; "first" is the very first
request (the map's first one also draws and caches the district outlines).

| user | page | p50 ms | p95 ms | first ms | page KiB |
|---|---|---|---|---|---|
{table}

{"; ".join(ratios)}.

The map counts the matching accounts by district and grade in one GROUP BY, reads the located
accounts' keys to pick an even sample of at most 2,000 and then only the sample's rows; the page size
is bounded by that. (A first version read every matching account's row into Python: 1.5 s p50 for
the supervisor's 50,000 key accounts in an earlier run of the same set-up, load average about 12.)
"""
    write_section("Maps", body)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
