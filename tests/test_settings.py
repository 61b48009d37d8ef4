import os
import subprocess
import sys


def _run_settings(env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POWERKAM_")}
    env.update(env_extra)
    env["DJANGO_SETTINGS_MODULE"] = "powerkam.settings"
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)


def test_production_refuses_to_start_without_a_secret_key():
    result = _run_settings({})
    assert result.returncode != 0
    assert "POWERKAM_SECRET_KEY is not set" in result.stderr


def test_debug_mode_starts_without_a_secret_key():
    result = _run_settings({"POWERKAM_DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_database_url_selects_postgresql():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])",
        ],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "powerkam.settings",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr
