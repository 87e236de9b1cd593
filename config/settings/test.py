"""The test suite: DATABASE_URL picks SQLite (default) or PostgreSQL."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105 (tests only)
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
VIP_IMPORT_BATCH_SIZE = 50  # small batches so tests cross batch boundaries
# Fixed keys for the suite (tests of rotation override them).
VIP_FIELD_KEYS = ["dGVzdC1vbmx5LWZpZWxkLWtleS0xLTAxMjM0NTY3ODk="]  # test only
VIP_BLIND_INDEX_KEY = "dGVzdC1vbmx5LWJsaW5kLWluZGV4LWtleTAxMjM0NTY="  # test only
