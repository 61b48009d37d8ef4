"""Import an extract: validate all of it, then land all of it or nothing.

Whole-customer-base data (customers, billing, payments, loads, outages) lands in the Parquet
analytics store; CRM data (staff, assignments, visits, feeders, projects) in the database;
customers at 10 kV and above (and the group companies above them) also become CRM accounts.
Every import is logged as an :class:`~powerkam.imports.models.ImportRun` before anything lands
(:mod:`powerkam.imports.runs`), then marked landed, refused or interrupted. A contract column the
file does not have never changes the data: stored values stay (docs/data-formats.md, "Absent columns").
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext, ngettext
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from powerkam.accounts.models import CRM_MIN_VOLTAGE_KV, Account, AreaClass, Assignment
from powerkam.analytics.io import CONTRACT, FileRefused, RowError, read_raw, upsert_dataset, validate
from powerkam.analytics.io.contract import KindSpec
from powerkam.analytics.io.errors import render
from powerkam.analytics.io.readers import ReadLimits
from powerkam.analytics.io.validate import Reference
from powerkam.analytics.io.writer import store_lock, with_stored_values
from powerkam.analytics.store import dataset_path
from powerkam.core.errors import ApplicationError
from powerkam.core.locking import bumped
from powerkam.grid.models import Feeder, Substation
from powerkam.imports import messages, runs
from powerkam.imports.models import ImportRun, ImportStatus
from powerkam.prospects.models import Project, Stage
from powerkam.prospects.services import stage_log_sync
from powerkam.staff import permissions
from powerkam.staff.models import Role, StaffProfile
from powerkam.visits.models import Visit, VisitSource

Progress = Callable[[str, float], None]
BATCH = 500


class ImportRefused(ApplicationError):
    """The file was refused whole; ``errors`` lists every bad row (capped), ``error_count`` all of them.

    ``code`` and ``params`` say why in a form the imports app translates (powerkam.imports.messages);
    ``message`` is the English text.
    """

    def __init__(
        self,
        message: str,
        errors: list[RowError],
        error_count: int | None = None,
        *,
        code: str = "",
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, {"errors": [e.as_dict() for e in errors]})
        self.errors = errors
        self.error_count = len(errors) if error_count is None else error_count
        self.code = code
        self.params = params or {}

    @classmethod
    def of(cls, code: str, errors: list[RowError], error_count: int | None = None, **params: Any) -> ImportRefused:
        return cls(render(code, params), errors, error_count, code=code, params=params)


def read_limits() -> ReadLimits:
    """The administrator's limits on what one file may hold (settings, from the environment)."""
    return ReadLimits(
        max_sheet_bytes=int(getattr(settings, "IMPORT_MAX_SHEET_MB", 2048)) * 1024**2,
        max_rows=int(getattr(settings, "IMPORT_MAX_ROWS", 10_000_000)),
        max_columns=int(getattr(settings, "IMPORT_MAX_COLUMNS", 200)),
    )


@dataclass
class ImportReport:
    kind: str
    file: str
    rows: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None
    file_format: str = ""
    #: optional contract columns the file does not have (a warning: their values are not in it)
    absent_columns: list[str] = field(default_factory=list)
    #: XLSX cells whose value is a formula's saved result (a warning)
    formula_values: int = 0
    #: absent columns were cleared (``--replace-missing``), not kept
    replace_missing: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _store_dir() -> Path:
    return Path(settings.ANALYTICS_DIR)


def _known_customers_sql() -> str | None:
    path = dataset_path(_store_dir(), "customers")
    if not path.exists():
        return None
    literal = "'" + str(path).replace("'", "''") + "'"
    return f"SELECT customer_id FROM read_parquet({literal})"


