"""Backup and restore of one PowerKAM site: the CRM database, the analytics store and the uploads.

A backup is a directory::

    manifest.json                 what is inside: version, migrations, engine, files with sha256, row counts
    database/powerkam.sqlite3     SQLite: a copy by the online backup API (sqlite3.Connection.backup)
    database/powerkam.pgdump      PostgreSQL: ``pg_dump --format=custom``
    store/…                       the analytics store's whole tree (Parquet datasets, whatever else is there)
    media/…                       uploads kept in the data dir, if any

It is one consistent moment: the store lock (the one every import and rebuild holds while it
replaces a dataset, :func:`powerkam.analytics.io.writer.store_lock`) is held while the database is
snapshotted and the store copied, so no import lands half in the backup. On PostgreSQL the row
counts are read in the very snapshot ``pg_dump`` dumps (``pg_export_snapshot``). The backup is
written beside its destination and renamed into place only when complete, so a directory with a
``manifest.json`` is always a whole backup.

A restore goes into an *empty* site only (no table in the database, no file in the store or
media): it never overwrites business data. It checks every file's size and sha256 against the
manifest before touching anything (a changed, missing or unlisted file is refused by name) and
checks the restored files and row counts again afterwards.

``powerkam backup`` / ``powerkam restore`` are the thin commands; the worker's nightly job
(:func:`nightly_backup`, on when ``POWERKAM_BACKUP_DIR`` is set) keeps the newest
``POWERKAM_BACKUP_KEEP`` backups.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow.parquet as pq
from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

import powerkam
from powerkam.analytics.io.writer import store_lock
from powerkam.core.errors import ApplicationError

FORMAT = "powerkam-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database/powerkam.sqlite3"
PG_FILE = "database/powerkam.pgdump"
#: Names of the nightly backups under ``POWERKAM_BACKUP_DIR`` (UTC time, so they sort by age).
NIGHTLY_PREFIX = "powerkam-backup-"
_NIGHTLY = re.compile(r"^powerkam-backup-\d{8}T\d{6}Z$")
_CHUNK = 1024 * 1024

ENGINES = {
    "django.db.backends.sqlite3": "sqlite",
    "django.db.backends.postgresql": "postgresql",
}


# --- the site ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """Where one PowerKAM keeps its data: the CRM database (a Django ``DATABASES`` entry), the
    analytics store and the uploads."""

    database: Mapping[str, Any]
    store_dir: Path
    media_dir: Path

    @classmethod
    def from_settings(cls) -> Site:
        return cls(
            database=dict(connections["default"].settings_dict),
            store_dir=Path(settings.ANALYTICS_DIR),
            media_dir=Path(settings.MEDIA_ROOT),
        )

    @property
    def engine(self) -> str:
        engine = str(self.database.get("ENGINE", ""))
        if engine not in ENGINES:
            raise ApplicationError(
                _("Backup and restore support SQLite and PostgreSQL only, not the database engine %(engine)s.")
                % {"engine": engine}
            )
        return ENGINES[engine]


# --- reading files -------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _is_stale_temporary(rel: PurePosixPath) -> bool:
    """The store writer's temporary files (``.billing.parquet.1234.tmp``): never part of a dataset.

    Nor are the lock file and DuckDB's spill space (``.spill/``, used by rebuilds under the lock)."""
    return rel.name.startswith(".") and rel.name.endswith(".tmp")


def _tree_files(root: Path, *, skip_lock: bool = False) -> Iterator[tuple[PurePosixPath, Path]]:
    """Every file under *root* (relative POSIX path, absolute path), sorted; symlinks followed."""
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = PurePosixPath(path.relative_to(root).as_posix())
            if skip_lock and (str(rel) == ".lock" or rel.parts[0] == ".spill" or _is_stale_temporary(rel)):
                continue
            yield rel, path


