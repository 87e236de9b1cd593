"""Run every benchmark in bench/ and refresh docs/benchmarks.md (`make bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = [
    "import_bench.py",
    "report_bench.py",
    "evaluation_bench.py",
    "evaluation_effect.py",
    "web_bench.py",
    "identify_bench.py",
    "identify_write_bench.py",
]

if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    for name in BENCHMARKS:
        print(f"== {name} ==", flush=True)
        subprocess.run([sys.executable, str(here / name)], check=True, cwd=here)
