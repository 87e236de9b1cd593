"""Security row 19: the logs hold no secrets and no case content.

``scan`` reads a log file and names every line holding a secret: a canary (the unique strings
tests seed into case notes, needs assessments and health referrals), a password, a TOTP secret,
a session id or an API token. As a pytest plugin (the root ``conftest.py`` loads it) it records
the secrets the suite creates (every password set, every TOTP secret and session key made),
and after the suite scans the log file the test settings write (``settings.TEST_LOG_FILE``):
any finding fails the run, naming the file and the line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

# Secrets recognisable by their shape, whoever made them.
PATTERNS = {
    "canary": re.compile(r"CANARY"),
    "API token": re.compile(r"vip_[A-Za-z0-9_-]{20,}"),
    "TOTP secret": re.compile(r"(?<![A-Z2-7])[A-Z2-7]{32}(?![A-Z2-7])"),
}
# Recorded secrets shorter than this are not looked for (they would match ordinary words).
MIN_RECORDED_LENGTH = 8


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    kind: str

    def __str__(self) -> str:
        # The secret itself is not repeated: the report of a leak must not leak it again.
        return f"{self.file}:{self.line}: {self.kind}"


def scan(path: Path, recorded: Iterable[tuple[str, str]] = ()) -> list[Finding]:
    """Every line of ``path`` holding a secret; ``recorded`` adds ``(kind, value)`` pairs."""
    known = [(kind, value) for kind, value in recorded if len(value) >= MIN_RECORDED_LENGTH]
    findings = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            for kind, pattern in PATTERNS.items():
                if pattern.search(line):
                    findings.append(Finding(str(path), number, kind))
            for kind, value in known:
                if value in line:
                    findings.append(Finding(str(path), number, kind))
    return findings


# ---- the pytest plugin ---------------------------------------------------------------------------

RECORDED: set[tuple[str, str]] = set()


def _record_secrets() -> None:
    """Wrap the places secrets are made, so that the scan knows this run's values."""
    # Deferred: this module is a pytest plugin, loaded before Django is set up; these import models.
    from allauth.mfa.totp.internal import auth
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.sessions.backends.base import SessionBase

    set_password = AbstractBaseUser.set_password
    new_session_key = SessionBase._get_new_session_key  # type: ignore[attr-defined]
    new_totp_secret = auth.generate_totp_secret

    def recording_set_password(self: AbstractBaseUser, raw_password: str | None) -> None:
        if raw_password:
            RECORDED.add(("password", raw_password))
        set_password(self, raw_password)

    def recording_session_key(self: SessionBase) -> str:
        key = new_session_key(self)
        RECORDED.add(("session id", key))
        return key

    def recording_totp_secret(*args: Any, **kwargs: Any) -> str:
        secret = new_totp_secret(*args, **kwargs)
        RECORDED.add(("TOTP secret", secret))
        return secret

    AbstractBaseUser.set_password = recording_set_password  # type: ignore[method-assign]
    SessionBase._get_new_session_key = recording_session_key  # type: ignore[attr-defined]
    auth.generate_totp_secret = recording_totp_secret


def pytest_sessionstart(session: Any) -> None:

    path = getattr(settings, "TEST_LOG_FILE", None)
    if path is not None:
        Path(path).write_text("", encoding="utf-8")  # this run's log starts empty
    _record_secrets()


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:

    path = getattr(settings, "TEST_LOG_FILE", None)
    if path is None or not Path(path).exists():
        return
    for handler in _file_handlers():
        handler.flush()
    findings = scan(Path(path), RECORDED)
    if findings:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"security row 19: the log holds secrets or case content ({len(findings)} line(s)):"]
        lines += [f"  {finding}" for finding in findings[:50]]
        if reporter is not None:
            reporter.write_line("\n".join(lines), red=True, bold=True)
        session.exitstatus = 1


def _file_handlers() -> list[Any]:

    loggers = [logging.getLogger(), logging.getLogger("django")]
    return [h for logger in loggers for h in logger.handlers if isinstance(h, logging.FileHandler)]
