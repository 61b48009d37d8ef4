"""The import log's life cycle, the store's versions and their rollback, and the repair of
imports that were killed half-way.

A run is recorded *before* anything lands (status ``running``, with the process id and host), so
no landing can be missing from the log: a run whose process is gone is marked ``interrupted``,
and what it left behind is read from the store (the dataset file records the run that wrote it).
Every landing of a store kind keeps the dataset it produced as a version (a hard link, see
:mod:`powerkam.analytics.store`); ``rollback`` puts one back and is itself a run with a version.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from powerkam.analytics.io.contract import CONTRACT
from powerkam.analytics.io.writer import RUN_METADATA, dataset_metadata, fault_point, link_version, restore_version
from powerkam.analytics.settlement import ensure_settlements
from powerkam.analytics.store import (
    SCHEMAS,
    dataset_path,
    has_dataset,
    is_current,
    is_partitioned,
    prune_versions,
    read_pointer,
    version_ids,
    version_path,
)
from powerkam.core.errors import ApplicationError
from powerkam.imports.models import ImportRun, ImportStatus
from powerkam.staff import permissions

#: The store kinds whose landings are versioned (the kinds that land in the Parquet store).
VERSIONED_KINDS = tuple(k for k, spec in CONTRACT.items() if spec.target in {"store", "both"} and k in SCHEMAS)


def store_dir() -> Path:
    return Path(settings.ANALYTICS_DIR)


# --- the run's life cycle --------------------------------------------------------------------


def start_run(
    *,
    kind: str,
    file_name: str,
    sha256: str,
    by: User | None,
    replace_missing: bool = False,
    restored_from: ImportRun | None = None,
) -> ImportRun:
    """Record a run before it touches anything (committed at once, whatever transaction follows)."""
    with transaction.atomic():
        return ImportRun.objects.create(
            kind=kind,
            file_name=file_name,
            sha256=sha256,
            status=ImportStatus.RUNNING,
            started_at=timezone.now(),
            by=by,
            pid=os.getpid(),
            host=socket.gethostname(),
            replace_missing=replace_missing,
            restored_from=restored_from,
        )


def finish_run(run: ImportRun, status: str, **fields: Any) -> ImportRun:
    run.status = status
    run.finished_at = timezone.now()
    for name, value in fields.items():
        setattr(run, name, value)
    run.save()
    return run


def keep_version(run: ImportRun) -> None:
    """Note on ``run`` the store version it produced (the file is linked by the writer) and prune old ones."""
    path = version_path(store_dir(), run.kind, run.pk)
    if path.is_dir():  # a partitioned kind: a directory of period files
        run.version = str(path.relative_to(store_dir()))
        run.dataset_rows = sum(pq.read_metadata(p).num_rows for p in path.glob("*.parquet"))
    elif path.exists():
        run.version = str(path.relative_to(store_dir()))
        run.dataset_rows = pq.read_metadata(path).num_rows
    prune_versions(store_dir(), run.kind, settings.STORE_KEEP_VERSIONS)


def adopt_unversioned(kind: str) -> ImportRun | None:
    """Keep the dataset in place as a version when none is (a store from before versions were
    kept, or files put there by hand), logged as a run of its own, before a landing replaces it."""
    if kind not in VERSIONED_KINDS:
        return None
    path = dataset_path(store_dir(), kind)
    if not has_dataset(store_dir(), kind) or any(
        is_current(store_dir(), kind, i) for i in version_ids(store_dir(), kind)
    ):
        return None
    if is_partitioned(store_dir(), kind):
        path = store_dir() / f"{kind}.json"
    mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    run = start_run(kind=kind, file_name=path.name, sha256="", by=None)
    link_version(store_dir(), kind, run.pk)
    keep_version(run)
    return finish_run(
        run,
        ImportStatus.SUCCEEDED,
        started_at=mtime,
        rows=run.dataset_rows or 0,
        warnings=[_("The dataset as it was in the store before this version was kept (kept so it can be restored).")],
    )


def process_alive(run: ImportRun) -> bool | None:
    """Whether the process that ran ``run`` is still alive: ``None`` when it ran on another host."""
    if not run.pid or (run.host and run.host != socket.gethostname()):
        return None
    try:
        os.kill(run.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- versions and rollback -----------------------------------------------------------------


@dataclass
class Version:
    run: int
    kind: str
    status: str
    date: dt.datetime
    by: str
    file: str
    rows: int
    dataset_rows: int | None
    sha256: str
    available: bool
    current: bool
    restored_from: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_kind(kind: str) -> None:
    if kind not in VERSIONED_KINDS:
        raise ApplicationError(
            _("'%(kind)s' has no store versions. Kinds with versions: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(VERSIONED_KINDS)}
        )


def versions(kind: str) -> list[Version]:
    """The runs of ``kind`` that produced a version of the dataset, newest first (pruned ones too)."""
    _check_kind(kind)
    out = []
    for run in ImportRun.objects.filter(kind=kind).exclude(version="").select_related("by").order_by("-pk"):
        out.append(
            Version(
                run=run.pk,
                kind=kind,
                status=run.status,
                date=run.started_at,
                by=run.by.username if run.by else "CLI",
                file=run.file_name,
                rows=run.rows,
                dataset_rows=run.dataset_rows,
                sha256=run.sha256,
                available=version_path(store_dir(), kind, run.pk).exists(),
                current=is_current(store_dir(), kind, run.pk),
                restored_from=run.restored_from_id,
            )
        )
    return out


def version_available(run: ImportRun) -> bool:
    return bool(run.version) and run.kind in VERSIONED_KINDS and version_path(store_dir(), run.kind, run.pk).exists()


def rollback(*, kind: str, to: int, by: User | None = None) -> ImportRun:
    """Put the dataset of ``kind`` as run ``to`` left it back in place, re-derive what depends on
    it, and log it as a run (status "rolled back") with its own version, so it can be undone too.

    CRM accounts are left as they are (their changes have their own history): rolling back
    customers restores the analytics store only (docs/data-formats.md, "Store versions and rollback").
    """
    if by is not None:  # None: the command line, as the installation's administrator
        permissions.require(by, "imports.run_import")
    _check_kind(kind)
    recover_interrupted()
    target = ImportRun.objects.filter(pk=to).first()
    if target is None or target.kind != kind:
        raise ApplicationError(_("There is no %(kind)s import run %(run)s.") % {"kind": kind, "run": to})
    source = version_path(store_dir(), kind, target.pk)
    if not target.version or not source.exists():
        kept = ", ".join(str(i) for i in reversed(version_ids(store_dir(), kind))) or "-"
        raise ApplicationError(
            _("Run %(run)s has no kept version of %(kind)s (versions kept: %(kept)s).")
            % {"run": to, "kind": kind, "kept": kept}
        )
    run = start_run(kind=kind, file_name=target.file_name, sha256=target.sha256, by=by, restored_from=target)
    try:
        restore_version(store_dir(), kind, source, run.pk)
        warnings = rederive(kind)
        if kind == "customers":
            warnings.append(
                _(
                    "CRM accounts were left as they are; their changes keep their own history. Import a customers file to change them."
                )
            )
        keep_version(run)
        return finish_run(run, ImportStatus.ROLLED_BACK, rows=run.dataset_rows or 0, warnings=warnings)
    except BaseException as exc:
        interrupted_by_error(run, exc)
        raise


def rederive(kind: str) -> list[str]:
    """Rebuild what is derived from ``kind``'s dataset; warnings for what could not be."""
    warnings: list[str] = []
    if kind in {"billing", "payments"}:
        fault_point("settle")
        try:
            ensure_settlements(store_dir())
        except (duckdb.Error, OSError, pa.ArrowException) as exc:
            warnings.append(
                _("bill settlements not rebuilt (%(error)s); grading settles the bills itself until then")
                % {"error": exc}
            )
        from powerkam.accounts.tasks import queue_account_bills_refresh

        queue_account_bills_refresh()  # the 360 page's copy of the accounts' bills, in the background
    if kind == "loads":
        from powerkam.outages.services import typical_loads_refresh

        fault_point("settle")
        try:
            typical_loads_refresh()
        except (duckdb.Error, OSError, pa.ArrowException, ApplicationError) as exc:
            message = exc.message if isinstance(exc, ApplicationError) else str(exc)
            warnings.append(
                _("typical loads not rebuilt (%(error)s); outage windows compute them from the readings until then")
                % {"error": message}
            )
    return warnings


