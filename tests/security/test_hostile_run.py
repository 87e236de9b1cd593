"""Keeps the hostile run (bench/hostile_run.py) honest without running it: its command line, the
sign-in code it computes, what it sends sqlmap, and how it reads sqlmap's verdicts. The run itself
(sqlmap and schemathesis against a live server, ~10 minutes) is `make hostile`."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "hostile_run.py"


def _load():
    spec = importlib.util.spec_from_file_location("hostile_run", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["hostile_run"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


hostile = _load()


def test_help_describes_the_run() -> None:
    out = subprocess.run(  # noqa: S603 (this interpreter, this repository's script)
        [sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, check=True
    ).stdout
    for word in ("sqlmap", "schemathesis", "--database-url", "--reset", "--level", "--max-examples"):
        assert word in out


def test_arguments() -> None:
    args = hostile.parse_args([])
    assert (args.database_url, args.level, args.risk, args.reset, args.max_examples) == ("", 3, 2, False, 50)
    args = hostile.parse_args(["--database-url", "postgres://u@127.0.0.1/test_x", "--reset", "--level", "5"])
    assert hostile.engine(args.database_url) == "postgresql" and args.level == 5
    for wrong in (["--reset"], ["--database-url", "mysql://x/y"], ["--level", "9"], ["--max-examples", "0"]):
        with pytest.raises(SystemExit) as exc:
            hostile.parse_args(wrong)
        assert exc.value.code == 2
    assert hostile.redact_url("postgres://u:secret@h/db") == "postgres://u:***@h/db"


def test_the_code_it_types_is_the_one_the_application_accepts() -> None:
    from allauth.mfa.totp.internal.auth import format_hotp_value, generate_totp_secret, hotp_value

    secret = generate_totp_secret()
    now = time.time()
    assert hostile.totp(secret, now) == format_hotp_value(hotp_value(secret, int(now) // 30))


def test_what_sqlmap_posts_is_a_valid_referral() -> None:
    """Otherwise every request would stop at validation (400) before reaching the database."""
    import json

    from vip.api.serializers import IncomingReferralSerializer

    seed = {
        "accounts": {r: {"username": f"u_{r}", "token": f"tok-{r}"} for r in (*hostile.ROLES, "signin")},
        "person": 7,
    }
    targets = hostile.sqlmap_targets("http://127.0.0.1:1", seed, "sess", 2)
    posts = [t for t in targets if "--data" in t.args and "/api/" in t.args[1]]
    assert posts
    for target in posts:
        body = json.loads(target.args[target.args.index("--data") + 1])
        serializer = IncomingReferralSerializer(data=body)
        assert serializer.is_valid(), serializer.errors
        # sqlmap's JSON parsing needs a value in every field (an empty one swallows the next).
        assert all(v != "" for v in [*body.values(), *body["person"].values()])
        assert body["key"] == body["person"]["key"]  # so that --eval renews both
    secrets = ["sess", *(a["token"] for a in seed["accounts"].values())]
    for target in targets:
        assert target.parameters
        shown = " ".join(target.args)
        for secret in secrets:  # the record shows placeholders for every token and session it used
            if secret in shown:
                assert target.secrets[secret].startswith("$")


CLEAN = """[INFO] testing for SQL injection on GET parameter 'q'
[WARNING] GET parameter 'q' does not seem to be injectable
[ERROR] all tested parameters do not appear to be injectable. Try to increase values for '--level'/'--risk'
[WARNING] HTTP error codes detected during run:
404 (Not Found) - 79 times
"""


def test_reading_sqlmap_verdicts() -> None:
    assert hostile.classify_sqlmap(CLEAN) == ([], [])
    found, _ = hostile.classify_sqlmap(
        "[INFO] GET parameter 'q' is vulnerable. Do you want to keep testing the others (if any)? [y/N] N\n"
        "sqlmap identified the following injection point(s) with a total of 46 HTTP(s) requests:\n"
    )
    assert len(found) == 2
    found, _ = hostile.classify_sqlmap(
        CLEAN.replace("404 (Not Found) - 79 times", "500 (Internal Server Error) - 3 times")
    )
    assert found == ["server errors: 500 (Internal Server Error) - 3 times"]
    found, _ = hostile.classify_sqlmap(
        "[INFO] heuristic (basic) test shows that GET parameter 'q' might be injectable (possible DBMS: 'SQLite')\n"
        + CLEAN
    )
    assert found
    # Rejected as a false positive by sqlmap itself: not a finding.
    assert hostile.classify_sqlmap(
        "[INFO] POST parameter 'login' appears to be 'AND boolean-based blind' injectable\n" + CLEAN
    ) == ([], [])
    # sqlmap that did not get to say "not injectable" has not tested anything.
    found, errors = hostile.classify_sqlmap("[CRITICAL] anti-CSRF token 'csrfmiddlewaretoken' can't be found\n")
    assert not found and errors == ["anti-CSRF token 'csrfmiddlewaretoken' can't be found"]
    assert hostile.classify_sqlmap("")[1] == ["sqlmap did not finish its tests"]


def test_throttled_runs_do_not_count_as_clean() -> None:
    result = hostile.Result("sqlmap", "t", "c", requests=200, statuses={"2xx": 60, "4xx": 140, "429": 140})
    assert hostile.throttled(result)
    result.statuses = {"2xx": 200}
    assert hostile.throttled(result) == []
    assert hostile.throttled(hostile.Result("sqlmap", "t", "c", requests=3))


def test_only_probes_skips_the_tools() -> None:
    assert hostile.parse_args(["--only", "probes"]).only == "probes"


def test_the_form_reader_reads_what_the_admin_forms_hold() -> None:
    """The admin probe posts the account form back as the page filled it in: selects, radios, text."""
    page = """<form method="post" action="">
      <input type="hidden" name="csrfmiddlewaretoken" value="t">
      <select name="role"><option value="peer">Peer</option><option value="admin" selected>Admin</option></select>
      <select name="language"><option value="en">English</option><option value="es">Español</option></select>
      <input type="radio" name="usable_password" value="true" checked>
      <input type="radio" name="usable_password" value="false">
      <textarea name="notes">two
