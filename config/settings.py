"""Tsunagu settings: one file, every knob read from the environment.

Embedded defaults (SQLite, file-system Celery broker, mail written to files) let
`make run` work with nothing installed; production and the tests set DATABASE_URL,
REDIS_URL and EMAIL_URL. See README.md for the full list.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import Env, database_settings, email_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(Env().str("TSUNAGU_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = Env()

DEBUG = env.bool("DEBUG", False)


def _secret_key() -> str:
    key = env.str("SECRET_KEY", "")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG off) refuses to start without one: "
            "export SECRET_KEY to a long random string (python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))')."
        )
    # Development only: one key per checkout, kept so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the site's host names when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [])
# Proxies in front of gunicorn that append to X-Forwarded-For (1 behind the documented
# nginx). The client address for rate limits and the audit trail (core/http.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0, minimum=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# The public base URL, used in mail and calendar invites where no request exists.
SITE_URL = env.url("SITE_URL", "http://127.0.0.1:8000", schemes=("http", "https")).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "audit",
    "accounts",
    "events",
    "attendance",
    "surveys",
    "groupwork",
    "notifications",
    "reports",
    "records",
    "privacy",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "audit.context.RequestContextMiddleware",
    "config.logs.RequestLogMiddleware",
    # Before anything reads the body (CSRF reads the form): refuse it by its announced size.
    "core.uploads.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static files keep their own caching and need no CSP.
    "config.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.logs.UserContextMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication and messages: organizers, reviewers and staff without a second
    # factor are sent to set one up (accounts/mfa.py).
    "accounts.mfa.RequireMFAMiddleware",
]
# Django's technical 404/500 pages only when asked for; otherwise `make run` shows the
# same error pages as production (config/errors.py).
DEBUG_TECHNICAL_PAGES = env.bool("DEBUG_TECHNICAL_PAGES", False)
if DEBUG and not DEBUG_TECHNICAL_PAGES:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.common.CommonMiddleware") + 1,
        "config.errors.SiteErrorPagesInDebugMiddleware",
    )
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": database_settings(
        env.str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"), base_dir=BASE_DIR
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", "")
if REDIS_URL:
    env.url("REDIS_URL", schemes=("redis", "rediss"))
    CACHES = {
        "default": {
            # Fails open when Redis is down (config/cache.py): login, sign-up and
            # password reset keep working, with a logged warning, during an outage.
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", "tsunagu"),
        }
    }
else:
    # A file cache is shared by every gunicorn and Celery process on the machine,
    # which allauth's rate limits need (a per-process memory cache would not count).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login, verification is mandatory, rate limits on.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupProfileForm"
ACCOUNT_FORMS = {
    "login": "accounts.login_form.LoginForm",
    "signup": "accounts.login_form.SignupForm",
    "reset_password": "accounts.login_form.ResetPasswordForm",
    "add_email": "accounts.login_form.AddEmailForm",
}
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("RATE_LIMIT_LOGIN_FAILED", "10/m/ip,5/5m/key"),
    "signup": env.str("RATE_LIMIT_SIGNUP", "20/m/ip"),
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_SESSION_REMEMBER = None

# Two-factor sign-in (allauth.mfa): authenticator apps, security keys and recovery codes; required for
# organizers, reviewers and staff (accounts/mfa.py).
MFA_ADAPTER = "accounts.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# WebAuthn needs https, except on the developer's own http://127.0.0.1 (make run).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = "Tsunagu"
MFA_RECOVERY_CODE_COUNT = 10
# One period either side: office PCs and phones drift a little.
MFA_TOTP_TOLERANCE = 1

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Hashed file names in a manifest (long-cacheable) whenever DEBUG is off; build them with
# `manage.py collectstatic`. STATIC_MANIFEST=0 is an escape hatch only (plain names, no
# far-future caching): production and every test run with the manifest.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

for _key, _value in email_settings(
    env.str("EMAIL_URL", f"file://{VAR_DIR / 'mail'}"), base_dir=BASE_DIR
).items():
    globals()[_key] = _value
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "Tsunagu <noreply@tsunagu.example.jp>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: production values come from the environment; `check --deploy` is clean
# when DEBUG is off and HTTPS is terminated in front of gunicorn.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS: list[str] = []

# Celery: Redis when REDIS_URL is set, otherwise kombu's file-system transport, a
# real broker with nothing to install (make run).
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "results", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", f"file://{_broker_dir / 'results'}")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", False)
# Nothing reads a task's return value. Storing results also makes every apply_async talk
# to the result backend first, which retries for ~20 s when Redis is down.
CELERY_TASK_IGNORE_RESULT = True
# Publishing from a request (core/tasks.py) gives up after this long, without retrying:
# the outbox row is committed and the per-minute dispatcher sends it later.
BROKER_PUBLISH_TIMEOUT = env.float("BROKER_PUBLISH_TIMEOUT", 0.5, above=0)
# Beat records its ticks for /healthz/status (config/beat.py).
CELERY_BEAT_SCHEDULER = "config.beat:RecordingScheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# One queue per app, so a flood of mail never holds up survey aggregation.
CELERY_TASK_ROUTES = {
    "notifications.*": {"queue": "mail"},
    "surveys.*": {"queue": "surveys"},
    "reports.*": {"queue": "reports"},
    # The yearly casebook takes minutes: with the reports, away from mail.
    "records.*": {"queue": "reports"},
    "events.*": {"queue": "default"},
    "accounts.*": {"queue": "default"},
    "privacy.*": {"queue": "default"},
}
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Mail due now, retries whose backoff ended, rows whose worker died (expired lease).
    "notifications-dispatch-due": {"task": "notifications.dispatch_due", "schedule": 60.0},
    # Safety net for reminders, plus pre-work and questionnaire mails.
    "notifications-schedule-reminders": {"task": "notifications.schedule_reminders", "schedule": 900.0},
    "events-snapshot-deadline-counts": {"task": "events.snapshot_deadline_counts", "schedule": 300.0},
    "events-complete-finished": {"task": "events.complete_finished_events", "schedule": 600.0},
    # Anonymous questionnaires: release waiting responses when k more arrived or the form closed.
    "surveys-release-anonymous": {"task": "surveys.release_anonymous", "schedule": 600.0},
    # The retention purge (privacy/retention.py), nightly at 03:30 Japan time.
    "privacy-purge": {"task": "privacy.purge", "schedule": crontab(hour=3, minute=30)},
    "privacy-resume-exports": {"task": "privacy.resume_exports", "schedule": 300.0},
}

# /healthz/status (config/health.py): who may read it without a staff login, and when it
# turns 503 because mail is stuck or beat stopped.
HEALTH_STATUS_TOKEN = env.str("HEALTH_STATUS_TOKEN", "")
HEALTH_OUTBOX_MAX_AGE_SECONDS = env.int("HEALTH_OUTBOX_MAX_AGE_SECONDS", 900, minimum=60)
HEALTH_BEAT_MAX_AGE_SECONDS = env.int("HEALTH_BEAT_MAX_AGE_SECONDS", 300, minimum=60)

# Outbox delivery (notifications app).
NOTIFICATIONS_LEASE_SECONDS = env.int("NOTIFICATIONS_LEASE_SECONDS", 600, minimum=30)
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", 8, minimum=1)
NOTIFICATIONS_BATCH_SIZE = env.int("NOTIFICATIONS_BATCH_SIZE", 200, minimum=1)
NOTIFICATIONS_BACKOFF_SECONDS = env.int("NOTIFICATIONS_BACKOFF_SECONDS", 60, minimum=1)
NOTIFICATIONS_BACKOFF_CAP_SECONDS = env.int("NOTIFICATIONS_BACKOFF_CAP_SECONDS", 3600, minimum=1)
# Registration mail and reminders are stored unrendered and rendered by the sender, so
# the registration transaction (which holds the event's row lock) stays short.
NOTIFICATIONS_RENDER_AT_SEND = env.bool("NOTIFICATIONS_RENDER_AT_SEND", True)

# One JSON object per line in production (config/logs.py): level, logger, message,
# request id, user id, path, and for the request's own line method, status, duration.
LOG_FORMAT = env.str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or text.")
LOG_LEVEL = env.str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r}: use DEBUG, INFO, WARNING, ERROR or CRITICAL.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "config.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "text": {"()": "config.logs.TextFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # The request line (config.logs.RequestLogMiddleware) replaces django.server's and
    # gunicorn's access lines; django.request still logs errors with their traceback.
    "loggers": {"django.server": {"level": "WARNING"}},
}
# Celery workers log through the same configuration (JSON, with the request id).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The public certificate verification page (records.views_public): numbers and holders'
# names must not be found by trying. Per client address per minute, and name checks per
# certificate per 10 minutes.
RECORDS_VERIFY_PER_MINUTE = env.int("RECORDS_VERIFY_PER_MINUTE", 30, minimum=1)
RECORDS_NAME_CHECKS_PER_CERTIFICATE = env.int("RECORDS_NAME_CHECKS_PER_CERTIFICATE", 5, minimum=1)

# Pre-work sheets and questionnaires (surveys app).
# The one upload limit (core/uploads.py): a file may be UPLOAD_MAX_MB, a request one MB
# more. deploy/'s nginx client_max_body_size must equal REQUEST_MAX_BYTES (UPLOAD_MAX_MB + 1 MB).
UPLOAD_MAX_MB = env.int("UPLOAD_MAX_MB", 20, minimum=1)
REQUEST_MAX_BYTES = (UPLOAD_MAX_MB + 1) * 1024 * 1024
SURVEYS_MAX_UPLOAD_MB = UPLOAD_MAX_MB
# Anonymous questionnaires never show a breakdown for a group smaller than this.
SURVEYS_MIN_GROUP_SIZE = env.int("SURVEYS_MIN_GROUP_SIZE", 3, minimum=1)
SURVEYS_TOKEN_MAX_AGE_DAYS = env.int("SURVEYS_TOKEN_MAX_AGE_DAYS", 60, minimum=1)
SURVEYS_AGGREGATE_DEBOUNCE_SECONDS = env.int("SURVEYS_AGGREGATE_DEBOUNCE_SECONDS", 10, minimum=0)
# A questionnaire without a due date closes this many days after its session ends.
SURVEYS_QUESTIONNAIRE_OPEN_DAYS = env.int("SURVEYS_QUESTIONNAIRE_OPEN_DAYS", 14, minimum=1)
# Group work: pre-work sheets shared within a breakout group can be read until this many
# days after the session (its follow-up period), then by nobody but the organizers.
GROUPWORK_FOLLOW_UP_DAYS = env.int("GROUPWORK_FOLLOW_UP_DAYS", 30, minimum=0)

# How long personal data is kept (privacy/retention.py; the privacy page and the
# administrators' retention page are generated from these). Zero or less is refused.
# Pre-work sheets (content and files) and questionnaire free text: fiscal years after the
# 年度 of the session (5: a 2021年度 session's sheets go on 2027-04-01).
RETENTION_PREWORK_FISCAL_YEARS = env.int("RETENTION_PREWORK_FISCAL_YEARS", 5, minimum=1)
RETENTION_QUESTIONNAIRE_TEXT_FISCAL_YEARS = env.int("RETENTION_QUESTIONNAIRE_TEXT_FISCAL_YEARS", 5, minimum=1)
# Rows of a Zoom report for people who matched no registration: gone once the import is
# reviewed (nothing left to match), and after this many days at most.
RETENTION_ZOOM_UNMATCHED_DAYS = env.int("RETENTION_ZOOM_UNMATCHED_DAYS", 90, minimum=1)
# Texts of sent mail (the outbox row's metadata stays: kind, recipient, status, times).
RETENTION_MAIL_BODY_DAYS = env.int("RETENTION_MAIL_BODY_DAYS", 365, minimum=1)
# Accounts nobody signed in to for this many years are warned by mail, then deleted
# (pseudonymized) this many days after the warning unless the person signs in.
RETENTION_INACTIVE_ACCOUNT_YEARS = env.int("RETENTION_INACTIVE_ACCOUNT_YEARS", 3, minimum=1)
RETENTION_INACTIVE_WARNING_DAYS = env.int("RETENTION_INACTIVE_WARNING_DAYS", 30, minimum=1)
# A person's downloadable copy of their data (privacy/export.py).
RETENTION_DATA_EXPORT_DAYS = env.int("RETENTION_DATA_EXPORT_DAYS", 7, minimum=1)
# 問い合わせ先 on the privacy page.
PRIVACY_CONTACT_NAME = env.str("PRIVACY_CONTACT_NAME", "Tsunagu 運営事務局（個人情報の取扱い窓口）")
PRIVACY_CONTACT_EMAIL = env.str("PRIVACY_CONTACT_EMAIL", "privacy@tsunagu.example.jp")
PRIVACY_CONTACT_PHONE = env.str("PRIVACY_CONTACT_PHONE", "")

# The audit trail is kept this long (the retention purge deletes older entries); the
# database refuses to delete entries younger than a year whatever this says.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", 5 * 365, minimum=365)

TSUNAGU_DEMO_PASSWORD = "tsunagu-demo-2022"
TSUNAGU_BRAND = _("Tsunagu")

# Share of the session (ends_at − starts_at) a Zoom participant must stay to count as
# 出席; below it they are recorded as 途中退出 (left early).
try:
    ATTENDANCE_MIN_RATIO = float(env.str("ATTENDANCE_MIN_RATIO", "0.8"))
except ValueError:
    raise ImproperlyConfigured("ATTENDANCE_MIN_RATIO must be a number such as 0.8.") from None
if not 0 < ATTENDANCE_MIN_RATIO <= 1:
    raise ImproperlyConfigured("ATTENDANCE_MIN_RATIO must be greater than 0 and at most 1.")
