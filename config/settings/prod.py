"""Production: refuses to start without a secret key, allowed hosts and encryption keys.

Served by `vip serve --production` (gunicorn) on loopback behind a proxy that terminates TLS
(docs/deployment.md); everything comes from the environment (or key files it names).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from vip.core.crypto import FieldKeyError, Keyring, key_from_settings_values

from .base import *  # noqa: F403
from .base import (
    SECRET_KEY,
    VIP_BLIND_INDEX_KEY,
    VIP_BLIND_INDEX_KEY_FILE,
    VIP_FIELD_KEY_FILE,
    VIP_FIELD_KEYS,
    env_bool,
    env_list,
)

if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("VIP_SECRET_KEY must be set to a random string of at least 50 characters in production.")
# Rotating the secret key: the old one stays listed here for a while, so that sessions and
# password reset links made under it keep working until they expire (docs/deployment.md).
SECRET_KEY_FALLBACKS = env_list("VIP_SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = env_list("VIP_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("VIP_ALLOWED_HOSTS must list the host names this server answers to.")

# Case content is encrypted at rest: no keys, no start (and no silently unreadable data).
try:
    Keyring(key_from_settings_values(VIP_FIELD_KEYS, VIP_FIELD_KEY_FILE))
    if not key_from_settings_values(VIP_BLIND_INDEX_KEY, VIP_BLIND_INDEX_KEY_FILE):
        raise FieldKeyError("no blind-index key")
except (FieldKeyError, OSError) as exc:
    raise ImproperlyConfigured(
        "Encryption keys are required in production: VIP_FIELD_KEYS or VIP_FIELD_KEY_FILE, and "
        f"VIP_BLIND_INDEX_KEY or VIP_BLIND_INDEX_KEY_FILE (`vip keys generate`): {exc}"
    ) from exc

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("VIP_SSL_REDIRECT", default=True)
# The load balancer's health check may ask over plain HTTP, straight to the application.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# The TLS proxy says the request came over HTTPS. Only the proxy may reach the application (it
# listens on loopback), or anyone could say so.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Forms posted from another origin than the one the proxy passes on as Host (rarely needed:
# the proxy keeps the Host header), e.g. "https://vip.example.org".
CSRF_TRUSTED_ORIGINS = env_list("VIP_CSRF_TRUSTED_ORIGINS")
# One cache for every worker process and every machine, in the database: allauth keeps in it the
# second-factor codes already used (a code replayed to another worker must be refused too) and
# its sign-in rate limits. Each process's own memory (Django's default) would keep neither.
# `vip setup` and `vip serve --production` create its table.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "vip_cache",
    }
}
# Static files come from the installed apps through WhiteNoise (base.py: no collectstatic step,
# the files always match the code serving them). Their names carry no version, so browsers may
# keep them this long before asking again (a 304 when unchanged).
WHITENOISE_MAX_AGE = int(os.environ.get("VIP_STATIC_MAX_AGE", "300"))
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Every cookie the application sets is Secure, HttpOnly and SameSite (security row 21): the
# session and CSRF cookies above and in base.py, and the language switch's cookie.
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