def interrupted_by_error(run: ImportRun, exc: BaseException) -> None:
    """An exception (not a refusal) stopped ``run``: say so in the log, then find what it left."""
    run.refresh_from_db()
    if run.status != ImportStatus.RUNNING:
        return
    reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
    run.warnings = [*run.warnings, _("Stopped by an error: %(reason)s") % {"reason": reason}]
    _mark_interrupted(run)


# --- interrupted runs and the store check ---------------------------------------------------


def _landed_by(run: ImportRun) -> dict[str, str] | None:
    """The metadata of the dataset in place if ``run`` wrote (or restored) it, else ``None``."""
    if run.kind not in VERSIONED_KINDS:
        return None
    if not has_dataset(store_dir(), run.kind):
        return None
    if run.restored_from_id:
        return {} if is_current(store_dir(), run.kind, run.restored_from_id) else None
    if (pointer := read_pointer(store_dir(), run.kind)) is not None:  # a partitioned kind: its pointer notes the run
        meta = {k: str(v) for k, v in pointer.items() if k in {"inserted", "updated", "unchanged"}}
        return meta if str(pointer.get("run")) == str(run.pk) else None
    meta = dataset_metadata(dataset_path(store_dir(), run.kind))
    return meta if meta.get(RUN_METADATA) == str(run.pk) else None


