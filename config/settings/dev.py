"""Local development and the demo: SQLite under var/, debug on, loopback only."""

from .base import *  # noqa: F403
from .base import DATA_DIR, VIP_BLIND_INDEX_KEY_FILE, VIP_EMAIL_HOST, VIP_FIELD_KEY_FILE, env_bool, env_list

DEBUG = env_bool("VIP_DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-not-for-production"  # noqa: F405
ALLOWED_HOSTS = env_list("VIP_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
# Encryption keys of the demo and development: files under var/keys/, made (0600) by
# `vip setup` and `vip demo` when absent.
VIP_FIELD_KEY_FILE = VIP_FIELD_KEY_FILE or str(DATA_DIR / "keys" / "field.keys")
VIP_BLIND_INDEX_KEY_FILE = VIP_BLIND_INDEX_KEY_FILE or str(DATA_DIR / "keys" / "blind-index.key")
# Mail (password reset links) is printed on the console unless a mail server is configured.
if not VIP_EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    VIP_PASSWORD_RESET = env_bool("VIP_PASSWORD_RESET", default=True)
