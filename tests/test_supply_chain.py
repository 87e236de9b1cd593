"""Security row 31: known-vulnerable dependencies fail the build.

`make test` runs `make audit-deps`: pip-audit over every locked package (.ci/audit_deps.py).
The end-to-end check (a lock pinning Django 3.2 fails the audit) needs the PyPI vulnerability
service; where it cannot be asked that test is skipped and says so, and the other tests prove
the wiring: the target is part of `make test`, its verdict on pip-audit's report, the ignore
file's reasons, and that a service that cannot be asked is a loud skip (a failure in strict mode).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "audit_deps.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False, env=env, cwd=ROOT
    )


def test_row_31_make_test_runs_the_dependency_audit_over_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text()
    (prerequisites,) = re.findall(r"^test:(.*)$", makefile, flags=re.MULTILINE)
    assert "audit-deps" in prerequisites.split()
    dry_run = subprocess.run(
        ["make", "-n", "audit-deps"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert "export --frozen --no-hashes" in dry_run and "--all-groups" in dry_run
    assert ".ci/audit_deps.py var/requirements-locked.txt" in dry_run


def test_row_31_a_vulnerable_dependency_in_the_report_fails_the_build() -> None:
    audit = _script()
    # The shape of `pip-audit --format json`.
    report = {
        "dependencies": [
            {"name": "django", "version": "3.2", "vulns": [{"id": "PYSEC-2021-98", "fix_versions": ["3.2.4"]}]},
            {"name": "rich", "version": "14.0.0", "vulns": []},
            {"name": "gone", "skip_reason": "Dependency not found on PyPI and could not be audited: gone (1.0)"},
        ],
        "fixes": [],
    }
    vulnerable, unaudited = audit.verdict(report)
    assert vulnerable == ["django 3.2: PYSEC-2021-98 (fixed in 3.2.4)"]
    assert unaudited == ["gone: Dependency not found on PyPI and could not be audited: gone (1.0)"]
    assert audit.verdict({"dependencies": [{"name": "rich", "version": "14.0.0", "vulns": []}]}) == ([], [])


def test_row_31_every_ignored_advisory_needs_a_reason(tmp_path: Path) -> None:
    audit = _script()
    assert all(audit.read_ignores(ROOT / ".ci" / "pip-audit-ignore.txt").values())
    good = tmp_path / "ignore.txt"
    good.write_text("# comment\nGHSA-xxxx-yyyy-zzzz only the Windows installer is affected; recheck 2027-01\n")
    assert audit.read_ignores(good) == {
        "GHSA-xxxx-yyyy-zzzz": "only the Windows installer is affected; recheck 2027-01"
    }
    bad = tmp_path / "bad.txt"
    bad.write_text("PYSEC-2021-98\n")
    result = _run(str(tmp_path / "requirements.txt"), "--ignore-file", str(bad))
    assert result.returncode == 2
    assert "PYSEC-2021-98 is ignored without a reason" in result.stderr


def test_row_31_a_known_vulnerable_pin_fails_the_audit(tmp_path: Path) -> None:
    audit = _script()
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("django==3.2.0\n")
    if not audit.service_answers():
        # Strict mode (CI) must then fail rather than pass an audit that did not happen.
        strict = _run(str(requirements), "--strict")
        assert strict.returncode == 1 and "NOT audited" in strict.stderr
        lenient = _run(str(requirements))
        assert lenient.returncode == 0 and "SKIPPED" in lenient.stdout
        pytest.skip("the PyPI vulnerability service cannot be asked from this machine: the audit itself is untested")
    result = _run(str(requirements))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "django 3.2.0" in result.stderr
