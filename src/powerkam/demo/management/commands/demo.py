"""``powerkam demo build`` and ``powerkam demo logins``: the demo province."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from powerkam.core.commands import PowerKAMCommand
from powerkam.demo.selectors import demo_logins
from powerkam.demo.services import demo_build


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(_("expected a date YYYY-MM-DD")) from exc


def _positive(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(_("must not be negative"))
    return number


class Command(PowerKAMCommand):
    help = _("The demo province: build it (generate realistic extracts and import them) or list its logins.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{build,logins}")
        build = actions.add_parser("build", help=_("Generate the demo province's files and import them."))
        build.add_argument(
            "--customers", type=_positive, default=20_000, help=_("Number of customers (default 20,000).")
        )
        build.add_argument("--seed", type=int, default=2026, help=_("Random seed: the same seed gives the same files."))
        build.add_argument("--months", type=_positive, default=36, help=_("Months of billing (default 36)."))
        build.add_argument(
            "--load-months",
            type=_positive,
            default=2,
            help=_("Months of 15-minute loads for customers at 10 kV and above (default 2; 0 for none)."),
        )
        build.add_argument(
            "--load-customers",
            type=_positive,
            default=5_000,
            help=_(
                "At most this many customers get 15-minute loads: important users first, then the largest "
                "(default 5,000)."
            ),
        )
        build.add_argument(
            "--out", type=Path, default=None, help=_("Where to write the files (default DATA_DIR/demo).")
        )
        build.add_argument("--today", type=_date, default=None, help=_("Pretend today is this date (default: today)."))
        build.add_argument(
            "--if-missing",
            action="store_true",
            help=_("Do nothing if the demo is already built in this data directory."),
        )
        logins = actions.add_parser("logins", help=_("List the demo logins and their password."))
        for sub in (build, logins):
            # Accept --format after the action too (`powerkam demo build --format json`).
            sub.add_argument("--format", choices=["text", "json"], default=argparse.SUPPRESS)

    def run(self, *args: Any, **options: Any) -> Any:
        if options["action"] == "logins":
            return {"action": "logins", "logins": demo_logins()}
        progress = None if options.get("format") == "json" else self._progress
        result = demo_build(
            customers=options["customers"],
            seed=options["seed"],
            months=options["months"],
            load_months=options["load_months"],
            load_customers=options["load_customers"],
            out_dir=options["out"],
            today=options["today"],
            if_missing=options["if_missing"],
            progress=progress,
        )
        return {"action": "build", **result.as_dict()}

    def _progress(self, message: str) -> None:
        self.stderr.write(message)

    def render_text(self, result: dict[str, Any]) -> str:
        if result["action"] == "logins":
            return self._logins_table(result["logins"])
        if not result["built"]:
            return _("The demo province is already built in %(dir)s; nothing to do.") % {"dir": result["data_dir"]}
        rows = result["rows"]
        lines = [
            _("Demo province built in %(seconds)s s: %(customers)s customers, billing %(first)s … %(last)s.")
            % {
                "seconds": result["seconds"].get("total"),
                "customers": f"{rows.get('customers', 0):,}",
                "first": result["periods"][0],
                "last": result["periods"][-1],
            },
            _("Files: %(dir)s") % {"dir": result["files_dir"]},
        ]
        width = max(len(k) for k in rows)
        lines += [f"  {kind:<{width}}  {count:>12,}" for kind, count in rows.items()]
        lines.append(_("Logins: run `powerkam demo logins`."))
        return "\n".join(lines)

    @staticmethod
    def _logins_table(logins: list[dict[str, Any]]) -> str:
        headers = (_("username"), pgettext("person", "name"), _("role"), _("password"))
        keys = ("username", "name", "role", "password")
        table = [headers, *[tuple(str(row[k]) for k in keys) for row in logins]]

        def width(text: str) -> int:  # CJK characters take two columns in a terminal
            return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

        widths = [max(width(row[i]) for row in table) for i in range(len(keys))]
        lines = []
        for n, row in enumerate(table):
            lines.append("  ".join(cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(row)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)