def _references(kind: str) -> dict[str, Reference]:
    if kind in {"billing", "payments", "loads", "applications", "contracts", "market", *RENEWABLE_KINDS}:
        sql = _known_customers_sql()
        return {"customer_id": Reference("customer", sql=sql, values=None if sql else [])}
    if kind == "customers":
        sql = _known_customers_sql()
        return {"parent_id": Reference("customer (group company)", sql=sql)} if sql else {}
    if kind == "outages":
        return {"feeder_id": Reference("feeder", values=list(Feeder.objects.values_list("feeder_id", flat=True)))}
    if kind == "staff":
        return {"supervisor": Reference("staff member", values=list(User.objects.values_list("username", flat=True)))}
    if kind in {"assignments", "visits"}:
        return {
            "customer_id": Reference(
                "customer (not a CRM account: import customers first)",
                values=list(Account.objects.values_list("customer_id", flat=True)),
            ),
            "username": Reference(
                "staff member", values=list(StaffProfile.objects.values_list("user__username", flat=True))
            ),
        }
    return {}


# Renewable-energy key accounts (docs/renewables.md): generation and green power land in the store.
RENEWABLE_KINDS = ("generation", "green")


def _validation_context(kind: str) -> dict[str, Any]:
    """What a kind's rules need beyond the file: generation's PV modes need the accounts' voltages."""
    if kind != "generation":
        return {}
    from powerkam.analytics.renewables import customers_voltage_sql
    from powerkam.renewables.selectors import renewable_rules

    return {"customers_voltage_sql": customers_voltage_sql(_store_dir()), "spot_market": renewable_rules().spot_market}


def _decimal(value: float | None, places: int = 2) -> Decimal | None:
    """The value to ``places`` decimals. The contract's ranges keep huge values out; one that
    slips through is returned unrounded, so the model's validation names it as a row error."""
    if value is None:
        return None
    exact = Decimal(str(value))
    try:
        return exact.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        return exact


def _full_clean_all(objs: list[models.Model], key_field: str, con: duckdb.DuckDBPyConnection | None) -> None:
    """Validate every object; what the database would refuse becomes a row error, never a crash."""
    problems: list[tuple[str, str, Any, str]] = []
    for obj in objs:
        try:
            obj.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            key = str(getattr(obj, key_field))
            for field_name, messages in exc.message_dict.items():
                value = getattr(obj, field_name, None) if field_name != "__all__" else None
                problems.extend((key, field_name, value, str(m)) for m in messages)
    if not problems:
        return
    errors = []
    for key, field_name, value, message in problems:
        row = 0
        if con is not None:
            try:
                found = con.execute(f'SELECT min(__row) FROM checked WHERE "{key_field}" = ?', [key]).fetchall()
                row = int(found[0][0] or 0)
            except duckdb.Error:
                row = 0
        errors.append(RowError.of(row, field_name, None if value is None else str(value), "rejected", detail=message))
    errors.sort(key=lambda e: (e.row, e.column))
    raise ImportRefused.of("crm_refused", errors, count=len(errors))


def _upsert(
    model: type[models.Model],
    key_field: str,
    rows: dict[str, dict[str, Any]],
    fields: Iterable[str],
    counts: _Counts,
    user: User | None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, Any]:
    """Create or update ``model`` rows by ``key_field``; only changed rows are written (with history)."""
    fields = list(fields)
    existing = model._default_manager.in_bulk(list(rows), field_name=key_field)
    to_create, to_update = [], []
    for key, values in rows.items():
        obj = existing.get(key)
        if obj is None:
            to_create.append(model(**{key_field: key}, **values))
        elif any(getattr(obj, f) != values[f] for f in fields):
            for f in fields:
                setattr(obj, f, values[f])
            to_update.append(obj)
        else:
            counts.unchanged += 1
    for obj in to_create:
        if isinstance(obj, User):
            obj.set_unusable_password()  # staff log in once an administrator sets a password
    _full_clean_all(to_create + to_update, key_field, con)
    tracked = hasattr(model, "history")
    if to_create:
        if tracked:
            bulk_create_with_history(
                to_create, model, batch_size=BATCH, default_user=user, default_change_reason="import"
            )
        else:
            model._default_manager.bulk_create(to_create, batch_size=BATCH)
    if to_update:
        if tracked:
            bulk_update_with_history(
                to_update,
                model,
                bumped(to_update, fields),
                batch_size=BATCH,
                default_user=user,
                default_change_reason="import",
            )
        else:
            model._default_manager.bulk_update(to_update, fields, batch_size=BATCH)
    counts.inserted += len(to_create)
    counts.updated += len(to_update)
    return model._default_manager.in_bulk(list(rows), field_name=key_field)