def _copy_tree(src: Path, dst: Path, *, skip_lock: bool = False) -> list[PurePosixPath]:
    copied = []
    for rel, path in _tree_files(src, skip_lock=skip_lock):
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        shutil.copystat(path, target)
        copied.append(rel)
    return copied


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            with (Path(dirpath) / name).open("rb") as fh:
                os.fsync(fh.fileno())
        fd = os.open(dirpath, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _dataset_rows(store_root: Path) -> dict[str, int]:
    """Rows of every Parquet file of a store tree, by path without ``.parquet`` (``billing``)."""
    rows = {}
    for rel, path in _tree_files(store_root, skip_lock=True):
        if rel.suffix == ".parquet":
            try:
                rows[str(rel.with_suffix(""))] = pq.read_metadata(path).num_rows
            except (OSError, ValueError) as exc:
                raise ApplicationError(
                    _("The store file %(file)s cannot be read as Parquet: %(error)s") % {"file": rel, "error": exc}
                ) from exc
    return rows


# --- the database ---------------------------------------------------------------------------


def _sqlite_connect(name: str, *, read_only: bool = False) -> sqlite3.Connection:
    if name.startswith("file:"):  # e.g. the tests' shared in-memory database
        return sqlite3.connect(name, uri=True)
    if read_only:
        return sqlite3.connect(f"{Path(name).resolve().as_uri()}?mode=ro", uri=True)
    return sqlite3.connect(name)


def _sqlite_tables(con: sqlite3.Connection) -> list[str]:
    rows = con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [r[0] for r in rows]


def _count_rows(cursor: Any, tables: list[str], quote: str = '"') -> dict[str, int]:
    counts = {}
    for table in tables:
        ident = quote + table.replace(quote, quote * 2) + quote
        cursor.execute(f"SELECT count(*) FROM {ident}")  # noqa: S608 - the table names come from the catalogue
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _migrations(cursor: Any, tables: list[str]) -> dict[str, list[str]]:
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    state: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        state.setdefault(app, []).append(name)
    return state


def _pg_params(database: Mapping[str, Any]) -> dict[str, str]:
    params = {
        "dbname": database.get("NAME") or "",
        "user": database.get("USER") or "",
        "password": database.get("PASSWORD") or "",
        "host": database.get("HOST") or "",
        "port": str(database.get("PORT") or ""),
    }
    for key in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        if value := (database.get("OPTIONS") or {}).get(key):
            params[key] = str(value)
    return {k: str(v) for k, v in params.items() if v}


def _pg_env(database: Mapping[str, Any]) -> dict[str, str]:
    names = {
        "dbname": "PGDATABASE",
        "user": "PGUSER",
        "password": "PGPASSWORD",
        "host": "PGHOST",
        "port": "PGPORT",
        "sslmode": "PGSSLMODE",
        "sslrootcert": "PGSSLROOTCERT",
        "sslcert": "PGSSLCERT",
        "sslkey": "PGSSLKEY",
    }
    return {**os.environ, **{names[k]: v for k, v in _pg_params(database).items()}}


def _pg_connect(database: Mapping[str, Any]) -> Any:
    import psycopg
    from psycopg.conninfo import make_conninfo

    try:
        return psycopg.connect(make_conninfo(**_pg_params(database)))
    except psycopg.OperationalError as exc:
        raise ApplicationError(
            _("Cannot connect to the PostgreSQL database %(name)s: %(error)s")
            % {"name": database.get("NAME"), "error": str(exc).strip()}
        ) from exc


def _pg_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    return [r[0] for r in cursor.fetchall()]


def _pg_user_tables(cursor: Any) -> list[str]:
    """Every table outside the system schemas (an 'empty' database has none)."""
    cursor.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
    )
    return [r[0] for r in cursor.fetchall()]


