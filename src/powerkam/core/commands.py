"""Base class for PowerKAM management commands.

Every command that prints results takes ``--format text|json``. Domain errors
(:class:`~powerkam.core.errors.ApplicationError`) become a clear message on stderr and a
non-zero exit code; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import sys
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from powerkam.core.errors import ApplicationError


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if hasattr(value, "__str__"):
        return str(value)
    raise TypeError(type(value))


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)


class PowerKAMCommand(BaseCommand):
    """A command with ``--format`` and clean error handling.

    Subclasses implement :meth:`run`, returning the result (a JSON-able structure) and
    :meth:`render_text` for the human form.
    """

    exit_code_on_error = 1
    #: Django's system checks load every URL, view and admin (about 2 s) before a command answers; they
    #: run in ``powerkam check``, ``migrate`` and the web server, not before each domain command.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help="Output format (text for people, json for scripts).",
        )
        if "--lang" not in parser._option_string_actions:  # import and grade have their own --lang
            parser.add_argument(
                "--lang",
                choices=["zh", "en"],
                default=None,
                help="Language of the text output and messages (default: the site language, Chinese).",
            )
        return parser

    def subcommands(self, parser: CommandParser) -> Callable[[str, str], argparse.ArgumentParser]:
        """A command made of actions (``powerkam calendar add-workdays …``): returns ``sub(name, help)``,
        which adds an action whose own parser also takes ``--format`` and ``--lang`` after the action's
        name (``calendar status --format json``); the chosen action is ``options["action"]``."""
        subparsers = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        def sub(name: str, help_text: str) -> argparse.ArgumentParser:
            action = subparsers.add_parser(name, help=help_text, description=help_text)
            action.add_argument("--format", choices=["text", "json"], default=argparse.SUPPRESS, help="Output format.")
            action.add_argument(
                "--lang", choices=["zh", "en"], default=argparse.SUPPRESS, help="Language of the output."
            )
            return action

        return sub

    def run(self, *args: Any, **options: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def render_text(self, result: Any) -> str:
        return str(result)

    def emit(self, result: Any, fmt: str) -> None:
        if fmt == "json":
            self.stdout.write(to_json(result))
        else:
            text = self.render_text(result)
            if text:
                self.stdout.write(text)

    def handle(self, *args: Any, **options: Any) -> None:
        """Run in the language asked for (``--lang zh|en``), else the site language, as the web pages do."""
        lang = options.get("lang")
        if not lang:  # the language already active: the site's, or the one a command chose (import: LANG)
            self._handle(*args, **options)
            return
        with translation.override({"zh": "zh-hans"}.get(str(lang), str(lang))):
            self._handle(*args, **options)

    def _handle(self, *args: Any, **options: Any) -> None:
        fmt = options.get("format", "text")
        try:
            result = self.run(*args, **options)
        except ApplicationError as exc:
            if fmt == "json":
                self.stdout.write(to_json({"error": exc.message, **exc.extra}))
            self.stderr.write(self.style.ERROR(exc.message))
            sys.exit(self.exit_code_on_error)
        except CommandError:
            raise
        self.emit(result, fmt)
