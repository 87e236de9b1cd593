"""Audit the locked dependencies for known vulnerabilities (security row 31); `make audit-deps`.

    python .ci/audit_deps.py REQUIREMENTS [--ignore-file .ci/pip-audit-ignore.txt] [--strict]

REQUIREMENTS is the lock file exported with exact versions (`uv export --frozen --no-hashes`).
pip-audit asks the PyPI vulnerability service about each pinned version. Exit status:

  0  no known vulnerability (other than the ignored ones, each listed with its reason), or the
     service could not be asked and --strict is not given: the run says SKIPPED, loudly
  1  a dependency has a known vulnerability that is not ignored, or (--strict, or
     VIP_AUDIT_DEPS_STRICT=1) the service could not be asked
  2  bad usage: an ignore-file line without a reason

Whether the service answers is checked first with a canary: a version with published
advisories (Django 3.2) must come back vulnerable. A service that does not answer, or answers
"not found" for every package, would otherwise pass every build silently.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CANARY = "django==3.2"
EXIT_OK, EXIT_VULNERABLE, EXIT_USAGE = 0, 1, 2


def _say(text: str, err: bool = False) -> None:
    (sys.stderr if err else sys.stdout).write(text + "\n")


class UsageError(Exception):
    pass


def read_ignores(path: Path) -> dict[str, str]:
    """``{advisory id: reason}``; every line is `ID reason...`, and a reason is required."""
    ignores: dict[str, str] = {}
    if not path.exists():
        return ignores
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        advisory, _, reason = text.partition(" ")
        if not reason.strip():
            raise UsageError(f"{path}:{number}: {advisory} is ignored without a reason: say why after the id")
        ignores[advisory] = reason.strip()
    return ignores


def pip_audit(requirements: Path, ignores: dict[str, str]) -> dict[str, Any]:
    command = [
        str(Path(sys.executable).parent / "pip-audit"),
        "--requirement",
        str(requirements),
        "--no-deps",  # the export pins every package, dependencies included
        "--disable-pip",
        "--vulnerability-service",
        "pypi",
        "--format",
        "json",
        "--progress-spinner",
        "off",
    ]
    for advisory in ignores:
        command += ["--ignore-vuln", advisory]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    try:
        return json.loads(result.stdout)
    except ValueError:
        sys.stderr.write(result.stderr)
        raise


def verdict(report: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(vulnerable dependencies with their advisories, dependencies that could not be audited)."""
    vulnerable, unaudited = [], []
    for dep in report.get("dependencies", []):
        if dep.get("skip_reason"):
            unaudited.append(f"{dep['name']}: {dep['skip_reason']}")
        for vuln in dep.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            vulnerable.append(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    return vulnerable, unaudited


def service_answers() -> bool:
    """Does the vulnerability service report the canary's published advisories?"""
    with tempfile.TemporaryDirectory() as folder:
        canary = Path(folder) / "canary.txt"
        canary.write_text(CANARY + "\n")
        vulnerable, _ = verdict(pip_audit(canary, {}))
    return bool(vulnerable)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("requirements", type=Path)
    parser.add_argument("--ignore-file", type=Path, default=ROOT / ".ci" / "pip-audit-ignore.txt")
    parser.add_argument("--strict", action="store_true", default=os.environ.get("VIP_AUDIT_DEPS_STRICT") == "1")
    args = parser.parse_args(argv)
    try:
        ignores = read_ignores(args.ignore_file)
    except UsageError as exc:
        _say(f"audit-deps: {exc}", err=True)
        return EXIT_USAGE
    for advisory, reason in ignores.items():
        _say(f"audit-deps: ignoring {advisory}: {reason}")
    if not service_answers():
        message = (
            f"the PyPI vulnerability service did not report the advisories of {CANARY}: it cannot be asked "
            "from here, so the dependencies were NOT audited"
        )
        if args.strict:
            _say(f"audit-deps: FAILED: {message}.", err=True)
            return EXIT_VULNERABLE
        _say(f"== audit-deps: SKIPPED: {message} (VIP_AUDIT_DEPS_STRICT=1 makes this fail) ==")
        return EXIT_OK
    vulnerable, unaudited = verdict(pip_audit(args.requirements, ignores))
    for line in unaudited:
        _say(f"audit-deps: not audited: {line}")
    if vulnerable:
        _say(
            "audit-deps: FAILED: known-vulnerable dependencies (upgrade them, or ignore an advisory "
            f"with its reason in {args.ignore_file}):",
            err=True,
        )
        for line in vulnerable:
            _say(f"  {line}", err=True)
        return EXIT_VULNERABLE
    if unaudited and args.strict:
        _say(f"audit-deps: FAILED: {len(unaudited)} dependencies could not be audited.", err=True)
        return EXIT_VULNERABLE
    _say(f"audit-deps: no known vulnerability in {args.requirements.name}.")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
