"""Local development and the demo: SQLite under var/, debug on, loopback only."""

from .base import *  # noqa: F403
from .base import env_bool, env_list

DEBUG = env_bool("VIP_DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-not-for-production"  # noqa: F405
ALLOWED_HOSTS = env_list("VIP_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