def _chunks(values: list[Any], size: int = 20_000) -> Iterator[list[Any]]:
    """Keep ``IN (...)`` lists under every database's limit on query parameters."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _rows(con: duckdb.DuckDBPyConnection, table: str = "typed") -> list[dict[str, Any]]:
    return con.sql(f"SELECT * FROM {table}").to_arrow_table().to_pylist()


# --- CRM writers -------------------------------------------------------------------------


def _present(fields: Iterable[str], present: set[str], always: Iterable[str] = ("archived",)) -> list[str]:
    """The fields an import may change: those whose column the file has (and ``always``)."""
    return [f for f in fields if f in present or f in always]


def _land_accounts(
    con: duckdb.DuckDBPyConnection, counts: _Counts, user: User | None, present: set[str], table: str = "typed"
) -> None:
    """Customers at ≥ 10 kV (and the group companies above them, and accounts already in the CRM).

    Fields whose column the file does not have stay as they are on existing accounts; a new account
    takes them from ``table`` (the file's rows with those columns from the store)."""
    rows = {r["customer_id"]: r for r in _rows(con, table)}
    in_crm = set(Account.objects.values_list("customer_id", flat=True)) & rows.keys()
    wanted = {cid for cid, r in rows.items() if Decimal(str(r["voltage_kv"])) >= CRM_MIN_VOLTAGE_KV} | in_crm
    frontier = list(wanted)
    while frontier:  # climb the group hierarchy inside the file
        parents = {rows[c]["parent_id"] for c in frontier if rows[c]["parent_id"] in rows} - wanted
        wanted |= parents
        frontier = list(parents)
    fields = [
        "name", "industry", "voltage_kv", "contract_capacity_kva", "tariff", "basic_charge_mode", "feeders",
        "important_grade", "district", "area_class", "address", "latitude", "longitude", "connected_on",
        "archived",
    ]  # fmt: skip
    values = {
        cid: {
            "name": r["name"],
            "industry": r["industry"] or "",
            "voltage_kv": _decimal(r["voltage_kv"]),
            "contract_capacity_kva": _decimal(r["contract_capacity_kva"]),
            "tariff": r["tariff"],
            "basic_charge_mode": r["basic_charge_mode"] or "",
            "feeders": r["feeders"] or "",
            "important_grade": r["important_grade"] or "",
            "district": r["district"] or "",
            # CRM only (docs/data-formats.md): an empty cell is the default, urban.
            "area_class": r.get("area_class") or AreaClass.URBAN,
            "address": r["address"] or "",
            "latitude": _decimal(r["latitude"], 6),
            "longitude": _decimal(r["longitude"], 6),
            "connected_on": r["connected_on"],
            "archived": False,
        }
        for cid, r in rows.items()
        if cid in wanted
    }
    accounts = _upsert(Account, "customer_id", values, _present(fields, present), counts, user, con)
    known_parents = Account.objects.in_bulk(
        [r["parent_id"] for c, r in rows.items() if c in wanted and r["parent_id"]], field_name="customer_id"
    )
    relink = []
    for cid in wanted if "parent_id" in present else ():
        parent_id = rows[cid]["parent_id"]
        parent = accounts.get(parent_id) or known_parents.get(parent_id) if parent_id else None
        account = accounts[cid]
        if account.parent_id != (parent.pk if parent else None):
            account.parent = parent
            relink.append(account)
    if relink:
        bulk_update_with_history(
            relink, Account, ["parent"], batch_size=BATCH, default_user=user, default_change_reason="import"
        )


def _land_staff(con: duckdb.DuckDBPyConnection, counts: _Counts, user: User | None, present: set[str]) -> None:
    rows = {r["username"]: r for r in _rows(con)}
    users = _upsert(
        User,
        "username",
        {u: {"email": r["email"] or "", "is_active": True} for u, r in rows.items()},
        _present(["email", "is_active"], present, always=("is_active",)),
        _Counts(),
        None,
        con,
    )
    # Django admin for the data administrator; everyone else works in PowerKAM's own pages.
    for username, r in rows.items():
        account = users[username]
        admin = r["role"] == Role.ADMIN
        if account.is_staff != admin or account.is_superuser != admin:
            account.is_staff = account.is_superuser = admin
            account.save(update_fields=["is_staff", "is_superuser"])
    existing = {
        p.user.username: p for p in StaffProfile.objects.select_related("user").filter(user__username__in=list(rows))
    }
    profile_fields = _present(["name", "phone", "district", "role", "daily_visit_capacity", "archived"], present)
    to_create, to_update = [], []
    for username, r in rows.items():
        values = {
            "name": r["name"],
            "phone": r["phone"] or "",
            "district": r["district"] or "",
            "role": r["role"],
            "daily_visit_capacity": int(r["daily_visit_capacity"]) if r["daily_visit_capacity"] is not None else 3,
            "archived": False,
        }
        profile = existing.get(username)
        if profile is None:
            to_create.append(StaffProfile(user=users[username], **values))
        elif any(getattr(profile, f) != values[f] for f in profile_fields):
            for f in profile_fields:
                setattr(profile, f, values[f])
            to_update.append(profile)
        else:
            counts.unchanged += 1
    if to_create:
        bulk_create_with_history(
            to_create, StaffProfile, batch_size=BATCH, default_user=user, default_change_reason="import"
        )
    if to_update:
        bulk_update_with_history(
            to_update, StaffProfile, profile_fields, batch_size=BATCH, default_user=user, default_change_reason="import"
        )
    counts.inserted += len(to_create)
    counts.updated += len(to_update)
    profiles = {p.user.username: p for p in StaffProfile.objects.select_related("user")}
    relink = []
    for username, r in rows.items() if "supervisor" in present else ():
        profile = profiles[username]
        supervisor = profiles.get(r["supervisor"]) if r["supervisor"] else None
        if profile.supervisor_id != (supervisor.pk if supervisor else None):
            profile.supervisor = supervisor
            relink.append(profile)
    if relink:
        bulk_update_with_history(
            relink, StaffProfile, ["supervisor"], batch_size=BATCH, default_user=user, default_change_reason="import"
        )
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
    for username, r in rows.items():
        account = users[username]
        wanted = groups[r["role"]]
        current = set(account.groups.filter(name__in=Role.values))
        if current != {wanted}:
            account.groups.remove(*(current - {wanted}))
            account.groups.add(wanted)


def _land_assignments(con: duckdb.DuckDBPyConnection, counts: _Counts, user: User | None) -> None:
    rows = _rows(con)
    accounts = Account.objects.in_bulk([r["customer_id"] for r in rows], field_name="customer_id")
    users = User.objects.in_bulk([r["username"] for r in rows], field_name="username")
    active = {
        (a.account_id, a.role): a
        for chunk in _chunks([a.pk for a in accounts.values()])
        for a in Assignment.objects.filter(active=True, account_id__in=chunk)
    }
    ended, created = [], []
    for r in rows:
        account, staff = accounts[r["customer_id"]], users[r["username"]]
        current = active.get((account.pk, r["role"]))
        if current is not None and current.staff_id == staff.pk:
            counts.unchanged += 1
            continue
        if current is not None:
            current.active = False  # ended, never deleted: the history shows who managed it before
            ended.append(current)
            counts.updated += 1
        else:
            counts.inserted += 1
        created.append(Assignment(account=account, staff=staff, role=r["role"], active=True))
    if ended:
        bulk_update_with_history(
            ended,
            Assignment,
            bumped(ended, ["active"]),
            batch_size=BATCH,
            default_user=user,
            default_change_reason="import",
        )
    if created:
        bulk_create_with_history(
            created, Assignment, batch_size=BATCH, default_user=user, default_change_reason="import"
        )


def _land_visits(con: duckdb.DuckDBPyConnection, counts: _Counts, user: User | None, present: set[str]) -> None:
    rows = _rows(con)
    accounts = Account.objects.in_bulk([r["customer_id"] for r in rows], field_name="customer_id")
    users = User.objects.in_bulk([r["username"] for r in rows if r["username"]], field_name="username")
    existing = {
        (v.account_id, v.visited_on, v.staff_id): v
        for chunk in _chunks([a.pk for a in accounts.values()])
        for v in Visit.objects.filter(account_id__in=chunk, source=VisitSource.IMPORTED)
    }
    created, updated = [], []
    for r in rows:
        account = accounts[r["customer_id"]]
        staff = users.get(r["username"]) if r["username"] else None
        summary = r["summary"] or ""
        visit = existing.get((account.pk, r["visited_on"], staff.pk if staff else None))
        if visit is None:
            created.append(
                Visit(
                    account=account,
                    visited_on=r["visited_on"],
                    staff=staff,
                    summary=summary,
                    source=VisitSource.IMPORTED,
                )
            )
        elif "summary" in present and visit.summary != summary:
            visit.summary = summary
            updated.append(visit)
        else:
            counts.unchanged += 1
    if created:
        bulk_create_with_history(created, Visit, batch_size=BATCH, default_user=user, default_change_reason="import")
    if updated:
        bulk_update_with_history(
            updated,
            Visit,
            bumped(updated, ["summary"]),
            batch_size=BATCH,
            default_user=user,
            default_change_reason="import",
        )
    counts.inserted += len(created)
    counts.updated += len(updated)


def _land_workorders(
    con: duckdb.DuckDBPyConnection, counts: _Counts, user: User | None, warnings: list[str], present: set[str]
) -> None:
    """95598 work orders: matched to CRM accounts, each one a ticket on the right clock (the service app)."""
    from powerkam.service.workorders import workorders_land

    landed = workorders_land(rows=_rows(con), by=user, present=present)
    if landed.errors:
        errors = []
        for order_no, column, value, message in landed.errors:
            found = con.execute('SELECT min(__row) FROM checked WHERE "order_no" = ?', [order_no]).fetchall()
            errors.append(RowError.of(int(found[0][0] or 0), column, value, "rejected", detail=message))
        errors.sort(key=lambda e: (e.row, e.column))
        raise ImportRefused.of("crm_refused", errors, count=len(errors))
    counts.inserted += landed.inserted
    counts.updated += landed.updated
    counts.unchanged += landed.unchanged
    if landed.tickets_created or landed.tickets_closed:
        warnings.append(
            gettext("Tickets: {created} opened, {closed} closed from the work orders.").format(
                created=landed.tickets_created, closed=landed.tickets_closed
            )
        )
    warnings.extend(landed.warnings)


def _land_feeders(con: duckdb.DuckDBPyConnection, counts: _Counts, user: User | None, present: set[str]) -> None:
    rows = _rows(con)
    substations = _upsert(
        Substation,
        "substation_id",
        {r["substation_id"]: {"name": r["substation_name"], "archived": False} for r in rows},
        ["name", "archived"],
        _Counts(),
        user,
        con,
    )
    values = {
        r["feeder_id"]: {
            "name": r["name"],
            "substation": substations[r["substation_id"]],
            "voltage_kv": _decimal(r["voltage_kv"]),
            "rated_capacity_kva": _decimal(r["rated_capacity_kva"]),
            "peak_load_kw": _decimal(r["peak_load_kw"]),
            "archived": False,
        }
        for r in rows
    }
    _upsert(
        Feeder,
        "feeder_id",
        values,
        _present(
            ["name", "substation", "voltage_kv", "rated_capacity_kva", "peak_load_kw", "archived"],
            present,
            always=("substation", "archived"),
        ),
        counts,
        user,
        con,
    )


_IMPORTABLE_STAGES = {Stage.PLANNED, Stage.APPROVED}


def _land_projects(
    con: duckdb.DuckDBPyConnection, counts: _Counts, user: User | None, warnings: list[str], present: set[str]
) -> None:
    rows = _rows(con)
    existing = Project.objects.in_bulk([r["project_id"] for r in rows], field_name="project_id")
    values = {}
    for r in rows:
        stage = r["stage"]
        current = existing.get(r["project_id"])
        if current is not None and current.stage not in _IMPORTABLE_STAGES:
            # The pipeline moved on inside PowerKAM; a government list never moves a project back.
            warnings.append(
                gettext("{project}: kept stage “{kept}” (the file says “{file}”)").format(
                    project=r["project_id"], kept=Stage(current.stage).label, file=Stage(stage).label
                )
            )
            stage = current.stage
        elif current is not None and current.stage == Stage.APPROVED and stage == Stage.PLANNED:
            warnings.append(
                gettext("{project}: kept stage “{kept}” (the file says “{file}”)").format(
                    project=r["project_id"], kept=Stage.APPROVED.label, file=Stage.PLANNED.label
                )
            )
            stage = current.stage
        values[r["project_id"]] = {
            "name": r["name"],
            "stage": stage,
            "industry": r["industry"] or "",
            "district": r["district"] or "",
            "expected_capacity_kva": _decimal(r["expected_capacity_kva"]),
            "expected_annual_kwh": _decimal(r["expected_annual_kwh"]),
            "expected_energize_on": r["expected_energize_on"],
            "government_contact": r["government_contact"] or "",
            "archived": False,
        }
    fields = _present(list(next(iter(values.values()), {}).keys()), present)
    projects = _upsert(Project, "project_id", values, fields, counts, user, con)
    # The pipeline's dated stage log learns of stages that arrived by import at once.
    stage_log_sync(projects=list(projects.values()))


# --- the service -------------------------------------------------------------------------


def import_file(
    *,
    kind: str,
    path: Path,
    by: User | None = None,
    progress: Progress | None = None,
    replace_missing: bool = False,
) -> ImportReport:
    """Validate ``path`` as ``kind`` and land every row, or none (raising :class:`ImportRefused`).

    A contract column the file does not have leaves that field as it is on existing rows (new
    rows get it empty), unless ``replace_missing``: then it is cleared, as an empty column would.
    The run is logged before anything lands; a run killed half-way is found by the next import
    (or ``powerkam data check``), marked interrupted and its derived data repaired.
    """
    if by is not None:  # None: the command line, as the installation's administrator
        permissions.require(by, "imports.run_import")
    if kind not in CONTRACT:
        raise ApplicationError(
            gettext("Unknown kind “{kind}”. Kinds: {kinds}.").format(kind=kind, kinds=", ".join(CONTRACT))
        )
    path = Path(path)
    recovered = runs.recover_interrupted()
    runs.adopt_unversioned(kind)
    sha = _sha256(path) if path.is_file() else ""
    run = runs.start_run(kind=kind, file_name=path.name, sha256=sha, by=by, replace_missing=replace_missing)
    try:
        report = _import(run, CONTRACT[kind], path, progress, replace_missing)
    except ImportRefused as exc:
        # A refusal from inside the landing (a CRM row its model refuses) rolled the transaction back
        # before the store's rename: log it like the validator's refusals.
        run.refresh_from_db()
        if run.status == ImportStatus.RUNNING:
            runs.finish_run(run, ImportStatus.REFUSED, errors=[e.as_dict() for e in exc.errors[:1000]])
        raise
    except BaseException as exc:
        runs.interrupted_by_error(run, exc)
        raise
    if recovered:
        report.warnings[:0] = recovered
        run.warnings = [*recovered, *run.warnings]
        run.save(update_fields=["warnings"])
    return report


def _import(
    run: ImportRun, spec: KindSpec, path: Path, progress: Progress | None, replace_missing: bool
) -> ImportReport:
    kind = spec.kind
    tmp_dir = Path(settings.DATA_DIR) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tmp_dir) as spill:
        con = duckdb.connect(config={"temp_directory": spill, "preserve_insertion_order": True})
        try:
            try:
                raw = read_raw(con, path, spec, progress=progress, limits=read_limits())
            except FileRefused as exc:
                runs.finish_run(run, ImportStatus.REFUSED,
                                errors=[e.as_dict() for e in exc.errors[:1000]] or [{"row": None, "column": None, "value": None, "reason": exc.message, "code": exc.code, "params": exc.params}])  # fmt: skip
                raise ImportRefused(exc.message, exc.errors, exc.error_count, code=exc.code, params=exc.params) from exc
            if progress:
                progress("validating", 0.0)
            checked = validate(con, raw, spec, _references(kind), context=_validation_context(kind))
            report = ImportReport(
                kind=kind,
                file=str(path),
                rows=raw.rows,
                ignored_columns=checked.ignored_columns,
                encoding=raw.encoding,
                file_format=raw.file_format,
                absent_columns=checked.absent_columns,
                formula_values=checked.formula_values,
            )
            if not checked.ok:
                runs.finish_run(run, ImportStatus.REFUSED, rows=raw.rows, errors=[e.as_dict() for e in checked.errors[:1000]],
                                ignored_columns=checked.ignored_columns)  # fmt: skip
                raise ImportRefused.of(
                    "problems", checked.errors, checked.error_count, file=path.name, count=checked.error_count
                )
            # Absent columns keep what is stored unless the administrator chose to clear them.
            present = set(spec.names) if replace_missing else set(checked.columns)
            absent = [c for c in spec.names if c not in present]
            if progress:
                progress("writing", 0.0)
            counts = _Counts()
            # A store kind holds the store lock until the CRM transaction has committed: a backup (which
            # takes the same lock) never sees new customers in the store and not yet in the CRM.
            landing_lock = store_lock(_store_dir()) if spec.target in {"store", "both"} else nullcontext()
            with landing_lock, transaction.atomic():
                if kind == "customers":
                    # A customer new to the CRM (e.g. now at 10 kV) gets the store's values of absent columns.
                    filled = with_stored_values(con, kind, _store_dir(), absent, view="typed_with_stored")
                    _land_accounts(con, _Counts(), run.by, present, filled)
                if spec.target in {"store", "both"}:
                    # The rename is the last step inside the transaction: if it fails, the CRM rolls back.
                    result = upsert_dataset(con, kind, _store_dir(), absent=absent, run_id=run.pk)
                    counts = _Counts(result.inserted, result.updated, result.unchanged)
                elif kind == "staff":
                    _land_staff(con, counts, run.by, present)
                elif kind == "assignments":
                    _land_assignments(con, counts, run.by)
                elif kind == "visits":
                    _land_visits(con, counts, run.by, present)
                elif kind == "feeders":
                    _land_feeders(con, counts, run.by, present)
                elif kind == "projects":
                    _land_projects(con, counts, run.by, report.warnings, present)
                elif kind == "workorders":
                    _land_workorders(con, counts, run.by, report.warnings, present)
            if spec.target in {"store", "both"}:
                runs.keep_version(run)
            report.warnings += runs.rederive(kind)
            if kind == "customers" and (unknown := _unknown_feeders(con)):
                report.warnings.append(
                    ngettext(
                        "{count} feeder id is not in the topology yet (import feeders): {ids}",
                        "{count} feeder ids are not in the topology yet (import feeders): {ids}",
                        len(unknown),
                    ).format(count=len(unknown), ids=", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else ""))
                )
            report.inserted, report.updated, report.unchanged = counts.inserted, counts.updated, counts.unchanged
            report.replace_missing = replace_missing
            runs.finish_run(run, ImportStatus.SUCCEEDED, rows=raw.rows, inserted=counts.inserted, updated=counts.updated,
                            unchanged=counts.unchanged, ignored_columns=checked.ignored_columns,
                            warnings=[*report.warnings, *messages.report_warnings(report)])  # fmt: skip
            if progress:
                progress("done", 1.0)
            return report
        finally:
            con.close()


def _unknown_feeders(con: duckdb.DuckDBPyConnection) -> list[str]:
    used = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT unnest(string_split(feeders, ';')) AS f FROM typed WHERE feeders IS NOT NULL ORDER BY f"
        ).fetchall()
    ]
    known = set(Feeder.objects.filter(feeder_id__in=used).values_list("feeder_id", flat=True))
    return [f for f in used if f not in known]
