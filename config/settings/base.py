"""Settings shared by every environment.

Everything that differs between machines comes from environment variables; see
the configuration table in README.md. The per-environment modules (dev, test, prod) import this
one and change only what they must.
"""

from __future__ import annotations

import os
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("VIP_DATA_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_env(default_url: str) -> dict[str, object]:
    """Parse DATABASE_URL; SQLite gets the pragmas an embedded database needs."""
    url = os.environ.get("DATABASE_URL", default_url)
    # Connections are kept between requests (a new PostgreSQL connection per request costs more
    # than most pages) and checked before reuse.
    max_age = int(os.environ.get("VIP_DB_CONN_MAX_AGE", "60"))
    config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=max_age, conn_health_checks=True))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # WAL lets readers go on while an import writes; IMMEDIATE takes the
            # write lock at BEGIN, so two writers wait (up to 30 s, a loaded machine) instead of deadlocking.
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=30000;"
                "PRAGMA cache_size=-65536;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    return config


SECRET_KEY = os.environ.get("VIP_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("VIP_ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",  # request.htmx, and htmx itself (served from this origin: script-src 'self')
    "django.contrib.humanize",
    "django.contrib.postgres",  # trigram lookups for people search; on PostgreSQL only (below)
    # Before allauth: vip.core's templates dress the sign-in pages in the program's layout.
    "vip.core",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "vip.accounts",
    "vip.audit",
    "vip.configuration",
    "vip.people",
    "vip.referrals",
    "vip.identification",
    "vip.notifications",
    "vip.casework",
    "vip.service_referrals",
    "vip.outcomes",
    "vip.mediations",
    "vip.safety_plans",
    "vip.incentives",
    "vip.groups",
    "vip.hospital",
    "vip.field",
    "vip.interchange",
    "vip.reports",
    "vip.evaluation",
    "vip.releases",
    "vip.demo",
    "vip.desk",
    "vip.jobs",
    "vip.api",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
]

# Long work (reports, the criteria run, imports from the browser) runs in the task queue, never in
# a request (architecture rule 8): Django's tasks framework (the django-tasks backport) with its
# database backend, a table of this same database (SQLite or PostgreSQL, no other server); `vip
# worker` runs it (docs/tasks.md).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Kinds of job declared outside the Django apps (found with the apps' own jobs.py modules).
VIP_JOB_MODULES = ["vip.backup.jobs", "vip.retention.jobs"]
# The nightly backup of the schedule (`vip schedule`): the folder it writes to, and how many of
# its backups it keeps there (the oldest beyond that are removed after a good one is written).
VIP_BACKUP_DIR = os.environ.get("VIP_BACKUP_DIR", "")
VIP_BACKUP_KEEP = int(os.environ.get("VIP_BACKUP_KEEP", "14"))

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (htmx, the icons, the page script) from this origin, before anything else.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL character in a parameter or JSON body: 400 at the door (PostgreSQL cannot store one).
    "vip.core.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Idle and absolute session limits (VIP_SESSION_IDLE_MINUTES, VIP_SESSION_MAX_HOURS).
    "vip.accounts.middleware.SessionLimitsMiddleware",
    # The language kept on the account becomes the browser's at sign-in.
    "vip.accounts.middleware.AccountLanguageMiddleware",
    # Deny by default: every view needs a signed-in user unless marked login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "vip.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "vip.audit.middleware.RequestContextMiddleware",
    "vip.core.middleware.ProgramTimeZoneMiddleware",
    # Last: answers a sign-in refused by the lockout (django-axes) with the sign-in page itself.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vip.core.context_processors.program",
                "vip.accounts.context_processors.session_limits",
            ],
        },
    },
]

