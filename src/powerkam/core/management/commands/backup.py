"""``powerkam backup DEST``: one consistent backup of the CRM database, the analytics store and the
uploads into the new directory DEST (docs/deployment.md, "Backup and restore").

``powerkam backup --nightly DIR`` (the systemd timer's command) writes a new backup named by its time
inside DIR and keeps only the newest ``--keep`` (``POWERKAM_BACKUP_KEEP``, 7) of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from powerkam.core.backup import backup, nightly_backup
from powerkam.core.commands import PowerKAMCommand


class Command(PowerKAMCommand):
    help = (
        "Back up the CRM database, the analytics store and the uploads, as of one moment, into the new "
        "directory DEST (with a manifest.json of checksums and row counts)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dest", type=Path, help="a new (or empty) directory for the backup")
        parser.add_argument(
            "--nightly",
            action="store_true",
            help="DEST is the folder of backups: write a new one named by its time and keep only the newest",
        )
        parser.add_argument("--keep", type=int, default=None, help="with --nightly: how many to keep")

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        if options["nightly"]:
            return nightly_backup(options["dest"], keep=options["keep"])
        return backup(options["dest"]).as_dict()

    def render_text(self, result: dict[str, Any]) -> str:
        return _(
            "Backup written to %(path)s: %(files)d files, %(mb).1f MB, %(tables)d tables, %(datasets)d store datasets."
        ) % {
            "path": result["path"],
            "files": result["files"],
            "mb": result["bytes"] / 1e6,
            "tables": len(result["tables"]),
            "datasets": len(result["datasets"]),
        }
