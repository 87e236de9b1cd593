"""Security row 19: the logs hold no secrets or case content. The suite's own log is scanned after
every run (vip.core.logscan, loaded by the root conftest.py); these tests prove the scanner and
the failing run, and that requests' data stays out of the log."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.conf import settings
from django.test import Client

from vip.core.logscan import scan

ROOT = Path(__file__).resolve().parents[1]


def test_row_19_scanner_names_every_planted_secret(tmp_path: Path) -> None:
    totp = generate_totp_secret()
    log = tmp_path / "app.log"
    log.write_text(
        "\n".join(
            [
                "INFO vip ordinary line: referral 12 accepted",
                "WARNING django.request Not Found: /people/12/",
                "ERROR vip saved note NOTE-CANARY talked about the fight",
                "INFO vip signed in with a long enough passphrase for tests",
                f"INFO vip enrolled {totp}",
                "INFO vip session 9k2l1m3n4b5v6c7x8z9a0s1d2f3g4h5j",
                "INFO vip token vip_Q2hlY2sgdGhlIGxvZ3M_X3Nob3VsZCBmYWls",
            ]
        ),
        encoding="utf-8",
    )
    recorded = {
        ("password", "a long enough passphrase for tests"),
        ("session id", "9k2l1m3n4b5v6c7x8z9a0s1d2f3g4h5j"),
        ("password", "short"),  # too short to look for
    }
    found = {(f.line, f.kind) for f in scan(log, recorded)}
    assert found == {(3, "canary"), (4, "password"), (5, "TOTP secret"), (6, "session id"), (7, "API token")}
    assert str(scan(log, recorded)[0]) == f"{log}:3: canary"  # file and line, never the secret again


def _run_pytest(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    test = tmp_path / "test_planted.py"
    test.write_text(f"import logging\n\n\ndef test_logs() -> None:\n    {body}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    options = ["-q", "-p", "vip.core.logscan", "-p", "no:cacheprovider", "-c", str(ROOT / "pyproject.toml")]
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pytest", *options, "--rootdir", str(ROOT), str(test)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_row_19_a_secret_in_the_log_fails_the_run(tmp_path: Path) -> None:
    leaked = _run_pytest(tmp_path, 'logging.getLogger("vip").warning("note text: NOTE-CANARY")')
    assert leaked.returncode == 1, leaked.stdout + leaked.stderr
    assert "1 passed" in leaked.stdout  # the test itself passed: the scan failed the run
    assert "security row 19: the log holds secrets or case content" in leaked.stdout
    assert "test-logs/pytest-" in leaked.stdout and ".log:1: canary" in leaked.stdout
    clean = _run_pytest(tmp_path, 'logging.getLogger("vip").warning("referral 12 accepted")')
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_row_19_the_suite_log_is_written_and_scanned() -> None:
    path = Path(settings.TEST_LOG_FILE)
    logging.getLogger("vip.tests").warning("row 19 probe: the suite log receives records")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "row 19 probe" in path.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_row_19_refused_requests_log_no_body_query_or_exception_text(program, make_user) -> None:
    path = Path(settings.TEST_LOG_FILE)
    before = path.stat().st_size
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("manager"))
    # A CSRF refusal (403) and a 404 with case content in the body and a name in the query.
    client.post("/people/new/", {"first_name": "LOGBODY-Ana", "notes": "LOGBODY-note"})
    client.post("/casework/people/999999/note/?q=LOGBODY-Garcia", {"text": "LOGBODY-note"})
    client.get("/no/such/page/?q=LOGBODY-Garcia")
    for handler in logging.getLogger("django").handlers:
        handler.flush()
    with path.open(encoding="utf-8") as handle:
        handle.seek(before)
        written = handle.read()
    assert "Forbidden (CSRF" in written and "Not Found: /no/such/page/" in written
    assert "LOGBODY" not in written


def test_row_19_access_log_keeps_no_query_string() -> None:
    """The development server's access log (and gunicorn's) lose the query string: a search's
    terms are names. Other records keep their question marks."""
    path = Path(settings.TEST_LOG_FILE)
    before = path.stat().st_size
    # As django.core.servers.basehttp.WSGIRequestHandler.log_message writes it.
    logging.getLogger("django.server").warning(
        '"%s" %s %s', "GET /people/?q=LOGQUERY-Ana+Garcia HTTP/1.1", "200", "5120"
    )
    logging.getLogger("gunicorn.access").warning("GET /api/v1/people/?q=LOGQUERY-Baca")
    logging.getLogger("vip.tests").warning("is this kept? %s", "yes")
    for handler in logging.getLogger().handlers + logging.getLogger("django.server").handlers:
        handler.flush()
    with path.open(encoding="utf-8") as handle:
        handle.seek(before)
        written = handle.read()
    assert '"GET /people/?… HTTP/1.1" 200 5120' in written
    assert "GET /api/v1/people/?…" in written
    assert "is this kept? yes" in written
    assert "LOGQUERY" not in written
