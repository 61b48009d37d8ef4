"""The ``powerkam`` console script: Django's management commands with PowerKAM's settings.

``powerkam serve`` is an alias for ``runserver`` bound to 127.0.0.1:8000 by default.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "powerkam.settings")
    args = list(sys.argv if argv is None else argv)
    args[0] = "powerkam"
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
