"""Production settings without holes: a real secret key or no start, HTTPS flags, and `check --deploy` clean.

Each case starts a real Python process with the environment an operator would set (docs/deployment.md).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

GOOD_KEY = secrets.token_urlsafe(50)


def run(code: str, env_extra: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POWERKAM_") and k != "DATABASE_URL"}
    env.update({"POWERKAM_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "powerkam.settings", **env_extra})
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False, timeout=120
    )


SETUP = "import django, json; django.setup(); from django.conf import settings as s; "


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"POWERKAM_ALLOW_INSECURE_KEY": "1"}, "is not set"),
        ({"POWERKAM_SECRET_KEY": "insecure-local-development-key-do-not-use-in-production"}, "publicly known"),
        ({"POWERKAM_SECRET_KEY": "django-insecure-" + "x1y2z3" * 10}, "publicly known"),
        ({"POWERKAM_SECRET_KEY": "short-but-not-empty"}, "too short"),
        ({"POWERKAM_SECRET_KEY": "ab" * 40}, "too simple"),
    ],
)
def test_production_refuses_an_insecure_key(env: dict[str, str], reason: str, tmp_path: Path) -> None:
    result = run(SETUP + "print(s.DEBUG)", env, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert reason in result.stderr


def test_debug_keeps_the_development_key_and_production_takes_a_real_one(tmp_path: Path) -> None:
    debug = run(SETUP + "print(s.SECRET_KEY)", {"POWERKAM_DEBUG": "1"}, tmp_path)
    assert debug.returncode == 0, debug.stderr
    assert "insecure" in debug.stdout
    production = run(SETUP + "print(s.SECRET_KEY)", {"POWERKAM_SECRET_KEY": GOOD_KEY}, tmp_path)
    assert production.returncode == 0, production.stderr
    assert production.stdout.strip() == GOOD_KEY


FLAGS = (
    "print(json.dumps({k: getattr(s, k, None) for k in ['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_PROXY_SSL_HEADER']}))"
)


def test_https_turns_on_secure_cookies_hsts_and_the_redirect(tmp_path: Path) -> None:
    plain = run(SETUP + FLAGS, {"POWERKAM_SECRET_KEY": GOOD_KEY}, tmp_path)
    assert plain.returncode == 0, plain.stderr
    flags = json.loads(plain.stdout)
    assert flags["SESSION_COOKIE_SECURE"] is False
    assert flags["SECURE_SSL_REDIRECT"] is False
    assert flags["SECURE_HSTS_SECONDS"] == 0
    assert flags["SECURE_PROXY_SSL_HEADER"] is None

    https = run(
        SETUP + FLAGS, {"POWERKAM_SECRET_KEY": GOOD_KEY, "POWERKAM_HTTPS": "1", "POWERKAM_BEHIND_PROXY": "1"}, tmp_path
    )
    assert https.returncode == 0, https.stderr
    flags = json.loads(https.stdout)
    assert flags["SESSION_COOKIE_SECURE"] is True
    assert flags["CSRF_COOKIE_SECURE"] is True
    assert flags["SECURE_SSL_REDIRECT"] is True
    assert flags["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert flags["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert flags["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def powerkam_check_deploy(env_extra: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # Nothing of the test run's own environment (tests/environment.py sets DJANGO_ALLOW_ASYNC_UNSAFE).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POWERKAM_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update({"POWERKAM_DATA_DIR": str(tmp_path), **env_extra})
    return subprocess.run(
        [sys.executable, "-m", "powerkam.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


#: The production environment of docs/deployment.md, "Security settings".
PRODUCTION_ENV = {
    "POWERKAM_SECRET_KEY": GOOD_KEY,
    "POWERKAM_ALLOWED_HOSTS": "kam.example.com",
    "POWERKAM_HTTPS": "1",
    "POWERKAM_BEHIND_PROXY": "1",
}


@pytest.mark.slow
def test_check_deploy_reports_no_issue_with_the_production_settings(tmp_path: Path) -> None:
    result = powerkam_check_deploy(PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.slow
def test_check_deploy_flags_plain_http(tmp_path: Path) -> None:
    """The same check does see the holes when HTTPS is off (so the clean run above means something)."""
    result = powerkam_check_deploy({**PRODUCTION_ENV, "POWERKAM_HTTPS": "0"}, tmp_path)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in output
