"""``powerkam restore SRC``: restore a backup made by ``powerkam backup`` into this (empty) PowerKAM,
checking every file's checksum before and after (docs/deployment.md, "Backup and restore").

``--check`` only verifies the backup against its manifest and restores nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.db import connections
from django.utils.translation import gettext as _

from powerkam.core.backup import restore, verify
from powerkam.core.commands import PowerKAMCommand


class Command(PowerKAMCommand):
    help = (
        "Restore a backup (a directory made by 'powerkam backup') into this PowerKAM, whose database, store "
        "and uploads must be empty. --check only verifies the backup's checksums."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("src", type=Path, help="the backup directory")
        parser.add_argument("--check", action="store_true", help="only verify the backup; restore nothing")

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        if options["check"]:
            manifest = verify(options["src"])
            return {
                "source": str(options["src"]),
                "verified": True,
                "created_at": manifest["created_at"],
                "powerkam_version": manifest["powerkam_version"],
                "engine": manifest["engine"],
                "files": len(manifest["files"]),
            }
        connections.close_all()  # nothing of this process holds the database being replaced
        return restore(options["src"]).as_dict()

    def render_text(self, result: dict[str, Any]) -> str:
        if result.get("verified"):
            return (
                _("The backup %(source)s of %(created_at)s is intact: %(files)d files match their checksums.") % result
            )
        lines = [
            _(
                "Restored the backup of %(created_at)s (PowerKAM %(powerkam_version)s): %(files)d files, "
                "checked before and after."
            )
            % result
        ]
        if result["pending_migrations"]:
            lines.append(
                _("This PowerKAM is newer than the backup: run 'powerkam migrate' now (%(n)d migrations).")
                % {"n": len(result["pending_migrations"])}
            )
        return "\n".join(lines)
