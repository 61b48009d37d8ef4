"""The worker's nightly job (registered at ``POWERKAM_NIGHTLY_AT``, :mod:`powerkam.nightly.apps`)."""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

from powerkam.nightly.services import nightly_run

log = logging.getLogger(__name__)


@task()
def nightly() -> dict[str, Any]:
    """The whole nightly pipeline; its report (also kept as a NightlyRun). Progress goes to the log."""
    return nightly_run(trigger="schedule", progress=log.info).as_dict()
