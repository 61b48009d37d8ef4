"""Django settings for PowerKAM.

Everything comes from environment variables with safe local defaults, so that
``make demo`` works on a fresh machine and production is configured without code:

- ``POWERKAM_DATA_DIR``   where the SQLite file and the analytics store live (default ``./var``)
- ``DATABASE_URL``        the CRM database (default: SQLite in the data dir; PostgreSQL in production)
- ``POWERKAM_SECRET_KEY`` required when ``POWERKAM_DEBUG`` is off: production refuses to start without it
  or with a short or publicly known key (at least 50 characters, e.g. ``python3 -c "import secrets;
  print(secrets.token_urlsafe(50))"``)
- ``POWERKAM_DEBUG``      ``1``/``true`` for development (default on only for the embedded demo set-up)
- ``POWERKAM_ALLOWED_HOSTS`` comma-separated host names (default ``127.0.0.1,localhost``)
- ``POWERKAM_HTTPS``       ``1`` behind HTTPS: Secure cookies, HSTS, redirect to https (docs/deployment.md)
- ``POWERKAM_BEHIND_PROXY`` ``1`` when nginx (or another reverse proxy) is in front: the client's address is
  read from ``X-Forwarded-For`` and the scheme from ``X-Forwarded-Proto``, which the proxy must set
- ``POWERKAM_EMAIL_URL``-style settings: ``POWERKAM_SMTP_HOST``/``POWERKAM_SMTP_PORT`` switch mail from the
  console to SMTP.
"""

from __future__ import annotations

import os
from datetime import timedelta
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
#: How many versions of each store dataset are kept for rollback (the newest; docs/data-formats.md).
STORE_KEEP_VERSIONS = max(1, int(os.environ.get("POWERKAM_STORE_KEEP_VERSIONS", "12")))
# The embedded defaults must work on a fresh checkout: make sure the data directory exists.
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = _env_bool("POWERKAM_DEBUG", default=False)