def _run_tool(args: list[str], database: Mapping[str, Any]) -> None:
    tool = args[0]
    if shutil.which(tool) is None:
        raise ApplicationError(
            _("%(tool)s is not installed; install the PostgreSQL client (postgresql-client) of the server's version.")
            % {"tool": tool}
        )
    done = subprocess.run(args, env=_pg_env(database), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise ApplicationError(
            _("%(tool)s failed: %(error)s") % {"tool": tool, "error": detail[-1] if detail else done.returncode}
        )


@dataclass
class _DatabaseSnapshot:
    file: str
    tables: dict[str, int]
    migrations: dict[str, list[str]]


def _snapshot_sqlite(database: Mapping[str, Any], work: Path) -> _DatabaseSnapshot:
    target = work / SQLITE_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    name = str(database["NAME"])
    if not name.startswith("file:") and not Path(name).is_file():
        raise ApplicationError(_("The SQLite database %(name)s does not exist.") % {"name": name})
    source = _sqlite_connect(name)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # the whole database in one step: one read transaction, one moment
            # A self-contained file (no -wal beside it); the restored database is switched back to WAL
            # by the settings' init command.
            copy.execute("PRAGMA journal_mode=DELETE")
            tables = _sqlite_tables(copy)
            cursor = copy.cursor()
            counts = _count_rows(cursor, tables)
            migrations = _migrations(cursor, tables)
        finally:
            copy.close()
    finally:
        source.close()
    return _DatabaseSnapshot(SQLITE_FILE, counts, migrations)


def _snapshot_postgresql(database: Mapping[str, Any], work: Path) -> _DatabaseSnapshot:
    target = work / PG_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    con = _pg_connect(database)
    try:
        with con.cursor() as cursor:
            # Counts, migrations and pg_dump all read this one snapshot.
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            _run_tool(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}", "--no-password"],
                database,
            )
            tables = _pg_tables(cursor)
            counts = _count_rows(cursor, tables)
            migrations = _migrations(cursor, tables)
            cursor.execute("COMMIT")
    finally:
        con.close()
    return _DatabaseSnapshot(PG_FILE, counts, migrations)


# --- backup ------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "path": str(self.path),
            "created_at": m["created_at"],
            "powerkam_version": m["powerkam_version"],
            "engine": m["engine"],
            "files": len(m["files"]),
            "bytes": sum(f["size"] for f in m["files"]),
            "tables": m["database"]["tables"],
            "datasets": m["store"]["datasets"],
        }


def _check_destination(dest: Path, site: Site) -> None:
    for inside in (site.store_dir, site.media_dir):
        if dest.resolve().is_relative_to(Path(inside).resolve()):
            raise ApplicationError(
                _("%(path)s is inside %(dir)s, which the backup copies; choose a directory outside it.")
                % {"path": dest, "dir": inside}
            )
    if dest.exists() and not (dest.is_dir() and not any(dest.iterdir())):
        raise ApplicationError(
            _("%(path)s already exists and is not an empty directory; choose a new one for the backup.")
            % {"path": dest}
        )


def backup(dest: Path, site: Site | None = None) -> BackupResult:
    """Write one consistent backup of *site* (default: this PowerKAM) into the new directory *dest*."""
    site = site or Site.from_settings()
    engine = site.engine
    dest = Path(dest).absolute()
    _check_destination(dest, site)
    work = dest.parent / f".{dest.name}.partial-{os.getpid()}"
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(mode=0o700)  # business data: for PowerKAM's user only
    except OSError as exc:
        raise _write_error(dest, exc) from exc
    try:
        # The store lock keeps every import and rebuild out while the database is snapshotted and the
        # store copied: both are of the same moment.
        with store_lock(site.store_dir):
            created = timezone.now()
            snap = (_snapshot_sqlite if engine == "sqlite" else _snapshot_postgresql)(site.database, work)
            _copy_tree(site.store_dir, work / "store", skip_lock=True)
            _copy_tree(site.media_dir, work / "media")
        files = [
            {"path": str(rel), "size": path.stat().st_size, "sha256": sha256_of(path)}
            for rel, path in _tree_files(work)
        ]
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "powerkam_version": powerkam.__version__,
            "created_at": created.astimezone(dt.UTC).isoformat(),
            "engine": engine,
            "migrations": snap.migrations,
            "database": {"file": snap.file, "tables": snap.tables},
            "store": {"datasets": _dataset_rows(work / "store")},
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        _fsync_tree(work)
        if dest.exists():
            dest.rmdir()  # checked empty above
        os.replace(work, dest)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise _write_error(dest, exc) from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return BackupResult(dest, manifest)