DATABASES = {"default": database_from_env(f"sqlite:///{DATA_DIR / 'vip.sqlite3'}")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    # Its lookups are used on PostgreSQL only, and loading it loads the PostgreSQL driver: about a
    # tenth of a second of every `vip` command's start on SQLite.
    INSTALLED_APPS.remove("django.contrib.postgres")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Authentication checks passwords (ModelBackend); permissions come from the role. The lockout
# (django-axes) comes first: a locked account is refused before its password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Permissions (actions, reads, the admin's) answered from the access policy (vip.core.access).
    "rules.permissions.ObjectPermissionBackend",
    "vip.accounts.backends.RoleBackend",
    "vip.accounts.backends.SignInBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("VIP_PASSWORD_MIN_LENGTH", "12"))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "public:index"

# Sign-in (django-allauth): username and password, then a second factor. Accounts are made
# by an administrator; there is no public sign-up. Every staff account must enrol TOTP
# before reaching anything (vip.accounts.middleware.RequireTwoFactorMiddleware).
ACCOUNT_ADAPTER = "vip.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
# The sign-in form adds the use banner's acknowledgement (security row 8).
ACCOUNT_FORMS = {"login": "vip.accounts.forms.SignInForm", "reset_password": "vip.accounts.forms.PasswordResetForm"}
# The use banner's wording, when a city has its own (by language; else a translated default).
VIP_USE_BANNER = {
    language: text
    for language, text in (
        ("en", os.environ.get("VIP_USE_BANNER", "")),
        ("es", os.environ.get("VIP_USE_BANNER_ES", "")),
    )
    if text.strip()
}
# Failed sign-ins are counted by django-axes, by username (below); allauth's own counter would
# answer a different page ("too many attempts") and so reveal that an account is locked.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
# "Forgot your password?" (accounts sign in by name; the link goes to the account's e-mail address,
# if an administrator recorded one): on where mail can be sent (VIP_EMAIL_HOST, below), and the
# page says the same whether or not an account has the address. No mail at all to an address
# that no account has (allauth would tell its owner that there is no such account).
VIP_EMAIL_HOST = os.environ.get("VIP_EMAIL_HOST", "")
VIP_PASSWORD_RESET = env_bool("VIP_PASSWORD_RESET", default=bool(VIP_EMAIL_HOST))
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = os.environ.get("VIP_EMAIL_SUBJECT_PREFIX", "[VIP] ")
# Mail: SMTP to VIP_EMAIL_HOST (STARTTLS on port 587 by default, or SSL); without a host nothing
# is sent (development prints mails on the console instead, config/settings/dev.py).
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if VIP_EMAIL_HOST else "django.core.mail.backends.dummy.EmailBackend"
)
EMAIL_HOST = VIP_EMAIL_HOST or "localhost"
EMAIL_PORT = int(os.environ.get("VIP_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("VIP_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("VIP_EMAIL_PASSWORD", "")
EMAIL_USE_SSL = env_bool("VIP_EMAIL_USE_SSL", default=False)
EMAIL_USE_TLS = env_bool("VIP_EMAIL_USE_TLS", default=not EMAIL_USE_SSL)
EMAIL_TIMEOUT = int(os.environ.get("VIP_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("VIP_EMAIL_FROM", "vip@localhost")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Security row 33: a wrong code (TOTP or recovery code), at sign-in or when confirming again,
# counts toward the same lockout as a wrong password (vip.accounts.services.second_factor_attempt).
MFA_FORMS = {
    # One secret per enrolment, kept in the session until confirmed (a reload shows the same QR code).
    "activate_totp": "vip.accounts.forms.EnrolAuthenticatorForm",
    "authenticate": "vip.accounts.forms.SecondFactorForm",
    "reauthenticate": "vip.accounts.forms.SecondFactorReauthenticateForm",
}
# Accept the code of the 30-second step just before or after the current one (phone clocks
# drift, and a code typed at the end of its step arrives in the next); a used code is refused.
MFA_TOTP_TOLERANCE = 1
MFA_TOTP_ISSUER = os.environ.get("VIP_TOTP_ISSUER", "VIP")

# Lockout (security row 3): VIP_LOCKOUT_FAILURES failed sign-ins lock the account (by username,
# whatever the address they come from) for VIP_LOCKOUT_MINUTES; refused attempts during the lock
# do not prolong it. A locked account gets the very page a wrong password gets (row 4). Wrong
# second-factor codes are failed sign-ins too (row 33): both kinds add up to the one limit, and
# only a complete sign-in (password and code) clears the count (AXES_RESET_ON_SUCCESS).
VIP_LOCKOUT_FAILURES = int(os.environ.get("VIP_LOCKOUT_FAILURES", "5"))
VIP_LOCKOUT_MINUTES = int(os.environ.get("VIP_LOCKOUT_MINUTES", "30"))
AXES_FAILURE_LIMIT = VIP_LOCKOUT_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=VIP_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "vip.accounts.lockout.lockout_username"
AXES_LOCKOUT_CALLABLE = "vip.accounts.lockout.lockout_response"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False  # administrators unlock through the account list (vip.accounts.admin)
# Never kept in axes' records of failed attempts: names, addresses, and the codes tried.
AXES_SENSITIVE_PARAMETERS = ["username", "login", "ip_address", "code"]
# axes warns when the lockout is not also by address. On purpose: staff share an office's address,
# and one person's mistakes must not lock out everyone behind it; the name is what is guessed at.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Session limits (security row 6): a signed-in session ends after VIP_SESSION_IDLE_MINUTES
# without a request, and VIP_SESSION_MAX_HOURS after signing in whatever the activity.
VIP_SESSION_IDLE_MINUTES = int(os.environ.get("VIP_SESSION_IDLE_MINUTES", "30"))
VIP_SESSION_MAX_HOURS = int(os.environ.get("VIP_SESSION_MAX_HOURS", "12"))
# Addresses link to a map search ({query}: the address); the program may point it at its own.
VIP_MAP_URL = os.environ.get("VIP_MAP_URL", "https://www.openstreetmap.org/search?query={query}")
# Signed-in pages warn this many seconds before the idle limit, with "Stay signed in" (vip.js).
VIP_SESSION_WARNING_SECONDS = int(os.environ.get("VIP_SESSION_WARNING_SECONDS", "120"))
SESSION_COOKIE_AGE = VIP_SESSION_MAX_HOURS * 3600

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
USE_I18N = True
# The staff screens' Spanish (locale/es/LC_MESSAGES/django.po). The Monthly Informational
# Report itself keeps the program's configured wording.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True
# Storage is UTC; the program's own time zone (profile setting) is applied by
# vip.core.dates wherever a date is taken from a moment.
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# WhiteNoise serves the apps' static folders directly (no collectstatic step); they are small.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["vip.accounts.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["vip.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "vip API",
    "DESCRIPTION": "Integrations (referrals, incidents) and report figures. Token authentication: "
    "`Authorization: Bearer <token>`; tokens are issued by an administrator (`vip token create`).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Record ids in addresses (vip.core.converters.IdConverter): integers, as <int:...> says.
    "PATH_CONVERTER_OVERRIDES": {"id": int},
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "vip.api.schema.no_null_characters",
    ],
}

# The program profile loaded into an empty database (see src/vip/configuration/profiles/).
VIP_DEFAULT_PROFILE = os.environ.get("VIP_PROFILE", "albuquerque")
# Encryption at rest of case content (vip.core.crypto): the field keys, newest first, either in
# the environment (comma-separated) or in a file (one a line); the blind-index key likewise,
# separate. Keys never live in the database. Development defaults to files under var/keys/.
VIP_FIELD_KEYS = env_list("VIP_FIELD_KEYS")
VIP_FIELD_KEY_FILE = os.environ.get("VIP_FIELD_KEY_FILE", "")
VIP_BLIND_INDEX_KEY = os.environ.get("VIP_BLIND_INDEX_KEY", "")
VIP_BLIND_INDEX_KEY_FILE = os.environ.get("VIP_BLIND_INDEX_KEY_FILE", "")
# An event's date or time (an attempt, a contact, an outcome, a referral received...) may run
# ahead of the server's clock by this much (a phone's clock a little fast); later is refused as
# a date in the future (vip.core.future). Plans (a notification's planned day) are not held to it.
VIP_FUTURE_TOLERANCE_MINUTES = int(os.environ.get("VIP_FUTURE_TOLERANCE_MINUTES", "10"))
# Rows written per database round trip by the interchange importer.
VIP_IMPORT_BATCH_SIZE = int(os.environ.get("VIP_IMPORT_BATCH_SIZE", "2000"))
# Security row 46: the importer's memory stays bounded whatever the file. A CSV line or cell
# (bundle or mapped import) or an XLSX cell longer than this is refused before it is held; a
# row whose quoted cells span lines may be 4 times as long; a batch holds at most 16 MiB of
# cells, however few rows that is.
VIP_IMPORT_MAX_LINE_BYTES = int(os.environ.get("VIP_IMPORT_MAX_LINE_BYTES", str(64 * 1024)))
# An XLSX workbook (mapped import) expanding past this is refused before it is read.
VIP_IMPORT_MAX_XLSX_BYTES = int(os.environ.get("VIP_IMPORT_MAX_XLSX_BYTES", str(256 * 1024**2)))
# The data screen's upload: larger bundles are imported with `vip import`. Uploads are streamed
# to a temporary file, never held in memory; other request bodies are held up to 2.5 MB.
VIP_UPLOAD_MAX_BYTES = int(os.environ.get("VIP_UPLOAD_MAX_BYTES", str(500 * 1024**2)))
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]
# Files uploaded on the Data page (they hold police data) are kept here, under random names with
# 0600 permissions, only until their check or import is done; a check without problem keeps its
# file for the import at most VIP_UPLOAD_KEEP_HOURS. Never under static or media files.
VIP_UPLOAD_DIR = Path(os.environ.get("VIP_UPLOAD_DIR", DATA_DIR / "uploads"))
VIP_UPLOAD_KEEP_HOURS = int(os.environ.get("VIP_UPLOAD_KEEP_HOURS", "24"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Retention (vip.retention; `vip retention purge`): days after which what the program must not keep
# forever is purged. The audit trail and the sign-in records are kept at least 365 days (CJIS);
# the audit default is HIPAA's six years.
VIP_RETENTION_UNENROLLED_DAYS = int(os.environ.get("VIP_RETENTION_UNENROLLED_DAYS", "1826"))
VIP_RETENTION_CANDIDATE_DAYS = int(os.environ.get("VIP_RETENTION_CANDIDATE_DAYS", "365"))
VIP_RETENTION_API_TOKEN_DAYS = int(os.environ.get("VIP_RETENTION_API_TOKEN_DAYS", "90"))
VIP_RETENTION_ACCESS_LOG_DAYS = int(os.environ.get("VIP_RETENTION_ACCESS_LOG_DAYS", "365"))
VIP_AUDIT_RETENTION_DAYS = int(os.environ.get("VIP_AUDIT_RETENTION_DAYS", "2192"))
# ---- Security headers and logging hygiene (issue 5, rows 19, 21, 22) -------------------------
# Kept in one block so the sign-in work (axes) can edit MIDDLEWARE above without conflicts.
# Content-Security-Policy (django-csp 4.0): nothing but this origin; no inline script at all;
# the layout's one <style> element carries the per-request nonce (style="" attributes are not
# used); no plugins, no framing, forms post only here. A stored report's HTML edition gets its
# own, tighter policy where it is served (vip.reports.views).
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
# no-store on every response, Permissions-Policy (vip.core.middleware.SecurityHeadersMiddleware);
# after WhiteNoise, so static files keep their cache headers (they hold no data).
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1, "vip.core.middleware.SecurityHeadersMiddleware"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],  # data: for the authenticator QR code (an SVG data URI)
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The session and CSRF cookies: never read by scripts; sent on top-level navigation only.
# (Secure is set in production, config/settings/prod.py.) The CSRF token is read from the
# form field, so its cookie can be HttpOnly too.
CSRF_COOKIE_HTTPONLY = True
# Server errors: the program's own plain pages (templates 400/403/404/500.html) and, under
# /api/, JSON {"detail": ...}.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Row 19: no query strings (search terms are names), no exception messages (they can quote
    # data), no request objects (headers, bodies) in any record (vip.core.logfilters).
    "filters": {
        "no_query": {"()": "vip.core.logfilters.WithoutQueryString"},
        "no_exception_text": {"()": "vip.core.logfilters.WithoutExceptionText"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["no_query", "no_exception_text"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("VIP_LOG_LEVEL", "WARNING")},
    "loggers": {
        # WeasyPrint reports every SVG presentation attribute it hands to its SVG renderer.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        # Django's own handlers for these (console when DEBUG, mail_admins) are replaced: the
        # records go to the filtered console handler only.
        "django": {"handlers": ["console"], "level": os.environ.get("VIP_LOG_LEVEL", "WARNING"), "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