#: The development key: public (it is in this file), so production refuses it.
_DEVELOPMENT_KEY = "insecure-local-development-key-do-not-use-in-production"
#: Django's own threshold for a key that is not "weak" (security.W009).
SECRET_KEY_MIN_LENGTH = 50


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` must not sign production sessions, or None when it is fit."""
    if not key:
        return "POWERKAM_SECRET_KEY is not set."
    if key == _DEVELOPMENT_KEY or key.startswith("django-insecure") or "insecure" in key.lower():
        return "POWERKAM_SECRET_KEY is a publicly known development key."
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < 5:
        return (
            f"POWERKAM_SECRET_KEY is too short or too simple: use at least {SECRET_KEY_MIN_LENGTH} random characters."
        )
    return None


_secret = os.environ.get("POWERKAM_SECRET_KEY", "")
if not DEBUG:
    # No escape hatch: production runs only with a real key (issue 14).
    _problem = secret_key_problem(_secret)
    if _problem:
        raise ImproperlyConfigured(
            f"{_problem} Set it to a long random string in production "
            '(python3 -c "import secrets; print(secrets.token_urlsafe(50))"), '
            "or set POWERKAM_DEBUG=1 for a local development set-up."
        )
elif not _secret:
    _secret = _DEVELOPMENT_KEY
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
    "axes",
    "csp",
    "ninja",
    "template_partials",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "powerkam.core",
    "powerkam.audit",
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
    "powerkam.renewables",
    "powerkam.api",
    "powerkam.web",
    "powerkam.nightly",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Records downloads (exports) in the audit log; after authentication so it knows who.
    "powerkam.audit.middleware.AuditMiddleware",
    # django-axes turns a locked-out log-in into its answer (429); it must come last.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out user name + address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "powerkam.audit.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
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
                "powerkam.web.context_processors.may",
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
        "BACKEND": "powerkam.core.cache.FileCache",
        "LOCATION": str(DATA_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Log-in throttling (django-axes) on every way in: the log-in page, the admin's and API tokens
# (powerkam.api.auth). A user name is locked from one address after AXES_FAILURE_LIMIT failures in a
# row, for AXES_COOLOFF_TIME; other addresses (a colleague behind the same office NAT) are not affected
# for other user names. Failures are kept in the database, so every server process sees them.
AXES_FAILURE_LIMIT = int(os.environ.get("POWERKAM_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("POWERKAM_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
#: A try while locked out does not restart the cool-off, so the message's "in N minutes" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
#: Successful log-ins are in PowerKAM's own audit log (powerkam.audit); axes keeps the failures only.
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "powerkam.audit.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "powerkam.audit.client.client_ip"
AXES_VERBOSE = False

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

# Nightly backup by the worker (docs/deployment.md): off unless POWERKAM_BACKUP_DIR is set; the newest
# POWERKAM_BACKUP_KEEP backups are kept.
BACKUP_DIR = Path(os.environ["POWERKAM_BACKUP_DIR"]).resolve() if os.environ.get("POWERKAM_BACKUP_DIR") else None
BACKUP_KEEP = int(os.environ.get("POWERKAM_BACKUP_KEEP", "7"))

# The nightly pipeline (docs/deployment.md, "The nightly run"): ``powerkam nightly`` by hand or from
# cron; the worker runs it every night at POWERKAM_NIGHTLY_AT (HH:MM local time; unset: not scheduled).
NIGHTLY_AT = os.environ.get("POWERKAM_NIGHTLY_AT", "").strip()
#: the drop folder the data office puts extracts in (picked up by the nightly run)
INCOMING_DIR = Path(os.environ.get("POWERKAM_INCOMING_DIR") or DATA_DIR / "incoming").resolve()
#: a file changed less than this many seconds ago may still be being copied: left for the next run
INCOMING_QUIET_SECONDS = int(os.environ.get("POWERKAM_INCOMING_QUIET_SECONDS", "300"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# The longest a month plan of outage jobs may search (seconds, docs/outages.md): a request asking for
# more is answered within this. An installation whose web workers time out sooner lowers it.
OUTAGE_PLAN_MAX_SECONDS = float(os.environ.get("POWERKAM_OUTAGE_PLAN_MAX_SECONDS", "600"))

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

# --- Imports: what one file may be (docs/data-formats.md, "Limits") ---------------------------
#: an upload larger than this is refused by the form (MB)
IMPORT_UPLOAD_MAX_MB = int(os.environ.get("POWERKAM_UPLOAD_MAX_MB", "1024"))
#: accepted uploads are kept this many days (the file that was imported), then removed at the next upload
IMPORT_UPLOAD_KEEP_DAYS = int(os.environ.get("POWERKAM_UPLOAD_KEEP_DAYS", "90"))
#: an .xlsx whose sheet XML is larger than this uncompressed (MB), or a file with more rows or
#: columns, is refused before it is read
IMPORT_MAX_SHEET_MB = int(os.environ.get("POWERKAM_IMPORT_MAX_SHEET_MB", "2048"))
IMPORT_MAX_ROWS = int(os.environ.get("POWERKAM_IMPORT_MAX_ROWS", "200000000"))
IMPORT_MAX_COLUMNS = int(os.environ.get("POWERKAM_IMPORT_MAX_COLUMNS", "200"))
# Uploaded files stream to a temporary file above 2.5 MB (Django's default); form fields stay small.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "tmp")
(DATA_DIR / "tmp").mkdir(parents=True, exist_ok=True)

# Behind nginx: the proxy terminates TLS and must send X-Forwarded-Proto and X-Forwarded-For
# (docs/deployment.md, "Security settings"); never set this without a proxy that overwrites them.
BEHIND_PROXY = _env_bool("POWERKAM_BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

HTTPS = _env_bool("POWERKAM_HTTPS", default=False)
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    #: One year (the value hstspreload.org asks for); lower it with POWERKAM_HSTS_SECONDS while trying HTTPS out.
    SECURE_HSTS_SECONDS = int(os.environ.get("POWERKAM_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("POWERKAM_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = _env_bool("POWERKAM_HSTS_PRELOAD", default=True)

# Content-Security-Policy (django-csp 4): scripts only from our own static files — no inline script,
# no event-handler attributes, no eval. Styles need 'unsafe-inline': ECharts writes its tooltips as HTML
# with style="" attributes, and the server draws percentage bars with style="width: N%" (a value per
# row, which a stylesheet cannot hold). Images may be data: URIs (ECharts' "save as image").
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
