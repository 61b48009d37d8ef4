"""Loaded as a pytest plugin (``-p tests.environment``) before Django is set up.

Tests run with a throw-away data directory and a test secret key, never against the
developer's ./var; every xdist worker gets its own data directory.
"""

from __future__ import annotations

import os
import tempfile

os.environ["POWERKAM_DATA_DIR"] = tempfile.mkdtemp(prefix="powerkam-test-")
os.environ.setdefault("POWERKAM_SECRET_KEY", "test-secret-key-not-for-production-" + "0123456789abcdef" * 2)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