def _mark_interrupted(run: ImportRun) -> list[str]:
    """Mark ``run`` interrupted and record what of it is in the store; what was noted."""
    notes: list[str] = []
    landed = _landed_by(run)
    if landed is not None:
        link_version(store_dir(), run.kind, run.pk)
        keep_version(run)
        for name in ("inserted", "updated", "unchanged"):
            if name in landed:
                setattr(run, name, int(landed[name]))
        notes.append(_("Its data landed in the store before it stopped (the store holds this file's rows)."))
        if run.kind == "customers" and not run.restored_from_id:
            notes.append(
                _("CRM accounts may not have been updated: import the same file again (nothing changes if they were).")
            )
    elif run.kind in VERSIONED_KINDS:
        notes.append(_("Nothing of it landed in the store; the data is as it was before."))
    else:
        notes.append(_("The CRM changes of an interrupted import are rolled back whole; nothing of it landed."))
    finish_run(
        run,
        ImportStatus.INTERRUPTED,
        finished_at=run.finished_at or timezone.now(),
        warnings=[*run.warnings, *notes],
    )
    return notes


def recover_interrupted() -> list[str]:
    """Mark every run whose process is gone as interrupted, then repair the stale derived data;
    a line per run and per repair (also noted on the runs)."""
    messages: list[str] = []
    found = []
    for run in ImportRun.objects.filter(status=ImportStatus.RUNNING).order_by("pk"):
        if process_alive(run) is not False:
            continue
        notes = _mark_interrupted(run)
        found.append(run)
        messages.append(
            _("Import run %(run)s (%(kind)s, %(file)s, started %(started)s) was interrupted. %(notes)s")
            % {
                "run": run.pk,
                "kind": run.kind,
                "file": run.file_name,
                "started": timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M"),
                "notes": " ".join(notes),
            }
        )
    if found:
        repairs = repair_derived()
        for run in found:
            if repairs:
                finish_run(run, run.status, finished_at=run.finished_at, warnings=[*run.warnings, *repairs])
        messages += repairs
    return messages


def repair_derived() -> list[str]:
    """Rebuild the derived datasets that are older than what they are derived from; what was done."""
    from powerkam.outages.services import typical_loads_refresh

    done: list[str] = []
    store = store_dir()
    if has_dataset(store, "billing"):
        try:
            if ensure_settlements(store):
                done.append(_("Bill settlements were stale and have been rebuilt."))
        except (duckdb.Error, OSError, pa.ArrowException) as exc:
            done.append(_("Bill settlements are stale and could not be rebuilt: %(error)s") % {"error": exc})
    if dataset_path(store, "loads").exists():
        try:
            if typical_loads_refresh() is not None:
                done.append(_("Typical loads were stale and have been rebuilt."))
        except (duckdb.Error, OSError, pa.ArrowException, ApplicationError) as exc:
            message = exc.message if isinstance(exc, ApplicationError) else str(exc)
            done.append(_("Typical loads are stale and could not be rebuilt: %(error)s") % {"error": message})
    return done


@dataclass
class CheckReport:
    interrupted: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    running: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check() -> CheckReport:
    """``powerkam data check``: find interrupted runs, repair stale derived data, report what it did."""
    report = CheckReport(interrupted=recover_interrupted())
    report.repaired = repair_derived()
    for run in ImportRun.objects.filter(status=ImportStatus.RUNNING).order_by("pk"):
        alive = process_alive(run)
        where = (
            _("on another host (%(host)s)") % {"host": run.host}
            if alive is None
            else _("process %(pid)s") % {"pid": run.pid}
        )
        report.running.append(
            _("Import run %(run)s (%(kind)s, %(file)s) is still running, %(where)s.")
            % {"run": run.pk, "kind": run.kind, "file": run.file_name, "where": where}
        )
    return report
