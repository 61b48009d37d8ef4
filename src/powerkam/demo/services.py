"""Build the demo province: generate its extract files and load them through the ordinary importer.

The files go through exactly the path a utility's real extracts take
(:func:`powerkam.imports.services.import_file`), so the demo exercises the importer end to end.
The staff get a documented demo password; a marker file in the data directory records the build.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.analytics.renewables import DEFAULT_RULES
from powerkam.core.errors import ApplicationError
from powerkam.demo.activity import add_demo_campaign, add_demo_offers, add_demo_surveys, add_demo_tickets
from powerkam.demo.contacts import add_demo_contacts
from powerkam.demo.generator import MAX_MONTHS, MIN_CUSTOMERS, DemoSpec, generate
from powerkam.demo.generator.crm import ADMIN_USERNAME
from powerkam.demo.generator.renewables import demo_weights
from powerkam.demo.selectors import DEMO_PASSWORD, demo_marker, demo_marker_path
from powerkam.grading.services import grading_run_create, grading_run_execute
from powerkam.imports.services import ImportRefused, import_file
from powerkam.insights.health import health_snapshot_take
from powerkam.renewables.models import PartyType
from powerkam.renewables.services import weight_set
from powerkam.visits.services import plan_generate

Progress = Callable[[str], None]


@dataclass
class DemoBuildResult:
    built: bool
    data_dir: str
    files_dir: str = ""
    spec: dict[str, Any] = field(default_factory=dict)
    periods: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    logins: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _same_demo(marker: dict[str, Any], spec: DemoSpec) -> bool:
    built = marker.get("spec", {})
    return all(
        built.get(k) == getattr(spec, k) for k in ("customers", "seed", "months", "load_months", "load_customers")
    )


def demo_build(
    *,
    customers: int = 20_000,
    seed: int = 2026,
    months: int = 36,
    load_months: int = 2,
    load_customers: int = 5_000,
    out_dir: Path | None = None,
    today: dt.date | None = None,
    if_missing: bool = False,
    by: User | None = None,
    progress: Progress | None = None,
) -> DemoBuildResult:
    """Generate the demo province's files and import them; with ``if_missing``, do nothing if already built.

    Not one transaction: each import is all-or-nothing on its own (the analytics store's files
    cannot roll back with the database), and importing the same files again changes nothing, so
    a build that stopped half-way is finished by running it again.
    """
    data_dir = Path(settings.DATA_DIR)
    marker = demo_marker()
    if if_missing and marker is not None and _logins_exist(marker):
        return DemoBuildResult(built=False, data_dir=str(data_dir), **_from_marker(marker))
    if customers < MIN_CUSTOMERS:
        raise ApplicationError(_("The demo province needs at least %(n)s customers.") % {"n": MIN_CUSTOMERS})
    if not 1 <= months <= MAX_MONTHS:
        raise ApplicationError(_("Months of billing must be between 1 and %(n)s.") % {"n": MAX_MONTHS})
    if load_months > months:
        raise ApplicationError(_("Months of 15-minute loads cannot exceed the months of billing."))
    spec = DemoSpec(
        today=today or timezone.localdate(),
        customers=customers,
        seed=seed,
        months=months,
        load_months=load_months,
        load_customers=load_customers,
    )
    if marker is not None and not _same_demo(marker, spec):
        built = marker["spec"]
        raise ApplicationError(
            _(
                "A different demo province (%(customers)s customers, seed %(seed)s) is already built in %(dir)s. "
                "Build another one into a fresh data directory (set POWERKAM_DATA_DIR)."
            )
            % {"customers": built.get("customers"), "seed": built.get("seed"), "dir": data_dir}
        )

    files_dir = Path(out_dir) if out_dir else data_dir / "demo"
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    if progress:
        progress(_("Generating the demo province (%(n)s customers) in %(dir)s …") % {"n": customers, "dir": files_dir})
    files = generate(spec, files_dir)
    seconds["generate"] = round(time.perf_counter() - started, 2)

    for kind, path in files.ordered():
        if progress:
            progress(_("Importing %(kind)s from %(file)s (%(rows)s rows) …") % {
                "kind": kind, "file": path.name, "rows": f"{files.rows[kind]:,}"
            })  # fmt: skip
        step = time.perf_counter()
        try:
            import_file(kind=kind, path=path, by=by)
        except ImportRefused as exc:
            raise ApplicationError(
                _("The importer refused the demo file %(file)s: %(message)s")
                % {"file": path.name, "message": exc.message},
                {"errors": [e.as_dict() for e in exc.errors[:20]]},
            ) from exc
        seconds[kind] = round(time.perf_counter() - step, 2)

    step = time.perf_counter()
    add_demo_contacts(seed=seed)
    seconds["contacts"] = round(time.perf_counter() - step, 2)

    # A demo shows key accounts with their grades at once: grade the last billed month, as a
    # supervisor would after the monthly billing extract.
    step = time.perf_counter()
    if progress:
        progress(_("Grading the key accounts for %(period)s …") % {"period": files.periods[-1]})
    grading_run_execute(run=grading_run_create(period=files.periods[-1], rules_source="demo", by=by))
    seconds["grading"] = round(time.perf_counter() - step, 2)

    # …and its managers' visit plan for the next two months, on the official working days.
    step = time.perf_counter()
    plan_generate(first_day=spec.today, last_day=spec.today + dt.timedelta(days=61), by=by, as_of=spec.today)
    seconds["visit_plan"] = round(time.perf_counter() - step, 2)

    # …and the province's consumption-responsibility weights for every billed year (新能源 page).
    demo_weights_load(years=sorted({int(files.periods[0][:4]), int(files.periods[-1][:4])}))

    # …and the recent service requests and satisfaction surveys no extract carries.
    step = time.perf_counter()
    add_demo_tickets(seed=seed, today=spec.today)
    add_demo_surveys(seed=seed, today=spec.today)
    add_demo_campaign(today=spec.today)
    add_demo_offers(seed=seed, today=spec.today)
    health_snapshot_take(today=spec.today)  # the first point of every key account's health trend
    seconds["activity"] = round(time.perf_counter() - step, 2)

    usernames = _usernames(files.paths["staff"])
    password_hash = _set_demo_passwords(usernames=usernames)
    seconds["total"] = round(time.perf_counter() - started, 2)
    record = {
        "spec": {**asdict(spec), "today": spec.today.isoformat()},
        "files_dir": str(files_dir),
        "periods": list(files.periods),
        "rows": files.rows,
        "seconds": seconds,
        "logins": usernames,
        "password_hash": password_hash,
        "built_at": timezone.now().isoformat(),
    }
    _write_marker(record)
    return DemoBuildResult(built=True, data_dir=str(data_dir), **_from_marker(record))


def demo_weights_load(*, years: list[int]) -> None:
    """The demo province's consumption-responsibility weights for every party type and every year from
    the first to the last of ``years``, set the way an administrator sets them (with history)."""
    for year, total, non_hydro in demo_weights(list(range(min(years), max(years) + 1))):
        for party in PartyType.values:
            weight_set(
                province=DEFAULT_RULES.province,
                year=year,
                party_type=party,
                total_weight=str(total),
                non_hydro_weight=str(non_hydro),
                source="示范省演示数据（示意值，非真实文件）",
            )


def _logins_exist(marker: dict[str, Any]) -> bool:
    """The marker's users are in the database (a fresh database beside an old data directory is not built)."""
    return User.objects.filter(username__in=marker.get("logins", [])).exists()


def _from_marker(marker: dict[str, Any]) -> dict[str, Any]:
    return {
        "files_dir": marker.get("files_dir", ""),
        "spec": marker.get("spec", {}),
        "periods": marker.get("periods", []),
        "rows": marker.get("rows", {}),
        "seconds": marker.get("seconds", {}),
        "logins": marker.get("logins", []),
    }


def _usernames(staff_csv: Path) -> list[str]:
    with staff_csv.open(encoding="utf-8-sig", newline="") as fh:
        return [row["username"] for row in csv.DictReader(fh)]


@transaction.atomic
def _set_demo_passwords(*, usernames: list[str]) -> str:
    """Give every demo login the demo password (hashed once: one slow hash, not one per user)."""
    password_hash = make_password(DEMO_PASSWORD)
    User.objects.filter(username__in=usernames).update(password=password_hash, is_active=True)
    # The data administrator is the Django superuser (the importer makes role "admin" staff + superuser).
    User.objects.filter(username=ADMIN_USERNAME).update(is_staff=True, is_superuser=True)
    return password_hash


def _write_marker(record: dict[str, Any]) -> None:
    path = demo_marker_path()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
