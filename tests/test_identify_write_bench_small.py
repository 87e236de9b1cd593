"""The benchmark of writing the proposals (bench/identify_write_bench.py) at a tiny size: guards
that its shortcut holds (the city's last year, bulk-loaded, gives the engine exactly the findings
of the whole city imported with `vip import`) and that the write and its reference run.

The full benchmark takes minutes; this takes seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("rustworkx")


def test_the_last_year_loaded_gives_the_findings_of_the_whole_city(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    proc = subprocess.run(  # noqa: S603 - our own script, with our own arguments
        [sys.executable, str(ROOT / "bench" / "identify_write_bench.py"), "--small", "--cache", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "the same" in proc.stdout and "proposals written" in proc.stdout
