"""``powerkam grade --period YYYY-MM``: identify and grade the key accounts of the whole customer base.

Reads the analytics store at ``settings.ANALYTICS_DIR``, keeps the run in the CRM (with the
rules used), updates the accounts, and with ``--output`` writes one row per customer evaluated.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from powerkam.analytics.grading_backends import BACKENDS, configured_backend
from powerkam.analytics.grading_reasons import normalise_language
from powerkam.core.commands import PowerKAMCommand
from powerkam.core.errors import ApplicationError
from powerkam.grading.selectors import run_figures
from powerkam.grading.services import check_output_path, grading_run_create, grading_run_execute


class Command(PowerKAMCommand):
    help = "Identify and grade the key accounts for a billing period (docs/rules.md §1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="Billing period to grade, YYYY-MM (e.g. 2026-10).")
        parser.add_argument("--rules", type=Path, help="TOML file overriding thresholds and weights.")
        parser.add_argument(
            "--backend",
            choices=BACKENDS,
            help="Analytics engine (default: POWERKAM_ANALYTICS_BACKEND, else duckdb).",
        )
        parser.add_argument(
            "--output", type=Path, help="Write every customer's result to this .csv/.parquet/.json file."
        )
        parser.add_argument(
            "--lang", choices=["zh", "en"], help="Language of the reasons in --output (default: the site language)."
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Replace the current grades even if the period is older than the roster's; without it such a "
            "run is a what-if (kept and compared, not published).",
        )
        parser.add_argument(
            "--by",
            help="Username of the person starting the run (a supervisor or administrator); without it the run is "
            "the installation administrator's.",
        )

    def run(self, *args: Any, **options: Any) -> dict[str, Any]:
        rules_path: Path | None = options.get("rules")
        rules_text = None
        if rules_path is not None:
            try:
                rules_text = rules_path.read_text(encoding="utf-8")
            except FileNotFoundError as exc:
                raise ApplicationError(_("The rules file %(path)s does not exist.") % {"path": rules_path}) from exc
            except (OSError, UnicodeDecodeError) as exc:
                raise ApplicationError(
                    _("The rules file %(path)s cannot be read: %(error)s") % {"path": rules_path, "error": exc}
                ) from exc
        output: Path | None = options.get("output")
        if output is not None:
            check_output_path(output)
        by = None
        if options.get("by"):
            by = User.objects.filter(username=options["by"]).first()
            if by is None:
                raise ApplicationError(_("There is no user '%(username)s'.") % {"username": options["by"]})

        started = time.monotonic()
        run = grading_run_create(
            period=options["period"],
            rules_text=rules_text,
            rules_source=str(rules_path) if rules_path else "",
            # An unknown engine in the environment is refused by the service, in the user's language.
            backend=options["backend"] or configured_backend(),
            by=by,
            publish=options["publish"],
        )
        lang = options.get("lang") or normalise_language(settings.LANGUAGE_CODE)
        run = grading_run_execute(run=run, output=output, lang=lang)
        return {
            "run": run.pk,
            **run_figures(run),
            "as_of": run.as_of,
            "backend": run.backend,
            "status": run.status,
            "rules_sha256": run.rules_sha256,
            "rules_source": run.rules_source,
            "what_if": run.what_if,
            "published": not run.what_if,
            "compared_with": run.compared_with_id,
            "compared_with_period": run.compared_with.period if run.compared_with else None,
            "baseline": run.baseline,
            "output": str(output) if output else None,
            "seconds": round(time.monotonic() - started, 2),
        }

    def render_text(self, result: dict[str, Any]) -> str:
        lines = [
            _("Grading run #%(run)s for %(period)s (as of %(as_of)s, %(backend)s): %(status)s") % result,
            _("%(customers)s customers evaluated, %(keys)s key accounts (A %(a)s · B %(b)s · C %(c)s)")
            % {
                "customers": result["customers_evaluated"],
                "keys": result["key_accounts"],
                "a": result["grades"]["A"],
                "b": result["grades"]["B"],
                "c": result["grades"]["C"],
            },
            _("Since the previous run: %(joined)s joined, %(left)s left, %(went_up)s up, %(went_down)s down") % result,
        ]
        if result["compared_with"]:
            lines[-1] = _(
                "Since the previous period (%(period)s, run #%(run)s): %(joined)s joined, %(left)s left, "
                "%(went_up)s up, %(went_down)s down"
            ) % {**result, "period": result["compared_with_period"], "run": result["compared_with"]}
        elif result["baseline"] == "nothing":
            lines[-1] = _("No earlier period graded: every key account counts as joined (%(joined)s).") % result
        if result["what_if"]:
            lines.append(
                _(
                    "What-if: %(period)s is older than the roster's period, so the result is kept and compared but "
                    "not published; the accounts' grades did not change. Run again with --publish to publish it."
                )
                % result
            )
        if result["accounts_created"]:
            lines.append(_("%(n)s new key accounts added to the CRM") % {"n": result["accounts_created"]})
        if result["output"]:
            lines.append(_("Results written to %(output)s") % result)
        return "\n".join(lines)
