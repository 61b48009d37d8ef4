"""Import pick-up: the extracts the data office drops into the incoming folder, imported in order.

The folder is ``POWERKAM_INCOMING_DIR`` (default ``$POWERKAM_DATA_DIR/incoming``). Each file's kind
is read from its name (:func:`kind_of`): the name, lower-cased and without its extension, is a kind
of the data contract or begins with one followed by ``-``, ``_``, ``.`` or a space
(``billing-2026-11.csv``, ``payments_2026-11.xlsx``, ``Customers 2026-11.parquet``). Files are
imported with the importer (:func:`powerkam.imports.services.import_file`: all rows or none, settled
incrementally) in the order of :data:`ORDER` (customers before billing before payments …), by name
within a kind (``billing-2026-10`` before ``billing-2026-11``).

An imported file moves to ``incoming/done/DAY/``; a refused one (or one whose kind the name does not
say) to ``incoming/rejected/DAY/`` with ``NAME.problems.txt`` beside it (the headline and every
problem named by row and column). Nothing is ever deleted: a name already taken there gets a
suffix (``billing-2026-11.1.csv``). Hidden files, ``*.part``/``*.tmp`` and files changed less than
``POWERKAM_INCOMING_QUIET_SECONDS`` ago (still being copied) are left for the next run.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext

from powerkam.analytics.io.contract import KINDS
from powerkam.core.errors import ApplicationError

#: The order files are imported in: what others refer to first (staff before the customers'
#: managers, feeders before customers, customers before billing before payments, CRM accounts
#: before assignments and visits); the other kinds after, in the contract's order.
_FIRST = ("staff", "feeders", "customers", "billing", "payments", "loads", "outages", "assignments", "visits")
ORDER: tuple[str, ...] = _FIRST + tuple(k for k in KINDS if k not in _FIRST)
EXTENSIONS = (".csv", ".xlsx", ".parquet")
DONE, REJECTED = "done", "rejected"
REPORT_SUFFIX = ".problems.txt"
_SEPARATORS = "-_. "
#: Names left alone: hidden files, files still being written by a copy that renames at the end.
_IGNORED = re.compile(r"^\.|\.(part|tmp|crdownload)$|~$", re.IGNORECASE)


def incoming_dir() -> Path:
    return Path(settings.INCOMING_DIR)


def kind_of(name: str) -> str | None:
    """The contract kind a file's name says (longest kind first), or None."""
    stem, ext = os.path.splitext(name.lower())
    if ext not in EXTENSIONS:
        return None
    for kind in sorted(KINDS, key=len, reverse=True):
        if stem == kind or (stem.startswith(kind) and stem[len(kind)] in _SEPARATORS):
            return kind
    return None


@dataclass
class PickedFile:
    file: str
    kind: str | None
    #: imported · rejected · waiting (changed too recently) · left (an error of PowerKAM's, not the file's)
    status: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    moved_to: str = ""
    report: str = ""
    problem: str = ""
    problems: int = 0
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def pending(folder: Path | None = None, *, now: float | None = None) -> tuple[list[Path], list[Path]]:
    """The files to import now, in import order, and those changed too recently (left for later)."""
    folder = folder or incoming_dir()
    if not folder.is_dir():
        return [], []
    now = time.time() if now is None else now
    quiet = int(getattr(settings, "INCOMING_QUIET_SECONDS", 300))
    ready: list[Path] = []
    waiting: list[Path] = []
    for path in folder.iterdir():
        if not path.is_file() or _IGNORED.search(path.name):
            continue
        (waiting if now - path.stat().st_mtime < quiet else ready).append(path)

    def order(path: Path) -> tuple[int, str]:
        kind = kind_of(path.name)
        return (ORDER.index(kind) if kind in ORDER else len(ORDER), path.name)

    return sorted(ready, key=order), sorted(waiting, key=lambda p: p.name)


def _free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or with a number before the extension when that is taken (never overwrite)."""
    target = folder / name
    stem, ext = os.path.splitext(name)
    n = 1
    while target.exists() or (folder / (target.name + REPORT_SUFFIX)).exists():
        target = folder / f"{stem}.{n}{ext}"
        n += 1
    return target


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_name(folder, path.name)
    shutil.move(str(path), target)
    return target


def _write_report(target: Path, headline: str, lines: list[str]) -> Path:
    report = target.with_name(target.name + REPORT_SUFFIX)
    report.write_text("\n".join([headline, "", *lines]) + "\n", encoding="utf-8")
    return report


def reject(path: Path, day: dt.date, headline: str, lines: list[str], *, folder: Path | None = None) -> PickedFile:
    """Move a refused file to ``rejected/DAY/`` with its problem report beside it."""
    folder = folder or incoming_dir()
    target = _move(path, folder / REJECTED / day.isoformat())
    report = _write_report(target, headline, lines)
    return PickedFile(
        file=path.name,
        kind=kind_of(path.name),
        status="rejected",
        moved_to=str(target),
        report=str(report),
        problem=headline,
        problems=max(1, len(lines)),
    )


def pick_up(
    day: dt.date,
    *,
    folder: Path | None = None,
    on_file: Callable[[PickedFile], None] | None = None,
    now: float | None = None,
) -> list[PickedFile]:
    """Import every file waiting in the incoming folder, in order; what became of each.

    A file the importer refuses (or whose kind its name does not say) is rejected and the next file
    is tried: each file lands whole or not at all on its own. An unexpected error (the database or
    the disk, not the file) leaves that file where it is for the next run and is raised: the files
    after it are not tried, as they may depend on it.
    """
    from powerkam.imports.messages import line, problem_rows, refusal_message
    from powerkam.imports.services import ImportRefused, import_file

    folder = folder or incoming_dir()
    for sub in ("", DONE, REJECTED):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    ready, waiting = pending(folder, now=now)
    done: list[PickedFile] = []

    def record(item: PickedFile) -> None:
        done.append(item)
        if on_file:
            on_file(item)

    for path in ready:
        kind = kind_of(path.name)
        if kind is None:
            record(
                reject(
                    path,
                    day,
                    gettext(
                        "{file}: the name does not say what the file holds. Name it after its kind, "
                        "e.g. billing-2026-11.csv (kinds: {kinds}; .csv, .xlsx or .parquet)."
                    ).format(file=path.name, kinds=", ".join(ORDER)),
                    [],
                    folder=folder,
                )
            )
            continue
        started = time.perf_counter()
        try:
            report = import_file(kind=kind, path=path)
        except ImportRefused as exc:
            problems = problem_rows(exc.errors)
            lines = [line(p) for p in problems]
            if exc.error_count > len(problems):
                lines.append(gettext("… and {count} more").format(count=exc.error_count - len(problems)))
            item = reject(path, day, refusal_message(exc), lines, folder=folder)
            item.problems = max(exc.error_count, 1)
        except ApplicationError as exc:  # e.g. a file too large or unreadable: the file's problem
            item = reject(path, day, f"{path.name}: {exc.message}", [], folder=folder)
        else:
            target = _move(path, folder / DONE / day.isoformat())
            item = PickedFile(
                file=path.name,
                kind=kind,
                status="imported",
                rows=report.rows,
                inserted=report.inserted,
                updated=report.updated,
                unchanged=report.unchanged,
                moved_to=str(target),
                warnings=list(report.warnings),
            )
        item.seconds = round(time.perf_counter() - started, 2)
        record(item)
    for path in waiting:
        record(PickedFile(file=path.name, kind=kind_of(path.name), status="waiting"))
    return done
