"""Django settings for PowerKAM.

Everything comes from environment variables with safe local defaults, so that
``make demo`` works on a fresh machine and production is configured without code:

- ``POWERKAM_DATA_DIR``   where the SQLite file and the analytics store live (default ``./var``)
- ``DATABASE_URL``        the CRM database (default: SQLite in the data dir; PostgreSQL in production)
- ``POWERKAM_SECRET_KEY`` required when ``POWERKAM_DEBUG`` is off (production refuses to start without it)
- ``POWERKAM_DEBUG``      ``1``/``true`` for development (default on only for the embedded demo set-up)
- ``POWERKAM_ALLOWED_HOSTS`` comma-separated host names (default ``127.0.0.1,localhost``)
- ``POWERKAM_EMAIL_URL``-style settings: ``POWERKAM_SMTP_HOST``/``POWERKAM_SMTP_PORT`` switch mail from the
  console to SMTP.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("POWERKAM_DATA_DIR", "var")).resolve()
ANALYTICS_DIR = DATA_DIR / "store"
# The embedded defaults must work on a fresh checkout: make sure the data directory exists.
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = _env_bool("POWERKAM_DEBUG", default=False)
_secret = os.environ.get("POWERKAM_SECRET_KEY", "")
if not _secret:
    if not DEBUG and not _env_bool("POWERKAM_ALLOW_INSECURE_KEY", default=False):
        raise ImproperlyConfigured(
            "POWERKAM_SECRET_KEY is not set. Set it to a long random string in production, "
            "or set POWERKAM_DEBUG=1 for a local development set-up."
        )
    _secret = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = _secret

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("POWERKAM_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "template_partials",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "powerkam.core",
    "powerkam.staff",
    "powerkam.accounts",
    "powerkam.grid",
    "powerkam.visits",
    "powerkam.prospects",
    "powerkam.imports",
    "powerkam.workdays",
    "powerkam.grading",
    "powerkam.demo",
    "powerkam.service",
    "powerkam.outages",
    "powerkam.insights",
    "powerkam.api",
    "powerkam.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "powerkam.urls"
WSGI_APPLICATION = "powerkam.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'powerkam.sqlite3'}"),
        conn_max_age=int(os.environ.get("POWERKAM_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a worker or an import writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache for all of ``powerkam serve``'s processes and the worker (files in the data dir): counts,
# filter choices and the overview's figures are computed once, not once per process as with Django's
# default per-process memory cache. Several web servers on different machines need a shared backend.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise serves from finders in development; the folder must exist
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("POWERKAM_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

_smtp_host = os.environ.get("POWERKAM_SMTP_HOST", "")
if _smtp_host:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _smtp_host
    EMAIL_PORT = int(os.environ.get("POWERKAM_SMTP_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("POWERKAM_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("POWERKAM_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = _env_bool("POWERKAM_SMTP_TLS", default=False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("POWERKAM_FROM_EMAIL", "powerkam@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("POWERKAM_LOG_LEVEL", "WARNING")},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = False
    X_FRAME_OPTIONS = "DENY"