def _write_error(path: Path, exc: OSError) -> ApplicationError:
    return ApplicationError(
        _("Cannot write %(path)s: %(error)s") % {"path": exc.filename or path, "error": exc.strerror or exc}
    )


# --- verify --------------------------------------------------------------------------------------


def read_manifest(src: Path) -> dict[str, Any]:
    src = Path(src)
    path = src / MANIFEST
    if not src.is_dir():
        raise ApplicationError(_("%(path)s is not a directory with a PowerKAM backup.") % {"path": src})
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ApplicationError(
            _("%(path)s is not a PowerKAM backup: it has no manifest.json (an interrupted backup has none).")
            % {"path": src}
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApplicationError(
            _("The manifest.json of %(path)s cannot be read: %(error)s") % {"path": src, "error": exc}
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ApplicationError(_("%(path)s is not a PowerKAM backup (manifest.json of another kind).") % {"path": src})
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ApplicationError(
            _("The backup %(path)s has format version %(version)s; this PowerKAM reads version %(ours)s only.")
            % {"path": src, "version": manifest.get("format_version"), "ours": FORMAT_VERSION}
        )
    for key in ("engine", "migrations", "database", "store", "files", "created_at"):
        if key not in manifest:
            raise ApplicationError(_("The manifest.json of %(path)s lacks %(key)s.") % {"path": src, "key": key})
    return manifest


def _safe_rel(text: str) -> PurePosixPath:
    rel = PurePosixPath(text)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise ApplicationError(
            _("The backup's manifest lists the file %(file)s outside the backup; it has been tampered with.")
            % {"file": text}
        )
    return rel


def verify(src: Path) -> dict[str, Any]:
    """Check every file of the backup *src* against its manifest; the manifest. Refuses naming the file."""
    src = Path(src)
    manifest = read_manifest(src)
    listed = set()
    for entry in manifest["files"]:
        rel = _safe_rel(str(entry["path"]))
        listed.add(rel)
        path = src / rel
        if not path.is_file():
            raise ApplicationError(
                _("The backup is incomplete: the file %(file)s is missing.") % {"file": rel}, {"file": str(rel)}
            )
        if path.stat().st_size != entry["size"] or sha256_of(path) != entry["sha256"]:
            raise ApplicationError(
                _("The backup has been changed since it was made: the file %(file)s does not match its checksum.")
                % {"file": rel},
                {"file": str(rel)},
            )
    for rel, _path in _tree_files(src):
        if str(rel) != MANIFEST and rel not in listed:
            raise ApplicationError(
                _("The backup has been changed since it was made: the file %(file)s is not in its manifest.")
                % {"file": rel},
                {"file": str(rel)},
            )
    db_file = PurePosixPath(manifest["database"].get("file", ""))
    if db_file not in listed:
        raise ApplicationError(_("The backup is incomplete: it has no database file."))
    return manifest


# --- restore --------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    source: Path
    manifest: dict[str, Any]
    files: int
    pending_migrations: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "created_at": self.manifest["created_at"],
            "powerkam_version": self.manifest["powerkam_version"],
            "engine": self.manifest["engine"],
            "files": self.files,
            "tables": self.manifest["database"]["tables"],
            "datasets": self.manifest["store"]["datasets"],
            "pending_migrations": self.pending_migrations,
        }


def _known_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _check_migrations(manifest: dict[str, Any]) -> list[str]:
    """Refuse a backup made by a newer PowerKAM; the migrations this one has beyond the backup's."""
    known = _known_migrations()
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    unknown = sorted(applied - known)
    if unknown:
        app, name = unknown[0]
        raise ApplicationError(
            _(
                "The backup was made by a newer PowerKAM (%(version)s) whose migration %(migration)s this one does "
                "not know; restore it with that version or a later one."
            )
            % {"version": manifest.get("powerkam_version"), "migration": f"{app}.{name}"}
        )
    return sorted(f"{app}.{name}" for app, name in known - applied)


def _nonempty_files(root: Path, *, skip_lock: bool = False) -> list[str]:
    return [str(rel) for rel, _path in _tree_files(root, skip_lock=skip_lock)]


def _check_empty(site: Site) -> None:
    problems = []
    if site.engine == "sqlite":
        name = str(site.database["NAME"])
        in_memory = name.startswith("file:") or name == ":memory:"
        if in_memory or Path(name).exists():
            con = _sqlite_connect(name)
            try:
                tables = _sqlite_tables(con)
            finally:
                con.close()
            if tables:
                problems.append(_("the database %(name)s has %(n)d tables") % {"name": name, "n": len(tables)})
            wal = Path(f"{name}-wal")
            if wal.exists() and wal.stat().st_size > 0:
                problems.append(_("the database %(name)s is in use (stop the server and the worker)") % {"name": name})
        if in_memory and not problems:
            raise ApplicationError(_("A backup is restored into a database file, not an in-memory database."))
    else:
        con = _pg_connect(site.database)
        try:
            with con.cursor() as cursor:
                tables = _pg_user_tables(cursor)
        finally:
            con.close()
        if tables:
            problems.append(
                _("the database %(name)s has %(n)d tables") % {"name": site.database.get("NAME"), "n": len(tables)}
            )
    if files := _nonempty_files(site.store_dir, skip_lock=True):
        problems.append(_("the store %(dir)s has %(n)d files") % {"dir": site.store_dir, "n": len(files)})
    if files := _nonempty_files(site.media_dir):
        problems.append(_("the uploads folder %(dir)s has %(n)d files") % {"dir": site.media_dir, "n": len(files)})
    if problems:
        raise ApplicationError(
            _(
                "A backup is restored into an empty PowerKAM only, so that nothing is overwritten: %(problems)s. "
                "Point POWERKAM_DATA_DIR at a new directory and DATABASE_URL at a new, empty database, then restore."
            )
            % {"problems": "; ".join(problems)}
        )


def _restore_files(src: Path, manifest: dict[str, Any], prefix: str, target: Path, created: list[Path]) -> None:
    for entry in manifest["files"]:
        rel = _safe_rel(str(entry["path"]))
        if rel.parts[0] != prefix:
            continue
        out = target / PurePosixPath(*rel.parts[1:])
        out.parent.mkdir(parents=True, exist_ok=True)
        created.append(out)
        shutil.copyfile(src / rel, out)
        shutil.copystat(src / rel, out)
        with out.open("rb") as fh:
            os.fsync(fh.fileno())
        if sha256_of(out) != entry["sha256"]:
            raise ApplicationError(
                _("The restored file %(file)s does not match the backup's checksum (disk problem?).") % {"file": out}
            )


def _restore_sqlite(src: Path, manifest: dict[str, Any], database: Mapping[str, Any]) -> dict[str, int]:
    entry = next(f for f in manifest["files"] if f["path"] == manifest["database"]["file"])
    name = str(database["NAME"])
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.restore-{os.getpid()}")
    try:
        shutil.copyfile(src / entry["path"], tmp)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        if sha256_of(tmp) != entry["sha256"]:
            raise ApplicationError(
                _("The restored file %(file)s does not match the backup's checksum (disk problem?).") % {"file": path}
            )
        for stale in (Path(f"{name}-wal"), Path(f"{name}-shm"), Path(f"{name}-journal")):
            stale.unlink(missing_ok=True)  # of the empty database replaced (checked empty and unused)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    con = _sqlite_connect(name, read_only=True)
    try:
        return _count_rows(con.cursor(), _sqlite_tables(con))
    finally:
        con.close()


def _restore_postgresql(src: Path, manifest: dict[str, Any], database: Mapping[str, Any]) -> dict[str, int]:
    dump = src / manifest["database"]["file"]
    _run_tool(
        [
            "pg_restore",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            "--no-password",
            f"--dbname={database.get('NAME')}",
            str(dump),
        ],
        database,
    )
    con = _pg_connect(database)
    try:
        with con.cursor() as cursor:
            return _count_rows(cursor, _pg_tables(cursor))
    finally:
        con.close()


def restore(src: Path, site: Site | None = None) -> RestoreResult:
    """Restore the backup *src* into the empty *site* (default: this PowerKAM), checked before and after."""
    site = site or Site.from_settings()
    src = Path(src).absolute()
    manifest = verify(src)
    if manifest["engine"] != site.engine:
        raise ApplicationError(
            _("The backup is of a %(backup)s database; this PowerKAM uses %(ours)s. Restore it into a %(backup)s one.")
            % {"backup": manifest["engine"], "ours": site.engine}
        )
    pending = _check_migrations(manifest)
    _check_empty(site)
    created: list[Path] = []
    try:
        with store_lock(site.store_dir):
            _restore_files(src, manifest, "store", site.store_dir, created)
            _restore_files(src, manifest, "media", site.media_dir, created)
            restore_db = _restore_sqlite if site.engine == "sqlite" else _restore_postgresql
            tables = restore_db(src, manifest, site.database)
    except BaseException as exc:
        # Only what this restore itself wrote into the empty site; the database restore is all or nothing.
        for path in created:
            path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _write_error(site.store_dir, exc) from exc
        raise
    for table, rows in manifest["database"]["tables"].items():
        if tables.get(table) != rows:
            raise ApplicationError(
                _("After the restore the table %(table)s has %(got)s rows, the backup %(rows)s.")
                % {"table": table, "got": tables.get(table), "rows": rows}
            )
    datasets = _dataset_rows(site.store_dir)
    for name, rows in manifest["store"]["datasets"].items():
        if datasets.get(name) != rows:
            raise ApplicationError(
                _("After the restore the store dataset %(name)s has %(got)s rows, the backup %(rows)s.")
                % {"name": name, "got": datasets.get(name), "rows": rows}
            )
    return RestoreResult(src, manifest, len(manifest["files"]), pending)


# --- nightly backups with retention --------------------------------------------------------------


def nightly_backup(
    backup_dir: Path | None = None, keep: int | None = None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """One backup into ``POWERKAM_BACKUP_DIR``, named by its UTC time, then only the newest
    ``POWERKAM_BACKUP_KEEP`` of them kept (older ones removed after the new one is complete)."""
    backup_dir = Path(backup_dir or settings.BACKUP_DIR or "")
    if not str(backup_dir) or str(backup_dir) == ".":
        raise ApplicationError(_("POWERKAM_BACKUP_DIR is not set; there is nowhere to put the nightly backup."))
    keep = settings.BACKUP_KEEP if keep is None else keep
    if keep < 1:
        raise ApplicationError(_("POWERKAM_BACKUP_KEEP must be at least 1, not %(keep)s.") % {"keep": keep})
    stamp = (now or timezone.now()).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    result = backup(backup_dir / f"{NIGHTLY_PREFIX}{stamp}")
    removed = prune(backup_dir, keep)
    return {**result.as_dict(), "removed": [str(p) for p in removed], "kept": keep}


def prune(backup_dir: Path, keep: int) -> list[Path]:
    """Remove all but the *keep* newest nightly backups (and partial ones of dead processes); those removed."""
    removed = []
    complete = sorted(
        p for p in backup_dir.iterdir() if p.is_dir() and _NIGHTLY.match(p.name) and (p / MANIFEST).is_file()
    )
    for old in complete[:-keep]:
        shutil.rmtree(old)
        removed.append(old)
    for partial in backup_dir.glob(f".{NIGHTLY_PREFIX}*.partial-*"):
        pid = partial.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(partial, ignore_errors=True)
            removed.append(partial)
    return removed
