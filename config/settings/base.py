"""Settings shared by every environment.

Everything that differs between machines comes from environment variables; see
the configuration table in README.md. The per-environment modules (dev, test, prod) import this
one and change only what they must.
"""

from __future__ import annotations

import os
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
            # write lock at BEGIN, so two writers wait instead of deadlocking.
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=10000;"
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
    "django.contrib.humanize",
    "django.contrib.postgres",  # trigram lookups for people search (inert on SQLite)
    # Before allauth: vip.core's templates dress the sign-in pages in the program's layout.
    "vip.core",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "vip.accounts",
    "vip.audit",
    "vip.people",
    "vip.referrals",
    "vip.identification",
    "vip.notifications",
    "vip.casework",
    "vip.service_referrals",
    "vip.outcomes",
    "vip.interchange",
    "vip.reports",
    "vip.demo",
    "vip.api",
    "rest_framework",
    "drf_spectacular",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: every view needs a signed-in user unless marked login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "vip.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "vip.audit.middleware.RequestContextMiddleware",
    "vip.core.middleware.ProgramTimeZoneMiddleware",
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
            ],
        },
    },
]

DATABASES = {"default": database_from_env(f"sqlite:///{DATA_DIR / 'vip.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Authentication checks passwords (ModelBackend); permissions come from the role.
AUTHENTICATION_BACKENDS = ["vip.accounts.backends.RoleBackend", "vip.accounts.backends.SignInBackend"]
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
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Accept the code of the 30-second step just before or after the current one (phone clocks
# drift, and a code typed at the end of its step arrives in the next); a used code is refused.
MFA_TOTP_TOLERANCE = 1
MFA_TOTP_ISSUER = os.environ.get("VIP_TOTP_ISSUER", "VIP")

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

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["vip.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
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
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "vip.api.schema.no_null_characters",
    ],
}

# The program profile loaded into an empty database (see src/vip/core/profiles/).
VIP_DEFAULT_PROFILE = os.environ.get("VIP_PROFILE", "albuquerque")
# Secret for stable pseudonyms in de-identified exports; falls back to SECRET_KEY.
VIP_PSEUDONYM_KEY = os.environ.get("VIP_PSEUDONYM_KEY", "")
# Rows written per database round trip by the interchange importer.
VIP_IMPORT_BATCH_SIZE = int(os.environ.get("VIP_IMPORT_BATCH_SIZE", "2000"))

# ---- Security headers and logging hygiene (issue 5, rows 19, 21, 22) -------------------------
# Kept in one block so the sign-in work (axes) can edit MIDDLEWARE above without conflicts.
# Content-Security-Policy (django-csp 4.0): nothing but this origin; no inline script at all;
# the layout's one <style> element carries the per-request nonce (style="" attributes are not
# used); no plugins, no framing, forms post only here. A stored report's HTML edition gets its
# own, tighter policy where it is served (vip.reports.views).
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
# no-store on every response, Permissions-Policy (vip.core.middleware.SecurityHeadersMiddleware).
MIDDLEWARE.insert(MIDDLEWARE.index("csp.middleware.CSPMiddleware") + 1, "vip.core.middleware.SecurityHeadersMiddleware")
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
