"""Settings for helpcenter: one module, read from the environment.

The defaults run the demo on SQLite with Celery in-process; production sets DATABASE_URL
(PostgreSQL), REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=0. docs/operations.md lists every
variable.
"""

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from helpcenter.env import (
    env_bool,
    env_choice,
    env_database,
    env_directory,
    env_int,
    env_list,
    env_redis_url,
    env_str,
    env_time_zone,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
TIME_ZONE = env_time_zone("TIME_ZONE", "Asia/Shanghai")

_DEV_SECRET_KEY = "dev-only-key-not-for-production-7f3a9c1e5b2d8a6f4e0c9b7a5d3f1e8c"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Environment variable SECRET_KEY is required when DEBUG is off "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = _DEV_SECRET_KEY

# Bank card numbers are encrypted at rest with this Fernet key (relief.cards). Unset, it is
# derived from SECRET_KEY: then changing SECRET_KEY makes every stored card number unreadable,
# so production sets its own (docs/operations.md) and keeps it with the backups.
CARD_NUMBER_KEY = (
    env_str("CARD_NUMBER_KEY", "")
    or base64.urlsafe_b64encode(
        hashlib.sha256(b"helpcenter card numbers\0" + SECRET_KEY.encode()).digest()
    ).decode()
)
try:
    if len(base64.urlsafe_b64decode(CARD_NUMBER_KEY.encode())) != 32:
        raise ValueError
except ValueError:
    raise ImproperlyConfigured(
        "Environment variable CARD_NUMBER_KEY is not a Fernet key (32 bytes, URL-safe base64; "
        "generate one with: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())')."
    ) from None

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "Environment variable ALLOWED_HOSTS is required when DEBUG is off "
        "(comma-separated host names, e.g. helpcenter.example.gov.cn)."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "helpcenter.apps.HelpcenterConfig",
    "households",
    "cases",
    "relief",
    "reports",
    "helpcenter.apps.HelpcenterAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "import_export",
    "rules.apps.AutodiscoverRulesConfig",
    "helpcenter.apps.AxesConfig",
    "django_celery_beat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "helpcenter.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "helpcenter.i18n.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "helpcenter.access.AccessDeclaredMiddleware",
    # AxesMiddleware must be last: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpcenter.urls"
WSGI_APPLICATION = "helpcenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "helpcenter.navigation.navigation",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------------------------
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Uploaded proof documents live here, outside anything served statically; they are served only
# through views that check the viewer's scope.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MAX_UPLOAD_MB = env_int("MAX_UPLOAD_MB", 10, minimum=1)
# An Excel import is refused before parsing past these (a small upload can expand to gigabytes).
IMPORT_MAX_UNCOMPRESSED_MB = env_int("IMPORT_MAX_UNCOMPRESSED_MB", 50, minimum=1)
IMPORT_MAX_HOUSEHOLD_ROWS = env_int("IMPORT_MAX_HOUSEHOLD_ROWS", 20_000, minimum=1)
IMPORT_MAX_MEMBER_ROWS = env_int("IMPORT_MAX_MEMBER_ROWS", 100_000, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Background work ------------------------------------------------------------------------
# Without REDIS_URL, tasks run eagerly in the web process (the demo); with it, Redis is the
# broker and result store and Celery workers run them.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Reports (reports.tasks) run on their own queue, so a long PDF never delays the short tasks;
# production runs a worker for each (docker-compose.yml). A report is stopped softly (the job
# fails with a message) at REPORT_SOFT_TIME_LIMIT seconds and killed at REPORT_TIME_LIMIT; the
# broker's visibility timeout is longer than that, or Redis would hand a running report to a
# second worker.
CELERY_TASK_ROUTES = {"reports.build": {"queue": "reports"}}
REPORT_SOFT_TIME_LIMIT = env_int("REPORT_SOFT_TIME_LIMIT", 30 * 60, minimum=60)
REPORT_TIME_LIMIT = REPORT_SOFT_TIME_LIMIT + 5 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": REPORT_TIME_LIMIT + 60 * 60}
CELERY_WORKER_SEND_TASK_EVENTS = False
# A building report shows a sign of life every REPORT_HEARTBEAT_SECONDS; one silent for
# REPORT_STALE_SECONDS has lost its worker and is requeued by the sweep (at most
# REPORT_MAX_ATTEMPTS starts, then failed with a message); progress is written at most every
# REPORT_PROGRESS_SECONDS. A job still queued after REPORT_QUEUED_LIMIT_SECONDS is queued again.
REPORT_HEARTBEAT_SECONDS = 10
REPORT_STALE_SECONDS = env_int("REPORT_STALE_SECONDS", 120, minimum=30)
REPORT_MAX_ATTEMPTS = 3
REPORT_PROGRESS_SECONDS = 1.0
REPORT_QUEUED_LIMIT_SECONDS = 60 * 60
# The same report asked for again within REPORT_REUSE_SECONDS on unchanged data gets the file
# already built. Files are deleted after REPORT_KEEP_DAYS, those with personal data chosen by or
# for the asker (file cards, lists, bank sheets) after REPORT_PERSONAL_KEEP_DAYS.
REPORT_REUSE_SECONDS = 60 * 60
REPORT_KEEP_DAYS = env_int("REPORT_KEEP_DAYS", 90, minimum=1)
REPORT_PERSONAL_KEEP_DAYS = env_int("REPORT_PERSONAL_KEEP_DAYS", 7, minimum=1)
# A web request builds a spreadsheet itself only up to this many rows; above, the export
# becomes a report job (reports page) so no web worker waits on it.
REPORT_WEB_ROWS = env_int("REPORT_WEB_ROWS", 5_000, minimum=1)
# The household file cards (reports.builders.file_cards) are laid out in up to this many
# processes at once, started by the report's worker; 1 lays them out in the worker itself.
REPORT_PDF_PROCESSES = env_int("REPORT_PDF_PROCESSES", min(os.cpu_count() or 1, 4), minimum=1)
# Cards laid out into one PDF by one process before the chunks are joined: more holds more
# pages in memory, fewer embeds the fonts more often (a larger file).
REPORT_PDF_CHUNK = env_int("REPORT_PDF_CHUNK", 50, minimum=1)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
# Synced into django_celery_beat's table when beat starts; times are in CELERY_TIMEZONE
# (Asia/Shanghai unless TIME_ZONE says otherwise).
CELERY_BEAT_SCHEDULE = {
    "close-due-notices": {
        "task": "cases.close_due_notices",
        "schedule": crontab(hour=0, minute=30),
    },
    "backup-daily": {
        "task": "helpcenter.backup_daily",
        "schedule": crontab(hour=1, minute=30),
    },
    "loans-mark-overdue": {
        "task": "relief.loans_mark_overdue",
        "schedule": crontab(hour=0, minute=45),
    },
    "monthly-statistics": {
        "task": "reports.monthly_statistics",
        "schedule": crontab(day_of_month=1, hour=2, minute=0),
    },
    "weekly-reviews-due": {
        "task": "reports.reviews_due",
        "schedule": crontab(day_of_week=1, hour=6, minute=30),
    },
    "sweep-report-jobs": {
        "task": "reports.sweep",
        "schedule": crontab(minute="*/5"),
    },
}

# --- Backups (docs/operations.md) -----------------------------------------------------------
# The daily backup goes into BACKUP_DIR (unset: no scheduled backup, and /healthz/ says so);
# it keeps every backup of the last BACKUP_KEEP_DAILY days and the first of each of the last
# BACKUP_KEEP_MONTHLY months.
BACKUP_DIR = env_directory("BACKUP_DIR")
BACKUP_KEEP_DAILY = env_int("BACKUP_KEEP_DAILY", 7, minimum=1)
BACKUP_KEEP_MONTHLY = env_int("BACKUP_KEEP_MONTHLY", 12, minimum=0)

# --- People and access ----------------------------------------------------------------------
AUTH_USER_MODEL = "helpcenter.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Lockout: 5 failures for one user name from one address lock that login for 15 minutes; the
# lock clears by itself. (User name and address together: a colleague behind the same county
# NAT is not locked out by someone else's typing, and an attacker cannot lock every account.)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "helpcenter.security.lockout_response"
AXES_VERBOSE = False  # axes would log user names and IP addresses; we log without them.
# The client address comes from REMOTE_ADDR only, unless a TLS proxy in front of the product
# appends it to X-Forwarded-For (TLS_PROXY=1): a client cannot rotate a header to dodge the lock.
TLS_PROXY = env_bool("TLS_PROXY", False)
if TLS_PROXY:
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Sessions end after 30 idle minutes (each request renews the clock) and on logout.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# --- HTTPS ----------------------------------------------------------------------------------
# Production is HTTPS by default. A county that knowingly runs on plain HTTP inside its
# intranet sets HTTPS=0: secure cookies, the HTTPS redirect and HSTS are then off and the deploy
# check's warnings about them are silenced on purpose (docs/operations.md explains the risk).
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if TLS_PROXY:
    # Set only behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = (
    [] if HTTPS else ["security.W004", "security.W008", "security.W012", "security.W016"]
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Sent by helpcenter.security.SecurityHeadersMiddleware. Scripts and styles come from our own
# origin only (no inline code; htmx's indicator style is in helpcenter.css); data: images are
# Bootstrap's form icons.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True

# --- Static files (served by WhiteNoise; no CDN: county intranets often have no internet) ----
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# collectstatic (the Dockerfile runs it) writes each file under a name with its content's hash,
# plus .gz and .br copies; WhiteNoise serves those compressed and cached for ten years
# ("immutable"), since a changed file gets a new name. With DEBUG on (make run) the templates
# link the plain names and WhiteNoise serves them from static/ through the finders. With DEBUG
# off a page links only the hashed names, so it needs collectstatic to have run first; the
# test suite renders from static/ instead (tests/conftest.py) and tests/test_static_files.py
# checks the collected files.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Logging: security events go to the console without personal data ----------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "helpcenter": {
            "handlers": ["console"],
            "level": env_choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"]),
            "propagate": False,
        },
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
