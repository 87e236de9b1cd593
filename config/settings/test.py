"""The test suite: DATABASE_URL picks SQLite (default) or PostgreSQL."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105 (tests only)
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Mail is kept in memory (django.core.mail.outbox); "Forgot your password?" is on.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
VIP_PASSWORD_RESET = True
VIP_IMPORT_BATCH_SIZE = 50  # small batches so tests cross batch boundaries
# WhiteNoise looks a static file up when asked instead of listing every app's static folder each
# time a handler starts: the suite starts thousands of test clients (24 ms each otherwise).
WHITENOISE_AUTOREFRESH = True
# Fixed keys for the suite (tests of rotation override them).
VIP_FIELD_KEYS = ["dGVzdC1vbmx5LWZpZWxkLWtleS0xLTAxMjM0NTY3ODk="]  # test only
VIP_BLIND_INDEX_KEY = "dGVzdC1vbmx5LWJsaW5kLWluZGV4LWtleTAxMjM0NTY="  # test only

# Security row 19: everything the application logs during the suite also goes to a file of this
# run, through the production filters, at INFO; after the suite vip.core.logscan scans it for
# canaries, passwords, TOTP secrets, session ids and API tokens and fails the run if any is there.
import copy  # noqa: E402
import os  # noqa: E402

from .base import LOGGING as BASE_LOGGING  # noqa: E402

TEST_LOG_FILE = BASE_DIR / "var" / "test-logs" / f"pytest-{os.getpid()}.log"  # noqa: F405
TEST_LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
_handlers: dict[str, dict[str, object]] = copy.deepcopy(BASE_LOGGING["handlers"])  # type: ignore[arg-type]
_handlers["console"]["level"] = "WARNING"
_handlers["test_file"] = {
    "class": "logging.FileHandler",
    "filename": str(TEST_LOG_FILE),
    "mode": "a",  # django.setup() again (the CLI tests) reopens it: append, never truncate
    "encoding": "utf-8",
    "level": "INFO",
    "filters": ["no_query", "no_exception_text"],
    "formatter": "test_file",
}
_loggers: dict[str, object] = copy.deepcopy(BASE_LOGGING["loggers"])  # type: ignore[arg-type]
for _name in ("django", "django.server"):
    _loggers[_name] = {"handlers": ["console", "test_file"], "level": "INFO", "propagate": False}
LOGGING = {
    **BASE_LOGGING,
    "handlers": _handlers,
    "loggers": _loggers,
    "formatters": {"test_file": {"format": "%(levelname)s %(name)s %(message)s"}},
    "root": {"handlers": ["console", "test_file"], "level": "INFO"},
}

# Jobs run at once, inside the request or command that asks for them (the immediate backend of
# Django's tasks framework): the pages' and services' tests see the finished job. The tests of the
# queue itself (vip/jobs/tests, the browser tests of progress) switch to the database backend of
# base.py and run the worker (`vip worker --once`, or its loop in the test's process).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# SQLite: the test database is a file (``vip-test-<process>-<name>``, in /dev/shm when there is
# room, else beside the file DATABASE_URL names), not Django's default for SQLite tests, a
# shared-cache database in memory. There, two threads of the browser tests' live server writing at
# once (two searches typed in quick succession, each audited) made the second fail at once with
# "database table is locked": shared-cache locks do not wait for busy_timeout. A file in WAL mode
# makes the second writer wait, as in production; in memory-backed /dev/shm it is as fast.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and DATABASES["default"]["NAME"] != ":memory:":  # noqa: F405
    import shutil

    _sqlite_file = Path(str(DATABASES["default"]["NAME"]))  # noqa: F405
    _shm = Path("/dev/shm")  # noqa: F405, S108 (the test database only, a process-named file)
    _roomy = _shm.is_dir() and os.access(_shm, os.W_OK) and shutil.disk_usage(_shm).free > 2 * 1024**3
    _folder = _shm if _roomy else _sqlite_file.parent
    DATABASES["default"]["TEST"] = {"NAME": str(_folder / f"vip-test-{os.getpid()}-{_sqlite_file.name}")}  # noqa: F405

# PostgreSQL: a commit of the throwaway test database does not wait for its write-ahead log to
# reach the disk (synchronous_commit off; a crash could lose the last commits, nothing else). The
# browser tests and every test of transactions commit at each request or step, and the suite's
# PostgreSQL pass ran minutes longer than the SQLite one waiting for those flushes.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    _options: dict[str, object] = {**(DATABASES["default"].get("OPTIONS") or {})}  # type: ignore[dict-item]  # noqa: F405
    _options["options"] = f"{_options.get('options') or ''} -c synchronous_commit=off".strip()
    DATABASES["default"]["OPTIONS"] = _options  # noqa: F405