lines</textarea>
      <input type="submit" name="_save" value="Save">
    </form>"""
    (form,) = hostile.forms(page)
    assert form["fields"] == {
        "csrfmiddlewaretoken": "t",
        "role": "admin",
        "language": "en",
        "usable_password": "true",
        "notes": "two\nlines",
    }


def test_the_periods_and_months_it_asks_for() -> None:
    import datetime as dt

    assert hostile.months_back("2026-02", 4) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert hostile.last_fiscal_year(dt.date(2026, 11, 28), 7) == (dt.date(2025, 7, 1), dt.date(2026, 6, 30))
    assert hostile.last_fiscal_year(dt.date(2026, 6, 30), 7) == (dt.date(2024, 7, 1), dt.date(2025, 6, 30))
    assert hostile.last_fiscal_year(dt.date(2026, 3, 1), 1) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def test_a_wrong_code_is_never_one_the_application_would_accept() -> None:
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    secret = generate_totp_secret()
    accepted = {hostile.totp(secret, time.time() + 30 * k) for k in (-1, 0, 1)}
    assert not accepted & {hostile.wrong_code(secret) for _ in range(200)}


def test_the_lockout_server_keeps_the_production_lockout() -> None:
    """Row 33's server differs from production in the password hasher only: no throttle turned off."""
    import ast

    source = (SCRIPT.parent / "hostile_settings_locked.py").read_text()
    assigned = {
        target.id
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert assigned == {"PASSWORD_HASHERS"}


def test_the_audit_events_it_looks_for_are_the_ones_the_services_write() -> None:
    services = (SCRIPT.parents[1] / "src" / "vip" / "accounts" / "services.py").read_text()
    for action in ("auth.mfa_failed", "account.lock", "account.role_change", "account.password_set"):
        assert f'"{action}"' in services
        assert f'"{action}"' in hostile.MFA_CHECK_SCRIPT + hostile.ADMIN_CHECK_SCRIPT
